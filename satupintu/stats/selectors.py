"""Reads of the stats context: a period and a filter in, the figures of visits, applications,
complaints and IKM out (``figures``, ``series``, ``figures_by_mall``), and the same figures
counted straight from the base tables (``direct_figures``), which the rollup must equal.

Definitions (shared with the pages and the demo history; ``metrics.py`` holds them as SQL):
days are the mall's local dates; a period is inclusive. A *visit* is a booking or a walk-in
ticket. *Applicants* (pemohon) = visits checked in (booked check-ins + walk-ins) + applications
submitted online, by the day of the event. The ``channel`` filter is ``booking`` or
``walk_in`` (visits) or ``online``, ``front_office``, ``oss`` (applications): with one, the
figures that have no channel (complaints, IKM) are None.
"""

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from decimal import Decimal
from operator import itemgetter
from typing import Any, Literal, get_args

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.db.models import Count, DateField, F, Max, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth, TruncWeek, TruncYear
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from satupintu.catalog.models import Service
from satupintu.complaints.models import Report
from satupintu.malls.models import Agency, Mall
from satupintu.stats import metrics
from satupintu.stats.errors import StatsError
from satupintu.stats.models import DailyCount, DurationCount, MallCount, MallDurationCount
from satupintu.surveys.elements import ELEMENTS
from satupintu.surveys.services.ikm import ikm_result

EARLIEST = date(2000, 1, 1)
LONGEST_PERIOD_DAYS = 5 * 366
# Days a period may end after today (bookings are made ahead).
FUTURE_DAYS = 366

Granularity = Literal["day", "week", "month", "year"]
GRANULARITIES: tuple[str, ...] = get_args(Granularity)


@dataclass(frozen=True)
class StatsFilter:
    """Whose figures: every mall, one mall, one agency, one service; one channel or all."""

    mall_id: int | None = None
    agency_id: int | None = None
    service_id: int | None = None
    channel: str | None = None

    def __post_init__(self) -> None:
        if self.channel is not None and self.channel not in metrics.CHANNELS:
            raise StatsError(
                "channel",
                _("Unknown channel: choose one of %(list)s.")
                % {"list": ", ".join(metrics.CHANNELS)},
            )


