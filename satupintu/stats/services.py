"""Writes of the stats context: the rollup of a mall's days into the count tables."""

from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Max, Min, Sum
from django.db.models.functions import TruncMonth
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


@transaction.atomic
def rollup_mall(*, mall: Mall, start: date, end: date) -> int:
    """Count ``mall``'s days from ``start`` to ``end`` (its local dates) again from the base
    tables into the count tables, and return how many rows were written.

    Idempotent: every key is upserted, and the rows of those days no longer counted (a booking
    cancelled since) deleted, in one transaction, so readers see the old counts or the new.
    Two runs over one mall queue behind a lock (PostgreSQL) instead of interleaving."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [0x5747, mall.pk])
    now = timezone.now()
    scope = metrics.Scope(time_zone=mall.time_zone, mall_ids=(mall.pk,), start=start, end=end)
    keyed = {"mall_id": mall.pk, "rolled_up_at": now}
    counts = [
        DailyCount(
            day=day,
            agency_id=agency,
            service_id=service,
            channel=channel,
            metric=metric,
            value=value,
            **keyed,
        )
        for (day, _mall, agency, service, channel), values in metrics.grouped(scope).items()
        for metric, value in values.items()
        if value
    ]
    durations = [
        DurationCount(
            day=day,
            agency_id=agency,
            service_id=service,
            channel=channel,
            kind=kind,
            bucket=bucket,
            value=value,
            **keyed,
        )
        for (day, _mall, agency, service, channel), kind, bucket, value in (
            metrics.histogram_grouped(scope)
        )
    ]
    key = ["day", "mall", "agency_id", "service_id", "channel"]
    DailyCount.objects.bulk_create(
        counts,
        batch_size=BATCH,
        update_conflicts=True,
        unique_fields=[*key, "metric"],
        update_fields=["value", "rolled_up_at"],
    )
    DurationCount.objects.bulk_create(
        durations,
        batch_size=BATCH,
        update_conflicts=True,
        unique_fields=[*key, "kind", "bucket"],
        update_fields=["value", "rolled_up_at"],
    )
    for model in (DailyCount, DurationCount):
        model.objects.filter(mall=mall, day__range=(start, end), rolled_up_at__lt=now).delete()
    return len(counts) + len(durations) + _mall_level(mall, start, end, now)


def _mall_level(mall: Mall, start: date, end: date, now: datetime) -> int:
    """The mall-wide counts of those days (sums of the rows just written, in SQL), then of the
    whole months they fall in (sums of the mall's days)."""
    first = start.replace(day=1)
    last = date(end.year + end.month // 12, end.month % 12 + 1, 1) - timedelta(days=1)
    written = 0
    levels: tuple[tuple[Any, Any, list[str]], ...] = (
        (DailyCount, MallCount, ["metric"]),
        (DurationCount, MallDurationCount, ["kind", "bucket"]),
    )
    for fine, coarse, extra in levels:
        key = ["span", "day", "mall", "channel", *extra]
        days = (
            fine.objects.filter(mall=mall, day__range=(start, end))
            .values("day", "channel", *extra)
            .annotate(total=Sum("value"))
            .order_by()
        )
        months = (
            coarse.objects.filter(span="day", mall=mall, day__range=(first, last))
            .annotate(month=TruncMonth("day"))
            .values("month", "channel", *extra)
            .annotate(total=Sum("value"))
            .order_by()
        )
        for span, rows, within in (("day", days, (start, end)), ("month", months, (first, last))):
            made = [
                coarse(
                    span=span,
                    day=row.get("day") or row["month"],
                    mall=mall,
                    channel=row["channel"],
                    value=row["total"],
                    rolled_up_at=now,
                    **{name: row[name] for name in extra},
                )
                for row in rows
                if row["total"]
            ]
            coarse.objects.bulk_create(
                made,
                batch_size=BATCH,
                update_conflicts=True,
                unique_fields=key,
                update_fields=["value", "rolled_up_at"],
            )
            coarse.objects.filter(
                span=span, mall=mall, day__range=within, rolled_up_at__lt=now
            ).delete()
            written += len(made)
    return written


def rollup_recent() -> int:
    """The periodic job: every active mall's yesterday, today and the days bookings are made
    for, each on its own clock. A change to an older day (a rating given again, a ticket
    closed days late) reaches the counts when ``stats_backfill`` is run over that day."""
    written = 0
    ahead = dict(VisitPolicy.objects.values_list("mall_id", "days_ahead"))
    for mall in Mall.objects.filter(is_active=True).order_by("pk"):
        today = in_mall_time(timezone.now(), mall).date()
        written += rollup_mall(
            mall=mall,
            start=today - timedelta(days=DAYS_BEHIND),
            end=today + timedelta(days=ahead.get(mall.pk, DEFAULT_DAYS_AHEAD)),
        )
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


def rollup_chunks(*, malls: list[Mall], start: date, end: date) -> list[tuple[Mall, date, date]]:
    """The backfill's steps: each mall's days cut into calendar months (one transaction each)."""
    chunks: list[tuple[Mall, date, date]] = []
    for mall in malls:
        first = start
        while first <= end:
            following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
            chunks.append((mall, first, min(end, following - timedelta(days=1))))
            first = following
    return chunks
