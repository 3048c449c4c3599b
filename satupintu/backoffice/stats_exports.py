"""The statistics as files: XLSX written row by row (openpyxl's write-only mode) into a
temporary file, the national CSV, and the monthly report PDF (WeasyPrint, as the IKM report);
a mall's CSV is the stats app's streamed ``exports.csv_rows``. Counts and means only: no
person's row."""

import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import IO

from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from satupintu.backoffice import stats_tables
from satupintu.backoffice.stats_tables import GRANULARITY_LABELS, GRANULARITY_PARAMS
from satupintu.cases.permits.render import html_to_pdf
from satupintu.malls.models import Agency, Mall
from satupintu.malls.regions import province_code, province_name
from satupintu.stats import selectors as stats
from satupintu.surveys.selectors import Scope

# Buckets asked of the selectors at once: memory stays bounded whatever the period's length.
CHUNK = 62


def unit_name(scope: Scope) -> str:
    """The unit the figures are of: the service, the agency or the mall."""
    if scope.service is not None:
        return f"{scope.service.name} ({scope.service.agency.name}, {scope.mall.name})"
    if scope.agency is not None:
        return f"{scope.agency.name} ({scope.mall.name})"
    return scope.mall.name


def series_rows(
    *, filter: stats.StatsFilter, period: stats.Period, granularity: stats.Granularity
) -> Iterator[tuple[stats.Period, stats.Figures]]:
    """Each bucket of the period with its figures, asking the selectors for ``CHUNK`` buckets
    at a time (each chunk starts and ends on a bucket's edge, so its buckets are the same)."""
    cuts = stats.buckets(period, granularity)
    for first in range(0, len(cuts), CHUNK):
        part = cuts[first : first + CHUNK]
        chunk = stats.Period(part[0].start, part[-1].end)
        points = stats.series(filter=filter, period=chunk, granularity=granularity)
        for bucket, (_start, figures) in zip(part, points, strict=True):
            yield bucket, figures


def _value(value: float | int | None) -> float | int | str:
    return "" if value is None else value


def _bold(sheet: WriteOnlyWorksheet, values: Iterable[str]) -> list[Cell]:
    cells = []
    for value in values:
        cell = WriteOnlyCell(sheet, value=value)
        cell.font = Font(bold=True)
        cells.append(cell)
    return cells


def _saved(book: Workbook) -> IO[bytes]:
    """The workbook in a temporary file (removed once closed), read from its start."""
    out = tempfile.TemporaryFile()  # noqa: SIM115 - the response closes it when sent
    book.save(out)
    out.seek(0)
    return out


def series_xlsx(
    *,
    title: str,
    filter: stats.StatsFilter,
    period: stats.Period,
    granularity: stats.Granularity,
) -> IO[bytes]:
    """The figures per bucket as a workbook, a bucket a row, written as they come."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Statistics"))
    word = next(k for k, v in GRANULARITY_PARAMS.items() if v == granularity)
    sheet.append(_bold(sheet, [title]))
    sheet.append([_("Period"), period.start, period.end])
    sheet.append([_("Per"), str(GRANULARITY_LABELS[word])])
    if filter.channel:
        sheet.append([_("Channel"), str(stats_tables.CHANNEL_LABELS[filter.channel])])
    sheet.append([])
    header = False
    for bucket, figures in series_rows(filter=filter, period=period, granularity=granularity):
        rows = figures.rows()
        if not header:
            header = True
            sheet.append(_bold(sheet, [_("From"), _("To"), *(label for _k, label, _v in rows)]))
        sheet.append([bucket.start, bucket.end, *(v for *_kl, v in rows)])
    return _saved(book)


def _mall_cells(mall: Mall) -> list[str]:
    return [mall.name, mall.region_code, province_name(province_code(mall.region_code))]


def by_mall_rows(pairs: Iterable[tuple[Mall, stats.Figures]]) -> Iterator[list[object]]:
    """Every mall's figures as CSV rows (a header, then a mall a row)."""
    header = False
    for mall, figures in pairs:
        rows = figures.rows()
        if not header:
            header = True
            labels = [label for _k, label, _v in rows]
            yield [_("Mall"), _("Region code"), _("Province"), *labels]
        yield [*_mall_cells(mall), *(_value(v) for *_kl, v in rows)]