@dataclass(frozen=True)
class Period:
    """Days from ``start`` to ``end``, both included, in the mall's local dates."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise StatsError("period", _("The period ends before it starts."))
        if self.start < EARLIEST:
            raise StatsError("period", _("The period starts before 2000."))
        if (self.end - self.start).days >= LONGEST_PERIOD_DAYS:
            raise StatsError("period", _("The period is longer than five years."))
        if self.end > timezone.localdate() + timedelta(days=FUTURE_DAYS):
            raise StatsError("period", _("The period ends more than a year from now."))

    @classmethod
    def parse(cls, start: str, end: str) -> "Period":
        """A period typed as two ISO dates (YYYY-MM-DD); StatsError ``period`` when a date is
        none or impossible (30 February), the end comes first, or the period is too long."""
        try:
            first, last = date.fromisoformat(start.strip()), date.fromisoformat(end.strip())
        except (ValueError, AttributeError) as exc:
            raise StatsError(
                "period", _("Give the period as two real dates (year-month-day).")
            ) from exc
        return cls(first, last)

    @classmethod
    def month(cls, year: int, month: int) -> "Period":
        try:
            first = date(year, month, 1)
        except (ValueError, OverflowError) as exc:
            raise StatsError("period", _("There is no such month.")) from exc
        return cls(first, _next_month(first) - timedelta(days=1))


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


_LABELS: dict[str, object] = {
    "applicants": gettext_lazy("Applicants (visits checked in and online applications)"),
    "visits_booked": gettext_lazy("Visits booked"),
    "visits_checked_in": gettext_lazy("Booked visits checked in"),
    "walk_ins": gettext_lazy("Walk-in visits"),
    "visits_served": gettext_lazy("Visits served"),
    "no_shows": gettext_lazy("Booked visits not come"),
    "wait_mean_seconds": gettext_lazy("Waiting time to the call, mean (seconds)"),
    "wait_p90_seconds": gettext_lazy("Waiting time to the call, 90th percentile (seconds)"),
    "serve_mean_seconds": gettext_lazy("Serving time, mean (seconds)"),
    "serve_p90_seconds": gettext_lazy("Serving time, 90th percentile (seconds)"),
    "applications_submitted": gettext_lazy("Applications submitted"),
    "applications_submitted_online": gettext_lazy("Applications submitted online"),
    "applications_submitted_front_office": gettext_lazy(
        "Applications submitted at the front office"
    ),
    "applications_submitted_oss": gettext_lazy("Applications submitted through OSS"),
    "applications_finished": gettext_lazy("Applications finished"),
    "applications_finished_on_time": gettext_lazy("Applications finished on time"),
    "applications_finished_late": gettext_lazy("Applications finished late"),
    "applications_mean_working_days": gettext_lazy("Working days to finish, mean"),
    "applications_returned": gettext_lazy("Applications returned for revision"),
    "complaints_received": gettext_lazy("Reports received"),
    "complaints_pengaduan": gettext_lazy("Complaints (pengaduan)"),
    "complaints_aspirasi": gettext_lazy("Aspirations (aspirasi)"),
    "complaints_informasi": gettext_lazy("Requests for information"),
    "complaints_answered": gettext_lazy("Reports answered"),
    "complaints_answered_on_time": gettext_lazy("Reports answered within the deadline"),
    "complaints_escalated": gettext_lazy("Reports escalated"),
    "complaints_ratings": gettext_lazy("Answers rated"),
    "complaints_rating_mean": gettext_lazy("Rating of the answers, mean (1-5)"),
    "ikm": gettext_lazy("IKM (converted, 25-100)"),
    "ikm_respondents": gettext_lazy("IKM respondents"),
}


@dataclass(frozen=True)
class Figures:
    """The figures of one filter and period. Counts are ints; means and percentiles of
    seconds and days are None when nothing was measured; complaint and IKM figures are None
    under a channel filter (they have no channel). The 90th percentiles are the upper edge of
    the one-minute bucket holding the value (``metrics.BUCKET_SECONDS``): exact to a bucket.
    ``ikm`` is the converted IKM (25-100) of PermenPANRB 14/2017. ``complaints_by_category``
    and ``complaints_by_class`` hold (category or deadline class code, count) pairs."""

    applicants: int
    visits_booked: int
    visits_checked_in: int
    walk_ins: int
    visits_served: int
    no_shows: int
    wait_mean_seconds: float | None
    wait_p90_seconds: int | None
    serve_mean_seconds: float | None
    serve_p90_seconds: int | None
    applications_submitted: int
    applications_submitted_online: int
    applications_submitted_front_office: int
    applications_submitted_oss: int
    applications_finished: int
    applications_finished_on_time: int
    applications_finished_late: int
    applications_mean_working_days: float | None
    applications_returned: int
    complaints_received: int | None
    complaints_pengaduan: int | None
    complaints_aspirasi: int | None
    complaints_informasi: int | None
    complaints_answered: int | None
    complaints_answered_on_time: int | None
    complaints_escalated: int | None
    complaints_ratings: int | None
    complaints_rating_mean: float | None
    ikm: float | None
    ikm_respondents: int | None
    complaints_by_category: tuple[tuple[str, int], ...] = ()
    complaints_by_class: tuple[tuple[int, int], ...] = ()

    def rows(self) -> list[tuple[str, str, float | int | None]]:
        """(key, translated label, value) for every flat figure, in the class's order."""
        return [(key, figure_label(key), value) for key, value in self.values().items()]

    def values(self) -> dict[str, float | int | None]:
        """key -> value of ``rows`` without translating a label (for many units at once)."""
        out: dict[str, float | int | None] = {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if not isinstance(getattr(self, f.name), tuple)
        }
        out.update((f"complaints_category_{k}", n) for k, n in self.complaints_by_category)
        out.update((f"complaints_class_{k}", n) for k, n in self.complaints_by_class)
        return out


