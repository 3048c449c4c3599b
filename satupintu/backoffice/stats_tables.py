"""The statistics as the pages, exports and reports lay them out: the figures grouped into
charts with their tables, a bucket's label, SLA compliance, month-on-month change, rankings and
the table by province. Arithmetic on the figures ``stats.selectors`` returns; no query."""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from satupintu.malls.models import Mall
from satupintu.malls.regions import province_code, province_name
from satupintu.stats.selectors import Figures, Granularity

Number = float | int | None

# The query's words for a bucket (Indonesian first, as the page's other parameters).
GRANULARITY_PARAMS: dict[str, Granularity] = {
    "hari": "day",
    "minggu": "week",
    "bulan": "month",
    "tahun": "year",
}
GRANULARITY_LABELS: dict[str, Promise] = {
    "hari": gettext_lazy("Day"),
    "minggu": gettext_lazy("Week"),
    "bulan": gettext_lazy("Month"),
    "tahun": gettext_lazy("Year"),
}
CHANNEL_LABELS: dict[str, Promise] = {
    "booking": gettext_lazy("Booked visits"),
    "walk_in": gettext_lazy("Walk-in visits"),
    "online": gettext_lazy("Online applications"),
    "front_office": gettext_lazy("Applications at the front office"),
    "oss": gettext_lazy("Applications through OSS"),
}


def bucket_label(start: date, granularity: Granularity) -> str:
    """How a bucket is named in a table: its day, the Monday of its week, its month, its year."""
    if granularity == "day":
        return date_format(start, "j M Y")
    if granularity == "week":
        return _("Week of %(day)s") % {"day": date_format(start, "j M Y")}
    if granularity == "month":
        return date_format(start, "F Y")
    return str(start.year)


def percent(part: int | None, whole: int | None) -> float | None:
    """``part`` of ``whole`` in percent (one decimal); None when there is no whole."""
    if part is None or not whole:
        return None
    return round(100 * part / whole, 1)


def sla_compliance(figures: Figures) -> float | None:
    """Applications finished within their working-day SLA, in percent of those finished."""
    return percent(figures.applications_finished_on_time, figures.applications_finished)


def complaints_in_time(figures: Figures) -> float | None:
    """Reports answered within the SP4N-LAPOR! deadline, in percent of those answered."""
    return percent(figures.complaints_answered_on_time, figures.complaints_answered)


def change(now: Number, before: Number) -> float | None:
    """The change from ``before`` to ``now`` in percent (one decimal); None without a base."""
    if now is None or before is None or before == 0:
        return None
    return round(100 * (now - before) / before, 1)


def minutes(seconds: Number) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


# --- charts with their tables ---------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: Promise | str
    value: Callable[[Figures], Number]


def _field(key: str, label: Promise) -> Column:
    return Column(key, label, lambda f: getattr(f, key))


@dataclass(frozen=True)
class Chart:
    """A chart of some figures per bucket, drawn from its table (``charts.js``)."""

    key: str
    title: Promise
    kind: str  # line, bar, hbar
    columns: tuple[Column, ...]


CHARTS: tuple[Chart, ...] = (
    Chart(
        "applicants",
        gettext_lazy("Applicants"),
        "bar",
        (_field("applicants", gettext_lazy("Applicants")),),
    ),
    Chart(
        "visits",
        gettext_lazy("Visits"),
        "line",
        (
            _field("visits_booked", gettext_lazy("Booked")),
            _field("visits_checked_in", gettext_lazy("Checked in")),
            _field("walk_ins", gettext_lazy("Walk-ins")),
            _field("visits_served", gettext_lazy("Served")),
            _field("no_shows", gettext_lazy("Did not come")),
        ),
    ),
    Chart(
        "times",
        gettext_lazy("Waiting and serving time (minutes)"),
        "line",
        (
            Column("wait_mean", gettext_lazy("Wait, mean"), lambda f: minutes(f.wait_mean_seconds)),
            Column(
                "wait_p90",
                gettext_lazy("Wait, 90th percentile"),
                lambda f: minutes(f.wait_p90_seconds),
            ),
            Column(
                "serve_mean", gettext_lazy("Serving, mean"), lambda f: minutes(f.serve_mean_seconds)
            ),
            Column(
                "serve_p90",
                gettext_lazy("Serving, 90th percentile"),
                lambda f: minutes(f.serve_p90_seconds),
            ),
        ),
    ),
    Chart(
        "applications",
        gettext_lazy("Applications"),
        "line",
        (
            _field("applications_submitted_online", gettext_lazy("Submitted online")),
            _field("applications_submitted_front_office", gettext_lazy("At the front office")),
            _field("applications_submitted_oss", gettext_lazy("Through OSS")),
            _field("applications_finished", gettext_lazy("Finished")),
            _field("applications_finished_on_time", gettext_lazy("Finished on time")),
            _field("applications_finished_late", gettext_lazy("Finished late")),
            _field("applications_returned", gettext_lazy("Returned for revision")),
        ),
    ),
    Chart(
        "sla",
        gettext_lazy("SLA compliance and working days to finish"),
        "line",
        (
            Column("sla", gettext_lazy("Finished on time (%)"), sla_compliance),
            _field("applications_mean_working_days", gettext_lazy("Working days, mean")),
        ),
    ),
    Chart(
        "complaints",
        gettext_lazy("Complaints"),
        "line",
        (
            _field("complaints_pengaduan", gettext_lazy("Complaints (pengaduan)")),
            _field("complaints_aspirasi", gettext_lazy("Aspirations")),
            _field("complaints_informasi", gettext_lazy("Requests for information")),
            _field("complaints_answered", gettext_lazy("Answered")),
            _field("complaints_answered_on_time", gettext_lazy("Answered in time")),
            _field("complaints_escalated", gettext_lazy("Escalated")),
        ),
    ),
    Chart(
        "ikm",
        gettext_lazy("Satisfaction (IKM)"),
        "line",
        (
            _field("ikm", gettext_lazy("Converted IKM")),
            _field("ikm_respondents", gettext_lazy("Respondents")),
            _field("complaints_rating_mean", gettext_lazy("Complaint answers' rating")),
        ),
    ),
)


