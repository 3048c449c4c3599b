"""CSV of the stats: rows made one period at a time and written as they are made, so an
export of any range is streamed (``StreamingHttpResponse``), never held in memory whole."""

import csv
from collections.abc import Iterable, Iterator
from typing import Any

from django.utils.translation import gettext as _

from satupintu.catalog.models import Service
from satupintu.malls.models import Agency
from satupintu.stats.disclosure import MALL, Unit, cached_public_table, published_rows
from satupintu.stats.selectors import (
    Granularity,
    OpenScope,
    Period,
    StatsFilter,
    buckets,
    series,
)

# How much of the range is read at once: a year of days is some 370 figures.
_CHUNK: Granularity = "year"


def csv_rows(filter: StatsFilter, period: Period, granularity: Granularity) -> Iterator[list[Any]]:
    """A header, then one row per day, week, month or year of ``period``: its first and last
    day, then every figure (``Figures.rows`` order). Read a year at a time."""
    header_written = False
    for part in buckets(period, _CHUNK):
        ends = {cut.start: cut.end for cut in buckets(part, granularity)}
        for first, found in series(filter=filter, period=part, granularity=granularity):
            rows = found.rows()
            if not header_written:
                yield [_("first day"), _("last day"), *(label for _key, label, _value in rows)]
                header_written = True
            yield [first.isoformat(), ends[first].isoformat(), *(_cell(v) for *_k, v in rows)]


def _cell(value: float | int | None) -> str:
    return "" if value is None else str(value)


class _Echo:
    """A file that hands back what is written, for ``csv.writer`` to make one line at a time."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[list[Any]]) -> Iterator[str]:
    """``rows`` as CSV text, a line at a time (for ``StreamingHttpResponse``)."""
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow(row)


def open_month_rows(scope: OpenScope, *, threshold: int) -> Iterator[list[Any]]:
    """The open data of a mall's month as CSV rows, one per figure: the mall's (or the
    requested agency's or service's), then each agency's and each service's within it. What
    is withheld is weighed over the whole mall's table (``disclosure.withheld``), whatever
    part of it is asked for, so the CSV and the JSON show the same cells."""
    yield [
        "from",
        "to",
        "mall",
        "agency",
        "agency_name",
        "service",
        "service_name",
        "figure",
        "label",
        "value",
        "suppressed",
    ]
    table = cached_public_table(mall=scope.mall, period=scope.period, threshold=threshold)
    start, end = scope.period.start.isoformat(), scope.period.end.isoformat()

    def lines(agency: Agency | None, service: Service | None) -> Iterator[list[Any]]:
        unit: Unit = MALL
        if service is not None:
            unit = ("service", service.pk)
        elif agency is not None:
            unit = ("agency", agency.pk)
        named = [
            scope.mall.slug,
            agency.slug if agency else "",
            agency.name if agency else "",
            service.pk if service else "",
            service.name if service else "",
        ]
        for row in published_rows(table, unit):
            yield [start, end, *named, row.key, row.label, _cell(row.value), int(row.suppressed)]

    if scope.service is not None:
        yield from lines(scope.service.agency, scope.service)
        return
    if scope.agency is None:
        yield from lines(None, None)
        agencies = Agency.objects.filter(mall=scope.mall).order_by("name", "pk")
        for agency in agencies.iterator():
            yield from lines(agency, None)
    else:
        yield from lines(scope.agency, None)
    services = Service.objects.filter(agency__mall=scope.mall).select_related("agency")
    if scope.agency is not None:
        services = services.filter(agency=scope.agency)
    for service in services.order_by("agency__name", "name", "pk").iterator():
        yield from lines(service.agency, service)