def figure_label(key: str) -> str:
    """The translated label of a figure's key (a key of ``Figures.values``)."""
    if key in _LABELS:
        return str(_LABELS[key])
    if key.startswith("complaints_category_"):
        label = str(Report.Category(key.removeprefix("complaints_category_")).label)
    else:
        label = str(Report.DeadlineClass(int(key.removeprefix("complaints_class_"))).label)
    return _("Reports: %(what)s") % {"what": label}


def _mean(total: int, count: int) -> float | None:
    return None if count == 0 else round(total / count, 2)


# The report categories' and deadline classes' metric keys, worked out once (the national
# view makes some 550 Figures a request).
_CATEGORY_KEYS = tuple((k, f"complaints_category_{k}") for k in Report.Category.values)
_CLASS_KEYS = tuple((k, f"complaints_class_{k}") for k in Report.DeadlineClass.values)


def figures_from(
    counts: Mapping[str, int], histograms: Mapping[str, Counter[int]], *, channel: str | None
) -> Figures:
    """The figures of raw metric totals and duration histograms (direct or rolled up)."""
    c = Counter(counts)
    submitted = sum(c[f"applications_submitted_{ch}"] for ch in metrics.APPLICATION_CHANNELS)
    no_channel = channel is not None

    def maybe(value: int) -> int | None:
        return None if no_channel else value

    ikm_value: float | None = None
    if not no_channel and c["ikm_respondents"]:
        result = ikm_result(
            codes=[e.code for e in ELEMENTS],
            totals={e.code: c[f"ikm_total_{e.field}"] for e in ELEMENTS},
            answered={e.code: c[f"ikm_answered_{e.field}"] for e in ELEMENTS},
            respondents=c["ikm_respondents"],
            population=0,
        )
        ikm_value = None if result.converted is None else float(Decimal(result.converted))
    return Figures(
        applicants=c["visits_checked_in"] + c["walk_ins"] + c["applications_submitted_online"],
        visits_booked=c["visits_booked"],
        visits_checked_in=c["visits_checked_in"],
        walk_ins=c["walk_ins"],
        visits_served=c["visits_served"],
        no_shows=c["no_shows"],
        wait_mean_seconds=_mean(c["wait_seconds"], c["wait_count"]),
        wait_p90_seconds=metrics.p90(histograms.get("wait", Counter())),
        serve_mean_seconds=_mean(c["serve_seconds"], c["serve_count"]),
        serve_p90_seconds=metrics.p90(histograms.get("serve", Counter())),
        applications_submitted=submitted,
        applications_submitted_online=c["applications_submitted_online"],
        applications_submitted_front_office=c["applications_submitted_front_office"],
        applications_submitted_oss=c["applications_submitted_oss"],
        applications_finished=c["applications_finished"],
        applications_finished_on_time=c["applications_finished_on_time"],
        applications_finished_late=c["applications_finished"] - c["applications_finished_on_time"],
        applications_mean_working_days=_mean(
            c["applications_finish_working_days"], c["applications_finished"]
        ),
        applications_returned=c["applications_returned"],
        complaints_received=maybe(c["complaints_received"]),
        complaints_pengaduan=maybe(c["complaints_kind_pengaduan"]),
        complaints_aspirasi=maybe(c["complaints_kind_aspirasi"]),
        complaints_informasi=maybe(c["complaints_kind_informasi"]),
        complaints_answered=maybe(c["complaints_answered"]),
        complaints_answered_on_time=maybe(c["complaints_answered_on_time"]),
        complaints_escalated=maybe(c["complaints_escalated"]),
        complaints_ratings=maybe(c["ratings_count"]),
        complaints_rating_mean=None if no_channel else _mean(c["ratings_sum"], c["ratings_count"]),
        ikm=ikm_value,
        ikm_respondents=maybe(c["ikm_respondents"]),
        complaints_by_category=()
        if no_channel
        else tuple((k, c[key]) for k, key in _CATEGORY_KEYS),
        complaints_by_class=() if no_channel else tuple((k, c[key]) for k, key in _CLASS_KEYS),
    )


