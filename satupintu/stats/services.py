"""Writes of the stats context: the rollup of malls' days into the count tables.

The counting runs in the database: for each base table (``metrics.SOURCES``) one
``INSERT … SELECT … GROUP BY`` writes every raw metric of every key of the days at once (the
grouped row unpivoted into one row per metric), one more per duration kind writes the
histograms, and the mall-wide rows are sums of those, again in SQL. The range's rows are
deleted first, in the same transaction: readers see the old counts or the new, a rerun writes
the same rows. The only rows made in Python are the working days to finish an application
(they read each mall's calendar), grouped beforehand so that they are one per key."""

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Max, Min, Model, QuerySet, Sum
from django.utils import timezone

from satupintu.booking.models import VisitPolicy
from satupintu.malls.calendar import in_mall_time
from satupintu.malls.models import Mall
from satupintu.stats import metrics
from satupintu.stats.models import DailyCount, DurationCount, MallCount, MallDurationCount

BATCH = 2000
# The rollup job's days: yesterday and today, and the days ahead that bookings are made for.
DAYS_BEHIND = 1
DEFAULT_DAYS_AHEAD = 14
FINISH_DAYS = "applications_finish_working_days"


def rollup_mall(*, mall: Mall, start: date, end: date) -> int:
    """Count ``mall``'s days from ``start`` to ``end`` (its local dates) again; see
    ``rollup_malls``."""
    return rollup_malls(malls=[mall], start=start, end=end)


@transaction.atomic
def rollup_malls(*, malls: Sequence[Mall], start: date, end: date) -> int:
    """Count the days from ``start`` to ``end`` (each mall's local dates) of ``malls`` again
    from the base tables into the count tables, and return how many rows were written.

    Idempotent: the range's rows are deleted and written again in one transaction, so readers
    see the old counts or the new. Two runs over one mall queue behind a lock (PostgreSQL)
    instead of interleaving. A range with neither base rows nor counts is left alone."""
    ids = sorted({mall.pk for mall in malls})
    if not ids:
        return 0
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for mall_id in ids:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [0x5747, mall_id])
    scopes = [
        metrics.Scope(time_zone=zone, mall_ids=tuple(zone_ids), start=start, end=end)
        for zone, zone_ids in _by_zone(malls).items()
    ]
    counted = DailyCount.objects.filter(mall_id__in=ids, day__range=(start, end))
    if not counted.exists() and not any(metrics.has_rows(scope) for scope in scopes):
        return 0
    now = timezone.now()
    for model in (DailyCount, DurationCount):
        model.objects.filter(mall_id__in=ids, day__range=(start, end)).delete()
    written = 0
    for scope in scopes:
        written += _insert_counts(scope, now)
        written += _insert_durations(scope, now)
        written += _insert_finish_days(scope, now)
    return written + _mall_level(ids, start, end, now)


