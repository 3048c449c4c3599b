"""What each raw statistic counts, over which base table, on which day: the one definition that
both the direct count (``selectors.direct_figures``) and the rollup (``services.py``) read.

A *raw metric* is an additive integer (a count or a sum of seconds, of scores, of working
days); every figure of ``selectors.Figures`` is a raw metric or a ratio of two. Each ``Source``
is one base table with the day its rows fall on in the mall's time zone, the mall, agency,
service and channel they belong to, and the raw metrics counted over it, each an SQL
aggregate: the database does the counting, in one query per source and time zone.

Waiting and serving times are also counted in fixed buckets (``BUCKET_SECONDS`` wide), so
their 90th percentile is exact to a bucket.
"""

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import (
    BigIntegerField,
    Case,
    CharField,
    Count,
    Exists,
    Expression,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Least, TruncDate

from satupintu.booking.models import Booking, DayOff, Ticket, TicketEvent
from satupintu.cases.models import Application, Transition
from satupintu.complaints.models import Report, ReportEvent
from satupintu.malls.calendar import national_holiday
from satupintu.surveys.elements import ELEMENTS
from satupintu.surveys.models import Response

# Channels: how a visit came (booked or walk-in) or an application was submitted (online by the
# applicant, at the front office by an officer for a walk-in, pushed by OSS or another
# licensing system). Complaints and IKM responses have none ("").
VISIT_CHANNELS = ("booking", "walk_in")
APPLICATION_CHANNELS = ("online", "front_office", "oss")
CHANNELS = VISIT_CHANNELS + APPLICATION_CHANNELS

# Waiting and serving times are counted per minute up to 8 hours; the last bucket holds all
# longer ones.
BUCKET_SECONDS = 60
LAST_BUCKET = 8 * 60
DURATIONS = ("wait", "serve")


class SecondsBetween(Func):
    """Whole seconds from the first moment to the second, on PostgreSQL and SQLite alike."""

    output_field = BigIntegerField()

    def __init__(self, start: Any, end: Any) -> None:
        super().__init__(end, start)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(
            compiler,
            connection,
            template="CAST(ROUND((julianday(%(expressions)s)) * 86400000) / 1000 AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra,
        )

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(
            compiler,
            connection,
            template="CAST(FLOOR(EXTRACT(EPOCH FROM (%(expressions)s))) AS bigint)",
            arg_joiner=" - ",
            **extra,
        )


def bucket_of(seconds: Expression | F) -> Expression:
    return Least(
        Func(
            seconds,
            Value(BUCKET_SECONDS),
            function="",
            arg_joiner=" / ",
            output_field=IntegerField(),
        ),
        Value(LAST_BUCKET),
    )


def bucket_upper_seconds(bucket: int) -> int:
    """The longest time a bucket holds (the last one: its lower edge)."""
    return bucket * BUCKET_SECONDS if bucket >= LAST_BUCKET else (bucket + 1) * BUCKET_SECONDS


@dataclass(frozen=True)
class Source:
    """One base table and the raw metrics counted over it.

    ``day`` names the row's day: a date field already in the mall's time (a ticket's day) or,
    with ``moment``, a datetime field whose date in the mall's time zone is taken. ``prepare``
    adds annotations (subqueries) the rest reads.
    """

    name: str
    queryset: Callable[[], QuerySet[Any]]
    day: str
    mall: str
    agency: str
    service: str
    channel: Callable[[], Expression]
    metrics: Callable[[], dict[str, Any]]
    moment: bool = False
    prepare: Callable[[QuerySet[Any]], QuerySet[Any]] = field(default=lambda qs: qs)
    # The channels this source's rows can have; "" when it has none (complaints, IKM).
    channels: tuple[str, ...] = ()


def _first_call() -> Expression:
    first = (
        TicketEvent.objects.filter(ticket=OuterRef("pk"), reason=TicketEvent.Reason.CALLED)
        .order_by("at", "pk")
        .values("at")[:1]
    )
    return Coalesce(Subquery(first), F("called_at"))


def _tickets(qs: QuerySet[Any]) -> QuerySet[Any]:
    return qs.annotate(_first_call=_first_call()).annotate(
        _wait=SecondsBetween(F("created_at"), F("_first_call")),
        _serve=SecondsBetween(F("called_at"), F("finished_at")),
    )


_SERVED_TIMED = Q(status=Ticket.Status.SERVED, called_at__isnull=False, finished_at__isnull=False)
_CALLED = Q(_first_call__isnull=False)


def _ticket_metrics() -> dict[str, Any]:
    return {
        "visits_checked_in": Count("pk", filter=Q(booking__isnull=False)),
        "walk_ins": Count("pk", filter=Q(booking__isnull=True)),
        "visits_served": Count("pk", filter=Q(status=Ticket.Status.SERVED)),
        "wait_count": Count("pk", filter=_CALLED),
        "wait_seconds": Sum("_wait", filter=_CALLED),
        "serve_count": Count("pk", filter=_SERVED_TIMED),
        "serve_seconds": Sum("_serve", filter=_SERVED_TIMED),
    }


def _application_channel(prefix: str = "") -> Expression:
    return Case(
        When(~Q(**{f"{prefix}external_ref": ""}), then=Value("oss")),
        When(**{f"{prefix}filed_by__isnull": False}, then=Value("front_office")),
        default=Value("online"),
        output_field=CharField(),
    )


def _transitions(qs: QuerySet[Any]) -> QuerySet[Any]:
    return qs.filter(Q(action__in=["submit", "return"]) | Q(to_status=Application.Status.DONE))


def _transition_metrics() -> dict[str, Any]:
    done = Q(to_status=Application.Status.DONE)
    return {
        **{
            f"applications_submitted_{channel}": Count(
                "pk", filter=Q(action="submit", _channel=channel)
            )
            for channel in APPLICATION_CHANNELS
        },
        "applications_finished": Count("pk", filter=done),
        "applications_finished_on_time": Count(
            "pk", filter=done & Q(_day__lte=F("application__due_date"))
        ),
        "applications_returned": Count("pk", filter=Q(action="return")),
    }


_ANSWERS = [ReportEvent.Kind.ANSWERED, ReportEvent.Kind.ANSWERED_ON_BEHALF]


def _first_or_last(events: QuerySet[Any], kinds: Sequence[str], *, last: bool) -> QuerySet[Any]:
    """Of ``events``, the first (or last) of its report's events of ``kinds``, in the order
    of their moments and ids: one per report."""
    if last:
        beyond = Q(created_at__gt=OuterRef("created_at")) | Q(
            created_at=OuterRef("created_at"), pk__gt=OuterRef("pk")
        )
    else:
        beyond = Q(created_at__lt=OuterRef("created_at")) | Q(
            created_at=OuterRef("created_at"), pk__lt=OuterRef("pk")
        )
    other = ReportEvent.objects.filter(beyond, report=OuterRef("report"), kind__in=kinds)
    return events.filter(~Exists(other))


def _report_metrics() -> dict[str, Any]:
    return {
        "complaints_received": Count("pk"),
        **{f"complaints_kind_{k}": Count("pk", filter=Q(kind=k)) for k in Report.Kind.values},
        **{
            f"complaints_category_{c}": Count("pk", filter=Q(category=c))
            for c in Report.Category.values
        },
        **{
            f"complaints_class_{c}": Count("pk", filter=Q(deadline_class=c))
            for c in Report.DeadlineClass.values
        },
    }


def _ikm_metrics() -> dict[str, Any]:
    return {
        "ikm_respondents": Count("pk"),
        **{f"ikm_total_{e.field}": Sum(e.field) for e in ELEMENTS},
        **{f"ikm_answered_{e.field}": Count(e.field) for e in ELEMENTS},
    }


def _none() -> Expression:
    return Value("", output_field=CharField())


SOURCES: tuple[Source, ...] = (
    Source(
        name="bookings",
        # Bookings cancelled or released by a closure are no visit; a moved one counts once,
        # on its new day.
        queryset=lambda: Booking.objects.exclude(
            status__in=[Booking.Status.CANCELLED, Booking.Status.RELEASED]
        ),
        day="date",
        mall="service__agency__mall_id",
        agency="service__agency_id",
        service="service_id",
        channel=lambda: Value("booking", output_field=CharField()),
        metrics=lambda: {
            "visits_booked": Count("pk"),
            "no_shows": Count("pk", filter=Q(status=Booking.Status.NO_SHOW)),
        },
        channels=("booking",),
    ),
    Source(
        name="tickets",
        queryset=lambda: Ticket.objects.all(),
        day="date",
        mall="agency__mall_id",
        agency="agency_id",
        service="service_id",
        channel=lambda: Case(
            When(booking__isnull=True, then=Value("walk_in")),
            default=Value("booking"),
            output_field=CharField(),
        ),
        metrics=_ticket_metrics,
        prepare=_tickets,
        channels=VISIT_CHANNELS,
    ),
    Source(
        name="transitions",
        queryset=lambda: Transition.objects.all(),
        day="created_at",
        moment=True,
        mall="application__service__agency__mall_id",
        agency="application__service__agency_id",
        service="application__service_id",
        channel=lambda: _application_channel("application__"),
        metrics=_transition_metrics,
        prepare=_transitions,
        channels=APPLICATION_CHANNELS,
    ),
    Source(
        name="reports",
        queryset=lambda: Report.objects.all(),
        day="created_at",
        moment=True,
        mall="mall_id",
        agency="agency_id",
        service="service_id",
        channel=_none,
        metrics=_report_metrics,
    ),
    Source(
        name="answers",
        # A report counts as answered on the day of its first answer: read from that event,
        # so the days' rows are found through an index on the events' moments.
        queryset=lambda: _first_or_last(
            ReportEvent.objects.filter(kind__in=_ANSWERS), _ANSWERS, last=False
        ),
        day="created_at",
        moment=True,
        mall="report__mall_id",
        agency="report__agency_id",
        service="report__service_id",
        channel=_none,
        metrics=lambda: {
            "complaints_answered": Count("pk"),
            "complaints_answered_on_time": Count("pk", filter=Q(_day__lte=F("report__answer_due"))),
        },
    ),
    Source(
        name="escalations",
        queryset=lambda: Report.objects.filter(escalated_at__isnull=False),
        day="escalated_at",
        moment=True,
        mall="mall_id",
        agency="agency_id",
        service="service_id",
        channel=_none,
        metrics=lambda: {"complaints_escalated": Count("pk")},
    ),
    Source(
        name="ratings",
        # A rating counts on the day it was last given (a reporter may rate again).
        queryset=lambda: _first_or_last(
            ReportEvent.objects.filter(kind=ReportEvent.Kind.RATED, report__rating__isnull=False),
            [ReportEvent.Kind.RATED],
            last=True,
        ),
        day="created_at",
        moment=True,
        mall="report__mall_id",
        agency="report__agency_id",
        service="report__service_id",
        channel=_none,
        metrics=lambda: {
            "ratings_count": Count("pk"),
            "ratings_sum": Sum("report__rating"),
        },
    ),
    Source(
        name="ikm",
        queryset=lambda: Response.objects.all(),
        day="date",
        mall="mall_id",
        agency="agency_id",
        service="service_id",
        channel=_none,
        metrics=_ikm_metrics,
    ),
)

# Every raw metric, in the order they are defined.
RAW_METRICS: tuple[str, ...] = (
    *(name for source in SOURCES for name in source.metrics()),
    "applications_finish_working_days",
)


@dataclass(frozen=True)
class Scope:
    """Which rows a computation reads: malls of one time zone (or one mall), optionally one
    agency, service, channel; days from ``start`` to ``end`` in that zone."""

    time_zone: str
    start: date
    end: date
    mall_ids: tuple[int, ...] | None = None  # None: every mall of the zone
    agency_id: int | None = None
    service_id: int | None = None
    channel: str | None = None


def _rows(source: Source, scope: Scope) -> QuerySet[Any]:
    """The source's rows in the scope, annotated ``_day``, ``_mall``, ``_agency``,
    ``_service`` and ``_channel``."""
    qs = source.prepare(source.queryset())
    if scope.mall_ids is not None:
        qs = qs.filter(**{f"{source.mall}__in": scope.mall_ids})
    else:
        qs = qs.filter(**{f"{source.mall.removesuffix('_id')}__time_zone": scope.time_zone})
    if scope.agency_id is not None:
        qs = qs.filter(**{source.agency: scope.agency_id})
    if scope.service_id is not None:
        qs = qs.filter(**{source.service: scope.service_id})
    zone = ZoneInfo(scope.time_zone)
    if source.moment:
        since = datetime.combine(scope.start, time.min, tzinfo=zone)
        until = datetime.combine(scope.end + timedelta(days=1), time.min, tzinfo=zone)
        qs = qs.filter(**{f"{source.day}__gte": since, f"{source.day}__lt": until})
        day: Expression | F = TruncDate(source.day, tzinfo=zone)
    else:
        qs = qs.filter(**{f"{source.day}__range": (scope.start, scope.end)})
        day = F(source.day)
    qs = qs.annotate(
        _day=day,
        _mall=F(source.mall),
        _agency=Coalesce(F(source.agency), Value(0)),
        _service=Coalesce(F(source.service), Value(0)),
        _channel=source.channel(),
    )
    if scope.channel is not None:
        qs = qs.filter(_channel=scope.channel)
    return qs


def _applies(source: Source, scope: Scope) -> bool:
    return scope.channel is None or scope.channel in source.channels


type Key = tuple[date, int, int, int, str]  # day, mall, agency, service, channel
DIMENSIONS = ("_day", "_mall", "_agency", "_service", "_channel")


def _key(row: dict[str, Any]) -> Key:
    return (row["_day"], row["_mall"], row["_agency"], row["_service"], row["_channel"])


def totals(scope: Scope) -> Counter[str]:
    """Every raw metric over the whole scope: one aggregate query per source."""
    result: Counter[str] = Counter()
    for source in SOURCES:
        if _applies(source, scope):
            row = _rows(source, scope).aggregate(**source.metrics())
            result.update({name: int(value or 0) for name, value in row.items()})
    result["applications_finish_working_days"] = sum(
        n for _key, n in finish_working_days(scope).items()
    )
    return result


def grouped_querysets(scope: Scope) -> Iterator[tuple[Source, QuerySet[Any]]]:
    """Per source, its raw metrics per day, mall, agency, service and channel as one grouped
    query (the rollup writes each into the count table in the database)."""
    for source in SOURCES:
        if _applies(source, scope):
            rows = _rows(source, scope).order_by().values(*DIMENSIONS)
            yield source, rows.annotate(**source.metrics())


def has_rows(scope: Scope) -> bool:
    """Whether any source has a row in the scope (a range with none needs no counting)."""
    return any(
        _rows(source, scope).order_by().exists() for source in SOURCES if _applies(source, scope)
    )


def grouped(scope: Scope) -> dict[Key, Counter[str]]:
    """Every raw metric per day, mall, agency, service and channel: the rollup's rows."""
    result: dict[Key, Counter[str]] = {}
    for source, rows in grouped_querysets(scope):
        for row in rows.order_by():
            counts = result.setdefault(_key(row), Counter())
            for name in source.metrics():
                counts[name] += int(row[name] or 0)
    for key, days in finish_working_days(scope).items():
        result.setdefault(key, Counter())["applications_finish_working_days"] += days
    return result


def finish_working_days(scope: Scope) -> dict[Key, int]:
    """The working days from submission to finish of the applications finished, summed per
    key: the finishes are grouped by (finish day, submission day) in SQL, and each group's
    working days read from the mall's calendar once."""
    if scope.channel is not None and scope.channel not in APPLICATION_CHANNELS:
        return {}
    source = next(s for s in SOURCES if s.name == "transitions")
    zone = ZoneInfo(scope.time_zone)
    rows = (
        _rows(source, scope)
        .filter(to_status=Application.Status.DONE, application__submitted_at__isnull=False)
        .annotate(_submitted=TruncDate("application__submitted_at", tzinfo=zone))
        .values(*DIMENSIONS, "_submitted")
        .annotate(n=Count("pk"))
        .order_by()
    )
    grouped_rows = list(rows)
    calendars = _Calendars({row["_mall"] for row in grouped_rows})
    result: dict[Key, int] = {}
    for row in grouped_rows:
        days = calendars.between(row["_mall"], row["_submitted"], row["_day"])
        key = _key(row)
        result[key] = result.get(key, 0) + days * row["n"]
    return result


class _Calendars:
    """Working days between two dates per mall (as ``malls.calendar.working_days_between``
    counts them), with each mall's whole days off read once."""

    def __init__(self, mall_ids: set[int]) -> None:
        self.off: dict[int, set[date]] = {m: set() for m in mall_ids}
        days_off = DayOff.objects.filter(
            mall_id__in=mall_ids, agency__isnull=True, opens__isnull=True
        ).values_list("mall_id", "date")
        for mall_id, day in days_off:
            self.off[mall_id].add(day)
        self._working: dict[tuple[int, date], bool] = {}
        self._ordinals: dict[tuple[int, date], int] = {}
        self._anchors: dict[int, date] = {}

    def _is_working(self, mall_id: int, day: date) -> bool:
        known = self._working.get((mall_id, day))
        if known is None:
            known = day.weekday() < 5 and not national_holiday(day) and day not in self.off[mall_id]
            self._working[(mall_id, day)] = known
        return known

    def _ordinal(self, mall_id: int, day: date) -> int:
        """How many working days of the mall fall after its anchor (the first day asked
        about) up to ``day``, negative before it; each day's answer kept."""
        known = self._ordinals.get((mall_id, day))
        if known is not None:
            return known
        anchor = self._anchors.setdefault(mall_id, day)
        step = 1 if day >= anchor else -1
        count, current = 0, anchor
        while current != day:
            if step == 1:
                current += timedelta(days=1)
                count += self._is_working(mall_id, current)
            else:
                count -= self._is_working(mall_id, current)
                current -= timedelta(days=1)
            self._ordinals.setdefault((mall_id, current), count)
        self._ordinals[(mall_id, day)] = count
        return count

    def between(self, mall_id: int, start: date, end: date) -> int:
        """The working days after ``start`` up to ``end`` (0 when ``end`` is not later)."""
        if end <= start:
            return 0
        return self._ordinal(mall_id, end) - self._ordinal(mall_id, start)


def _ticket_scope_rows(scope: Scope) -> QuerySet[Any] | None:
    if scope.channel is not None and scope.channel not in VISIT_CHANNELS:
        return None
    return _rows(next(s for s in SOURCES if s.name == "tickets"), scope)


def _duration_filter(kind: str) -> tuple[str, Q]:
    return ("_wait", _CALLED) if kind == "wait" else ("_serve", _SERVED_TIMED)


def histogram_totals(scope: Scope) -> dict[str, Counter[int]]:
    """Waiting and serving times over the whole scope, per bucket."""
    result: dict[str, Counter[int]] = {kind: Counter() for kind in DURATIONS}
    rows = _ticket_scope_rows(scope)
    if rows is None:
        return result
    for kind in DURATIONS:
        seconds, condition = _duration_filter(kind)
        buckets = (
            rows.filter(condition)
            .annotate(_bucket=bucket_of(F(seconds)))
            .values("_bucket")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for row in buckets:
            result[kind][row["_bucket"]] += row["n"]
    return result


def histogram_querysets(scope: Scope) -> Iterator[tuple[str, QuerySet[Any]]]:
    """Per duration kind, its counts per day, mall, agency, service, channel and bucket as one
    grouped query (``_bucket``, ``n``)."""
    rows = _ticket_scope_rows(scope)
    if rows is None:
        return
    for kind in DURATIONS:
        seconds, condition = _duration_filter(kind)
        yield (
            kind,
            rows.filter(condition)
            .annotate(_bucket=bucket_of(F(seconds)))
            .values(*DIMENSIONS, "_bucket")
            .annotate(n=Count("pk"))
            .order_by(),
        )


def histogram_grouped(scope: Scope) -> Iterator[tuple[Key, str, int, int]]:
    """Waiting and serving times per day, mall, agency, service, channel and bucket."""
    for kind, buckets in histogram_querysets(scope):
        for row in buckets:
            yield _key(row), kind, row["_bucket"], row["n"]


def p90(histogram: Counter[int]) -> int | None:
    """The upper edge of the bucket holding the nearest-rank 90th percentile (the value of the
    ⌈0.9 n⌉-th shortest), so exact to a bucket; None when empty."""
    count = sum(histogram.values())
    if count == 0:
        return None
    rank = -(-count * 9 // 10)
    seen = 0
    for bucket in sorted(histogram):
        seen += histogram[bucket]
        if seen >= rank:
            return bucket_upper_seconds(bucket)
    return None  # pragma: no cover - the loop always reaches the rank