def scopes(*, filter: StatsFilter, period: Period) -> list[metrics.Scope]:
    """The filter and period as one computation scope per time zone (a mall: its own zone);
    StatsError ``not_found`` for a mall that does not exist."""
    mall_id = filter.mall_id
    if mall_id is None and filter.agency_id is not None:
        mall_id = (
            Agency.objects.filter(pk=filter.agency_id).values_list("mall_id", flat=True).first()
        )
        if mall_id is None:
            raise StatsError("not_found", _("No such agency."))
    common = {
        "start": period.start,
        "end": period.end,
        "agency_id": filter.agency_id,
        "service_id": filter.service_id,
        "channel": filter.channel,
    }
    if mall_id is not None:
        zone = Mall.objects.filter(pk=mall_id).values_list("time_zone", flat=True).first()
        if zone is None:
            raise StatsError("not_found", _("No such mall."))
        return [metrics.Scope(time_zone=zone, mall_ids=(mall_id,), **common)]  # type: ignore[arg-type]
    zones = Mall.objects.order_by().values_list("time_zone", flat=True).distinct()
    return [metrics.Scope(time_zone=zone, **common) for zone in sorted(zones)]  # type: ignore[arg-type]


def direct_figures(*, filter: StatsFilter, period: Period) -> Figures:
    """The figures counted straight from the base tables (bookings, tickets, applications and
    their transitions, reports and their events, IKM responses): one aggregate per table and
    time zone. Slow over long periods; what the rollup is checked against."""
    counts: Counter[str] = Counter()
    histograms: dict[str, Counter[int]] = {kind: Counter() for kind in metrics.DURATIONS}
    for scope in scopes(filter=filter, period=period):
        counts.update(metrics.totals(scope))
        for kind, histogram in metrics.histogram_totals(scope).items():
            histograms[kind].update(histogram)
    return figures_from(counts, histograms, channel=filter.channel)


def _full_months(period: Period) -> list[date]:
    """The first days of the calendar months that lie wholly inside ``period``."""
    months = []
    month = period.start.replace(day=1)
    if month < period.start:
        month = _next_month(month)
    while _next_month(month) - timedelta(days=1) <= period.end:
        months.append(month)
        month = _next_month(month)
    return months


def _mall_wide_days(period: Period, *, months: bool) -> Q:
    """The mall-wide rows of ``period``: its whole months' (when ``months``) and the days
    outside them."""
    full = _full_months(period) if months else []
    if not full:
        return Q(span="day", day__range=(period.start, period.end))
    after = _next_month(full[-1])
    return (
        Q(span="month", day__in=full)
        | Q(span="day", day__gte=period.start, day__lt=full[0])
        | Q(span="day", day__gte=after, day__lte=period.end)
    )


def _counts(
    filter: StatsFilter, period: Period, *, per_unit: bool, months: bool
) -> tuple[QuerySet[Any], QuerySet[Any]]:
    """The count rows of ``filter`` and ``period``: the mall-wide tables (a few rows per mall
    and day, or month when ``months``) unless an agency or service is asked for or
    ``per_unit`` figures are."""
    conditions = Q()
    if filter.mall_id is not None:
        conditions &= Q(mall_id=filter.mall_id)
    if filter.channel is not None:
        conditions &= Q(channel=filter.channel)
    if filter.agency_id is None and filter.service_id is None and not per_unit:
        conditions &= _mall_wide_days(period, months=months)
        return (
            MallCount.objects.filter(conditions).order_by(),
            MallDurationCount.objects.filter(conditions).order_by(),
        )
    conditions &= Q(day__range=(period.start, period.end))
    if filter.agency_id is not None:
        conditions &= Q(agency_id=filter.agency_id)
    if filter.service_id is not None:
        conditions &= Q(service_id=filter.service_id)
    return (
        DailyCount.objects.filter(conditions).order_by(),
        DurationCount.objects.filter(conditions).order_by(),
    )


type _Group = Any  # a group's key: a mall id or a bucket's first day