def _by_zone(malls: Iterable[Mall]) -> dict[str, list[int]]:
    zones: dict[str, list[int]] = {}
    for mall in malls:
        zones.setdefault(mall.time_zone, [])
        if mall.pk not in zones[mall.time_zone]:
            zones[mall.time_zone].append(mall.pk)
    return zones


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _execute(sql: str, params: Sequence[Any]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(int(cursor.rowcount), 0)


def _compiled(qs: QuerySet[Any]) -> tuple[str, tuple[Any, ...]]:
    sql, params = qs.query.get_compiler(using=qs.db).as_sql()
    return sql, tuple(params)


def _insert_select(
    model: type[Model], columns: Sequence[str], picked: str, source: str, where: str = ""
) -> str:
    """``INSERT INTO`` the model's table ``SELECT picked FROM source [WHERE where]``: table and
    column names quoted, ``source`` SQL the ORM compiled, every value a parameter."""
    table = _q(model._meta.db_table)
    names = ", ".join(_q(c) for c in columns)
    condition = f" WHERE {where}" if where else ""
    return f"INSERT INTO {table} ({names}) SELECT {picked} FROM {source}{condition}"  # noqa: S608


_KEY_COLUMNS = ("day", "mall_id", "agency_id", "service_id", "channel")


def _picked(alias: str, names: Iterable[str]) -> str:
    return ", ".join(f"{alias}.{_q(name)}" for name in names)


def _insert_counts(scope: metrics.Scope, now: datetime) -> int:
    """One INSERT … SELECT per source: its grouped row per key, one row per non-zero metric
    (the metric names a VALUES list joined to the group, the value picked by a CASE)."""
    written = 0
    for source, grouped in metrics.grouped_querysets(scope):
        names = list(source.metrics())
        inner, inner_params = _compiled(grouped)
        picks = " ".join(f"WHEN %s THEN g.{_q(name)}" for name in names)
        listed = ", ".join("(%s)" for _name in names)
        unpivoted = (
            f"(SELECT {_picked('g', metrics.DIMENSIONS)}, m.column1 AS metric, "  # noqa: S608
            f"CASE m.column1 {picks} END AS value, %s AS rolled_up_at "
            f"FROM ({inner}) g CROSS JOIN (VALUES {listed}) AS m) u"
        )
        sql = _insert_select(
            DailyCount,
            [*_KEY_COLUMNS, "metric", "value", "rolled_up_at"],
            "u.*",
            unpivoted,
            "u.value <> 0",
        )
        written += _execute(sql, [*names, now, *inner_params, *names])
    return written


def _insert_durations(scope: metrics.Scope, now: datetime) -> int:
    """One INSERT … SELECT per kind of duration: the counts per key and bucket."""
    written = 0
    for kind, grouped in metrics.histogram_querysets(scope):
        inner, inner_params = _compiled(grouped)
        sql = _insert_select(
            DurationCount,
            [*_KEY_COLUMNS, "kind", "bucket", "value", "rolled_up_at"],
            f"{_picked('g', metrics.DIMENSIONS)}, %s, {_picked('g', ['_bucket', 'n'])}, %s",
            f"({inner}) g",
        )
        written += _execute(sql, [kind, now, *inner_params])
    return written


def _insert_finish_days(scope: metrics.Scope, now: datetime) -> int:
    """The working days to finish, summed per key (``metrics.finish_working_days``)."""
    rows = [
        DailyCount(
            day=day,
            mall_id=mall,
            agency_id=agency,
            service_id=service,
            channel=channel,
            metric=FINISH_DAYS,
            value=days,
            rolled_up_at=now,
        )
        for (day, mall, agency, service, channel), days in metrics.finish_working_days(
            scope
        ).items()
        if days
    ]
    DailyCount.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


def _months(start: date, end: date) -> list[tuple[date, date]]:
    months: list[tuple[date, date]] = []
    first = start.replace(day=1)
    while first <= end:
        following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        months.append((first, following - timedelta(days=1)))
        first = following
    return months


def _mall_level(ids: list[int], start: date, end: date, now: datetime) -> int:
    """The mall-wide counts of those days (sums of the rows just written), then of the whole
    months they fall in (sums of the mall's days), each one INSERT … SELECT."""
    written = 0
    levels: tuple[tuple[type[Model], type[Model], list[str]], ...] = (
        (DailyCount, MallCount, ["metric"]),
        (DurationCount, MallDurationCount, ["kind", "bucket"]),
    )
    for fine, coarse, extra in levels:
        columns = ["span", "day", "mall_id", "channel", *extra, "value", "rolled_up_at"]
        keyed = coarse._default_manager.filter(mall_id__in=ids)
        keyed.filter(span="day", day__range=(start, end)).delete()
        days = (
            fine._default_manager.filter(mall_id__in=ids, day__range=(start, end))
            .values("day", "mall_id", "channel", *extra)
            .annotate(_total=Sum("value"))
            .order_by()
        )
        inner, inner_params = _compiled(days)
        picked = _picked("g", ["day", "mall_id", "channel", *extra, "_total"])
        sql = _insert_select(
            coarse, columns, f"'day', {picked}, %s", f"({inner}) g", "g._total <> 0"
        )
        written += _execute(sql, [now, *inner_params])
        for first, last in _months(start, end):
            keyed.filter(span="month", day=first).delete()
            month = (
                keyed.filter(span="day", day__range=(first, last))
                .values("mall_id", "channel", *extra)
                .annotate(_total=Sum("value"))
                .order_by()
            )
            inner, inner_params = _compiled(month)
            picked = _picked("g", ["mall_id", "channel", *extra, "_total"])
            sql = _insert_select(
                coarse, columns, f"'month', %s, {picked}, %s", f"({inner}) g", "g._total <> 0"
            )
            written += _execute(sql, [first, now, *inner_params])
    return written


def rollup_recent() -> int:
    """The periodic job: every active mall's yesterday, today and the days bookings are made
    for, each on its own clock; the malls whose days are the same counted together, so a run
    is a few queries per time zone whatever the number of malls. A change to an older day
    (a rating given again, a ticket closed days late) reaches the counts when
    ``stats_backfill`` is run over that day."""
    written = 0
    ahead = dict(VisitPolicy.objects.values_list("mall_id", "days_ahead"))
    spans: dict[tuple[date, date], list[Mall]] = {}
    for mall in Mall.objects.filter(is_active=True).order_by("pk"):
        today = in_mall_time(timezone.now(), mall).date()
        days_ahead = ahead.get(mall.pk, DEFAULT_DAYS_AHEAD)
        span = (today - timedelta(days=DAYS_BEHIND), today + timedelta(days=days_ahead))
        spans.setdefault(span, []).append(mall)
    for (start, end), malls in sorted(spans.items()):
        written += rollup_malls(malls=malls, start=start, end=end)
    return written


def history_span() -> tuple[date, date] | None:
    """The first and last days any counted event falls on (in UTC dates widened by a day on
    each side, which holds every mall's local dates); None when there is none."""
    firsts: list[date] = []
    lasts: list[date] = []
    for source in metrics.SOURCES:
        if source.day.startswith("_"):
            continue  # an event of a row already counted by another source
        span = source.queryset().aggregate(first=Min(source.day), last=Max(source.day))
        for value, into in ((span["first"], firsts), (span["last"], lasts)):
            if value is not None:
                into.append(value.date() if isinstance(value, datetime) else value)
    if not firsts:
        return None
    return min(firsts) - timedelta(days=1), max(lasts) + timedelta(days=1)


def rollup_chunks(*, start: date, end: date) -> list[tuple[date, date]]:
    """The backfill's steps: the days cut into calendar months, each counted for every mall
    at once (one transaction each)."""
    return [(max(first, start), min(last, end)) for first, last in _months(start, end)]