def by_mall_xlsx(month: stats.Period, pairs: Iterable[tuple[Mall, stats.Figures]]) -> IO[bytes]:
    """Every mall's figures of ``month`` as a workbook, a mall a row."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("National"))
    sheet.append(_bold(sheet, [_("Every mall's figures")]))
    sheet.append([_("Period"), month.start, month.end])
    sheet.append([])
    header = False
    for mall, figures in pairs:
        rows = figures.rows()
        if not header:
            header = True
            labels = [label for _k, label, _v in rows]
            sheet.append(_bold(sheet, [_("Mall"), _("Region code"), _("Province"), *labels]))
        sheet.append([*_mall_cells(mall), *(v for *_kl, v in rows)])
    return _saved(book)


# --- the monthly report ---------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    middle: float
    label: str  # the day of the month, on every fifth day and the first
    value: int


CHART_WIDTH, CHART_HEIGHT = 600.0, 150.0


def _bars(points: list[tuple[date, stats.Figures]]) -> list[Bar]:
    """The month's applicants per day as bars of an SVG the PDF draws (no script there)."""
    if not points:
        return []
    top = max(f.applicants for _d, f in points) or 1
    step = CHART_WIDTH / len(points)
    return [
        Bar(
            x=round(i * step + step * 0.1, 2),
            y=round(CHART_HEIGHT - CHART_HEIGHT * f.applicants / top, 2),
            width=round(step * 0.8, 2),
            height=round(CHART_HEIGHT * f.applicants / top, 2),
            middle=round(i * step + step / 2, 2),
            label=str(day.day) if day.day == 1 or day.day % 5 == 0 else "",
            value=f.applicants,
        )
        for i, (day, f) in enumerate(points)
    ]


def month_pdf(
    *, scope: Scope, filter: stats.StatsFilter, month: stats.Period, previous: stats.Period
) -> bytes:
    """The monthly report: every figure of the month beside the month before, the days of the
    month, the agencies of the mall (when the report is the whole mall's), and the IKM."""
    totals = stats.figures(filter=filter, period=month)
    earlier = stats.figures(filter=filter, period=previous)
    before = {key: value for key, _l, value in earlier.rows()}
    summary = [
        (label, value, before.get(key), stats_tables.change(value, before.get(key)))
        for key, label, value in totals.rows()
    ]
    days = stats.series(filter=filter, period=month, granularity="day")
    agencies: list[tuple[Agency, stats.Figures]] = []
    if scope.agency is None:
        units = Agency.objects.filter(mall=scope.mall, is_active=True).order_by("name")
        if filter.channel is None:
            by_agency = stats.figures_by_unit(mall=scope.mall, period=month, by="agency")
            empty = stats.figures_from({}, {}, channel=None)
            agencies = [(agency, by_agency.get(agency.pk, empty)) for agency in units]
        else:  # per agency and channel (the count tables are grouped by agency only)
            for agency in units:
                agency_filter = stats.StatsFilter(
                    mall_id=scope.mall.pk, agency_id=agency.pk, channel=filter.channel
                )
                agencies.append((agency, stats.figures(filter=agency_filter, period=month)))
    html = render_to_string(
        "backoffice/pdf/stats_month.html",
        {
            "unit": unit_name(scope),
            "month": month,
            "previous": previous,
            "channel": stats_tables.CHANNEL_LABELS.get(filter.channel or "", ""),
            "figures": totals,
            "summary": summary,
            "sla": stats_tables.sla_compliance(totals),
            "in_time": stats_tables.complaints_in_time(totals),
            "days": [(day, f, stats_tables.sla_compliance(f)) for day, f in days],
            "bars": _bars(days),
            "chart_width": CHART_WIDTH,
            "chart_height": CHART_HEIGHT,
            "agencies": [(a, f, stats_tables.sla_compliance(f)) for a, f in agencies],
        },
    )
    return html_to_pdf(html)