def _rolled_up(
    filter: StatsFilter, period: Period, group: str | None, by: Any = None
) -> dict[_Group, Figures]:
    """The figures of the count rows, per ``group`` (an expression annotated as ``_group``);
    two queries whatever the number of groups."""
    daily, durations = _counts(
        filter,
        period,
        per_unit=group in ("agency", "service"),
        months=group in (None, "mall", "month", "year"),
    )
    if group is not None:
        daily, durations = daily.annotate(_group=by), durations.annotate(_group=by)
    keys = ["_group"] if group is not None else []
    # Rows read as plain tuples (no model converters, no dict per row): the national view
    # reads some 12,000 rows a month, and Python per row was most of its time.
    counts: dict[_Group, Counter[str]] = {}
    raw = group in (None, "mall", "agency", "service")
    for key, metric, total in _tuples(
        daily.values(*keys, "metric").annotate(total=Sum("value")),
        ["_group", "metric", "total"],
        raw=raw,
    ):
        found = counts.get(key)
        if found is None:
            found = counts[key] = Counter()
        found[metric] += int(total)
    histograms: dict[_Group, dict[str, Counter[int]]] = {}
    for key, kind, bucket, total in _tuples(
        durations.values(*keys, "kind", "bucket").annotate(total=Sum("value")),
        ["_group", "kind", "bucket", "total"],
        raw=raw,
    ):
        per_kind = histograms.get(key)
        if per_kind is None:
            per_kind = histograms[key] = {}
        histogram = per_kind.get(kind)
        if histogram is None:
            histogram = per_kind[kind] = Counter()
        histogram[bucket] += int(total)
    return {
        key: figures_from(
            counts.get(key, Counter()), histograms.get(key, {}), channel=filter.channel
        )
        for key in counts.keys() | histograms.keys()
    }


def _tuples(rows: QuerySet[Any], names: list[str], *, raw: bool) -> list[tuple[Any, ...]]:
    """The ``names`` columns of a ``values(...).annotate(...)`` query as tuples, None for a
    name not selected (``_group`` when not grouped). ``raw``: read through the cursor, without
    Django's per-row work (for keys that are plain ids, which need no converter)."""
    if not raw:
        return [tuple(row.get(name) for name in names) for row in rows]
    compiler = rows.query.get_compiler(using=rows.db)
    sql, params = compiler.as_sql()
    selected = [alias for _expression, _sql, alias in compiler.select]
    with connections[rows.db].cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    if names[0] not in selected:  # not grouped: no key
        pick = itemgetter(*(selected.index(name) for name in names[1:]))
        return [(None, *pick(row)) for row in found]
    pick = itemgetter(*(selected.index(name) for name in names))
    return [pick(row) for row in found]


def _empty(channel: str | None) -> Figures:
    return figures_from(Counter(), {}, channel=channel)


def figures(*, filter: StatsFilter, period: Period) -> Figures:
    """The figures of ``filter`` over ``period``, read from the count tables only (filled by
    the ``stats.rollup`` job and ``stats_backfill``): two queries."""
    return _rolled_up(filter, period, None).get(None, _empty(filter.channel))


def buckets(period: Period, granularity: Granularity) -> list[Period]:
    """The period cut into days, ISO weeks (from Monday), months or years; the first and last
    cut at the period's ends."""
    if granularity not in GRANULARITIES:
        raise StatsError("granularity", _("Choose day, week, month or year."))
    out: list[Period] = []
    start = period.start
    while start <= period.end:
        if granularity == "day":
            following = start + timedelta(days=1)
        elif granularity == "week":
            following = start + timedelta(days=7 - start.weekday())
        elif granularity == "month":
            following = _next_month(start)
        else:
            following = date(start.year + 1, 1, 1)
        out.append(Period(start, min(following - timedelta(days=1), period.end)))
        start = following
    return out


_TRUNCATE = {"day": None, "week": TruncWeek, "month": TruncMonth, "year": TruncYear}


def series(
    *, filter: StatsFilter, period: Period, granularity: Granularity
) -> list[tuple[date, Figures]]:
    """The figures per day, ISO week, month or year of the period, each with its first day
    within the period (the first and last cut at its ends), every one listed, empty or not;
    read from the count tables in two queries."""
    cuts = buckets(period, granularity)
    truncate = _TRUNCATE[granularity]
    by = F("day") if truncate is None else truncate("day", output_field=DateField())
    rolled = {
        _as_date(key): found for key, found in _rolled_up(filter, period, granularity, by).items()
    }
    # A truncated week, month or year may start before the period's first day.
    return [
        (cut.start, rolled.get(_truncated(cut.start, granularity)) or _empty(filter.channel))
        for cut in cuts
    ]