@dataclass(frozen=True)
class TableRow:
    label: str
    values: list[Number]


@dataclass(frozen=True)
class ChartTable:
    chart: Chart
    rows: list[TableRow]


def chart_tables(
    points: Sequence[tuple[date, Figures]], granularity: Granularity
) -> list[ChartTable]:
    """Each chart's table over ``points``; a chart none of whose figures has a value (the
    complaints and IKM under a channel filter) is left out."""
    out = []
    for chart in CHARTS:
        rows = [
            TableRow(bucket_label(start, granularity), [c.value(f) for c in chart.columns])
            for start, f in points
        ]
        if any(v is not None for row in rows for v in row.values):
            out.append(ChartTable(chart, rows))
    return out


# --- the national view ----------------------------------------------------------------------


@dataclass(frozen=True)
class MallRow:
    """One mall's month beside the one before."""

    mall: Mall
    province: str
    figures: Figures
    previous: Figures

    @property
    def applicants_change(self) -> float | None:
        return change(self.figures.applicants, self.previous.applicants)

    @property
    def sla(self) -> float | None:
        return sla_compliance(self.figures)

    @property
    def sla_previous(self) -> float | None:
        return sla_compliance(self.previous)

    @property
    def complaints_in_time(self) -> float | None:
        return complaints_in_time(self.figures)


def mall_rows(
    current: Iterable[tuple[Mall, Figures]], previous: Iterable[tuple[Mall, Figures]]
) -> list[MallRow]:
    """The malls of ``current`` (in its order) each beside its figures in ``previous``."""
    before = {mall.pk: f for mall, f in previous}
    return [
        MallRow(mall, province_name(province_code(mall.region_code)), f, before[mall.pk])
        for mall, f in current
        if mall.pk in before
    ]


@dataclass(frozen=True)
class Ranking:
    key: str
    title: Promise
    label: Promise
    rows: list[tuple[MallRow, float | int]]


RANKED = 10


def rankings(rows: Sequence[MallRow], *, top: int = RANKED) -> list[Ranking]:
    """The first ``top`` malls by applicants, by IKM and by SLA compliance (malls without a
    value left out), the higher first, ties by name."""

    def ranked(value: Callable[[MallRow], Number]) -> list[tuple[MallRow, float | int]]:
        valued = [(row, v) for row in rows if (v := value(row)) is not None]
        valued.sort(key=lambda pair: (-pair[1], pair[0].mall.name))
        return valued[:top]

    return [
        Ranking(
            "applicants",
            gettext_lazy("Most applicants"),
            gettext_lazy("Applicants"),
            ranked(lambda r: r.figures.applicants),
        ),
        Ranking(
            "ikm",
            gettext_lazy("Highest IKM"),
            gettext_lazy("Converted IKM"),
            ranked(lambda r: r.figures.ikm),
        ),
        Ranking(
            "sla",
            gettext_lazy("Best SLA compliance"),
            gettext_lazy("Finished on time (%)"),
            ranked(lambda r: r.sla),
        ),
    ]


@dataclass
class ProvinceRow:
    """The malls of one province added up (IKM: weighted by respondents)."""

    code: str
    name: str
    malls: int = 0
    applicants: int = 0
    applicants_previous: int = 0
    applications_submitted: int = 0
    applications_finished: int = 0
    applications_finished_on_time: int = 0
    complaints_received: int = 0
    ikm_weighted: float = 0.0
    ikm_respondents: int = 0

    @property
    def applicants_change(self) -> float | None:
        return change(self.applicants, self.applicants_previous)

    @property
    def sla(self) -> float | None:
        return percent(self.applications_finished_on_time, self.applications_finished)

    @property
    def ikm(self) -> float | None:
        if not self.ikm_respondents:
            return None
        return round(self.ikm_weighted / self.ikm_respondents, 2)


def provinces(rows: Iterable[MallRow]) -> list[ProvinceRow]:
    """The malls' figures added up by province, by the province's code."""
    found: dict[str, ProvinceRow] = {}
    for row in rows:
        code = province_code(row.mall.region_code)
        group = found.setdefault(code, ProvinceRow(code, row.province))
        f = row.figures
        group.malls += 1
        group.applicants += f.applicants
        group.applicants_previous += row.previous.applicants
        group.applications_submitted += f.applications_submitted
        group.applications_finished += f.applications_finished
        group.applications_finished_on_time += f.applications_finished_on_time
        group.complaints_received += f.complaints_received or 0
        if f.ikm is not None and f.ikm_respondents:
            group.ikm_weighted += f.ikm * f.ikm_respondents
            group.ikm_respondents += f.ikm_respondents
    return [found[code] for code in sorted(found, key=lambda c: (c == "", c))]