def _as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def _truncated(day: date, granularity: Granularity) -> date:
    if granularity == "week":
        return day - timedelta(days=day.weekday())
    if granularity == "month":
        return day.replace(day=1)
    if granularity == "year":
        return day.replace(month=1, day=1)
    return day


def figures_by_mall(*, period: Period) -> list[tuple[Mall, Figures]]:
    """Every mall's figures side by side (the ministry's national view), by name. Read from
    the count tables and kept in the default cache while the count rows of ``period`` stay as
    they are (``_mall_rows_version``: one query on the key), for
    ``STATS_OPEN_CACHE_SECONDS``: a rollup that writes any of those days makes them anew."""
    key = f"stats:by-mall:{period.start}:{period.end}:{_mall_rows_version(period)}"
    rolled: dict[_Group, Figures] | None = cache.get(key)
    if rolled is None:
        rolled = _rolled_up(StatsFilter(), period, "mall", F("mall_id"))
        cache.set(key, rolled, settings.STATS_OPEN_CACHE_SECONDS)
    return [(mall, rolled.get(mall.pk) or _empty(None)) for mall in Mall.objects.order_by("name")]


def _mall_rows_version(period: Period) -> str:
    """What changes whenever the rollup writes mall-wide rows of ``period``: the latest
    ``rolled_up_at`` of those rows (a rerun writes every row of its days anew, durations with
    them) and their number (a rerun that leaves a day with no row lowers it). One query."""
    found = MallCount.objects.filter(_mall_wide_days(period, months=True)).aggregate(
        last=Max("rolled_up_at"), rows=Count("pk")
    )
    last = found["last"].isoformat() if found["last"] is not None else "-"
    return f"{last}/{found['rows']}"


def figures_by_unit(
    *, mall: Mall, period: Period, by: Literal["agency", "service"]
) -> dict[int, Figures]:
    """A mall's figures per agency or per service (keyed by its id; 0: none, such as a report
    not routed yet), read from the count tables in two queries."""
    column = "agency_id" if by == "agency" else "service_id"
    rolled = _rolled_up(StatsFilter(mall_id=mall.pk), period, by, F(column))
    return {int(key): found for key, found in rolled.items()}


@dataclass(frozen=True)
class OpenScope:
    """What a request for open data is about: an active mall, maybe one of its agencies or
    services, and a month that has begun."""

    mall: Mall
    agency: Agency | None
    service: Service | None
    period: Period

    @property
    def filter(self) -> StatsFilter:
        return StatsFilter(
            mall_id=self.mall.pk,
            agency_id=self.agency.pk if self.agency else None,
            service_id=self.service.pk if self.service else None,
        )


def open_scope(
    *, mall: str, year: int, month: int, agency: str | None = None, service: int | None = None
) -> OpenScope:
    """The open data's scope: StatsError ``not_found`` (404) for a mall, agency or service
    that is not there (or not in that mall), ``period`` for a month that is none or has not
    begun."""
    found = Mall.objects.filter(slug=mall, is_active=True).first()
    if found is None:
        raise StatsError("not_found", _("No such mall."))
    period = Period.month(year, month)
    if period.start > timezone.localdate():
        raise StatsError("period", _("This month has not begun yet."))
    unit = None
    if agency is not None:
        unit = Agency.objects.filter(mall=found, slug=agency).first()
        if unit is None:
            raise StatsError("not_found", _("No such agency in this mall."))
    chosen = None
    if service is not None:
        services = Service.objects.select_related("agency").filter(agency__mall=found)
        chosen = (services.filter(agency=unit) if unit else services).filter(pk=service).first()
        if chosen is None:
            raise StatsError("not_found", _("No such service in this mall."))
    return OpenScope(found, unit, chosen, period)
