"""Staff pages of the statistics: a mall's figures over a period per day, week, month or year
(charts with their tables, CSV and XLSX, the monthly report PDF) within each person's scope,
and the ministry's national view of every mall side by side."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.validators import slug_re
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from satupintu.accounts.http import AuthenticatedHttpRequest
from satupintu.backoffice import stats_exports, stats_tables
from satupintu.backoffice.stats_tables import CHANNEL_LABELS, GRANULARITY_LABELS
from satupintu.backoffice.stats_tables import GRANULARITY_PARAMS as GRANULARITIES
from satupintu.malls.calendar import in_mall_time
from satupintu.malls.models import Mall
from satupintu.malls.permissions import staff_scope
from satupintu.stats import selectors as stats
from satupintu.stats.errors import StatsError
from satupintu.stats.exports import csv_lines, csv_rows
from satupintu.surveys import selectors as surveys

# Points a page draws and tabulates; longer series are for the exports, which stream.
MAX_POINTS = 400
DEFAULT_GRANULARITY = "bulan"
SLUG_MAX = Mall._meta.get_field("slug").max_length or 100


@dataclass(frozen=True)
class Asked:
    """What a statistics page was asked for, once the person may see it: the scope, and the
    filter, period and bucket, or ``problem`` saying what is wrong with them."""

    scope: surveys.Scope
    values: dict[str, str]
    filter: stats.StatsFilter | None = None
    period: stats.Period | None = None
    granularity: stats.Granularity = "month"
    problem: str = ""
    extra: dict[str, object] = field(default_factory=dict)


def _default_period(today: date) -> tuple[date, date]:
    """The last twelve months: from the first day of the month eleven months back to today."""
    month = today.year * 12 + today.month - 1 - 11
    return date(month // 12, month % 12 + 1, 1), today


def _asked(request: AuthenticatedHttpRequest, slug: str) -> Asked:
    """The scope (Http404/PermissionDenied as ``surveys.selectors.access_results`` decides,
    the same rule as the IKM results: the mall's manager, the monitor and the superuser the
    whole mall, an agency's staff their agency) and the rest of the query."""
    query = request.GET
    scope = surveys.access_results(
        request.user, slug, agency_id=query.get("instansi"), service_id=query.get("layanan")
    )
    today = in_mall_time(timezone.now(), scope.mall).date()
    first, last = _default_period(today)
    values = {
        "dari": query.get("dari", first.isoformat()).strip(),
        "sampai": query.get("sampai", last.isoformat()).strip(),
        "satuan": query.get("satuan", DEFAULT_GRANULARITY).strip(),
        "kanal": query.get("kanal", "").strip(),
    }
    try:
        granularity = GRANULARITIES.get(values["satuan"])
        if granularity is None:
            raise StatsError("granularity", _("Choose day, week, month or year."))
        period = stats.Period.parse(values["dari"], values["sampai"])
        chosen = stats.StatsFilter(
            mall_id=scope.mall.pk,
            agency_id=scope.agency.pk if scope.agency else None,
            service_id=scope.service.pk if scope.service else None,
            channel=values["kanal"] or None,
        )
    except StatsError as refused:
        return Asked(scope, values, problem=refused.message)
    return Asked(scope, values, chosen, period, granularity)


def _query(asked: Asked) -> str:
    """The page's query again, for its export links."""
    scope = asked.scope
    return urlencode(
        {
            **({"instansi": scope.agency.pk} if scope.agency else {}),
            **({"layanan": scope.service.pk} if scope.service else {}),
            **{k: v for k, v in asked.values.items() if v},
        }
    )


def _visible_malls(request: AuthenticatedHttpRequest) -> list[Mall]:
    """The malls whose statistics this person may open (for the mall filter)."""
    scope = staff_scope(request.user)
    malls = Mall.objects.filter(is_active=True).order_by("name")
    if scope.sees_everything:
        return list(malls)
    return list(
        malls.filter(Q(pk__in=scope.managed_mall_ids) | Q(agencies__pk__in=scope.agency_ids))
        .distinct()
        .order_by("name")
    )


def _form_context(request: AuthenticatedHttpRequest, asked: Asked) -> dict[str, object]:
    scope = asked.scope
    return {
        "scope": scope,
        "mall": scope.mall,
        "malls": _visible_malls(request),
        "agencies": surveys.visible_agencies(request.user, scope.mall),
        "services": scope.agency.services.order_by("name") if scope.agency else [],
        "sees_mall": surveys.sees_whole_mall(request.user, scope.mall),
        "channels": list(CHANNEL_LABELS.items()),
        "granularities": list(GRANULARITY_LABELS.items()),
        "values": asked.values,
        "problem": asked.problem,
        "query": _query(asked),
        "last_month": _last_full_month(in_mall_time(timezone.now(), scope.mall).date()),
    }


@require_safe
@login_required
def mall_stats(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """The figures of a mall (or the person's agency, a service, a channel) over a period,
    each chart above its table."""
    other = request.GET.get("mpp", "").strip()
    if other and other != slug:
        # The mall filter of a form without script: the page of the mall chosen, whose
        # access is checked there (another agency's or service's ids do not carry over).
        if not slug_re.fullmatch(other) or len(other) > SLUG_MAX:
            raise Http404
        kept = {k: v for k, v in request.GET.items() if k not in ("mpp", "instansi", "layanan")}
        target = reverse("backoffice:stats", args=[other])
        return redirect(f"{target}?{urlencode(kept)}" if kept else target)
    asked = _asked(request, slug)
    context = _form_context(request, asked)
    if asked.filter is None or asked.period is None:
        return render(request, "backoffice/stats.html", context, status=400)
    points = len(stats.buckets(asked.period, asked.granularity))
    if points > MAX_POINTS:
        context["problem"] = _(
            "That is %(n)s points, more than a page shows (%(max)s): choose a longer unit "
            "or a shorter period. The CSV and XLSX exports take any."
        ) % {"n": points, "max": MAX_POINTS}
        return render(request, "backoffice/stats.html", context, status=400)
    totals = stats.figures(filter=asked.filter, period=asked.period)
    series = stats.series(filter=asked.filter, period=asked.period, granularity=asked.granularity)
    context.update(
        period=asked.period,
        totals=totals.rows(),
        sla=stats_tables.sla_compliance(totals),
        in_time=stats_tables.complaints_in_time(totals),
        figures=totals,
        charts=stats_tables.chart_tables(series, asked.granularity),
        channel_label=CHANNEL_LABELS.get(asked.values["kanal"], ""),
    )
    return render(request, "backoffice/stats.html", context)


def _refused(problem: str) -> HttpResponse:
    return HttpResponse(problem, status=400, content_type="text/plain; charset=utf-8")


def _file_name(asked: Asked, period: stats.Period, kind: str) -> str:
    scope = asked.scope
    unit = scope.mall.slug
    if scope.agency is not None:
        unit += f"-instansi{scope.agency.pk}"
    if scope.service is not None:
        unit += f"-layanan{scope.service.pk}"
    return f"statistik-{unit}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.{kind}"


def _attachment(response: HttpResponse | StreamingHttpResponse | FileResponse, name: str) -> None:
    response["Content-Disposition"] = f'attachment; filename="{name}"'


@require_safe
@login_required
def mall_stats_csv(request: AuthenticatedHttpRequest, slug: str) -> StreamingHttpResponse:
    """The page's figures per bucket as CSV, streamed a year at a time (the stats app's
    ``csv_rows``: any length of period the selectors accept, any bucket)."""
    asked = _asked(request, slug)
    if asked.filter is None or asked.period is None:
        return _refused(asked.problem)  # type: ignore[return-value]
    response = StreamingHttpResponse(
        csv_lines(csv_rows(asked.filter, asked.period, asked.granularity)),
        content_type="text/csv; charset=utf-8",
    )
    _attachment(response, _file_name(asked, asked.period, "csv"))
    return response


@require_safe
@login_required
def mall_stats_xlsx(request: AuthenticatedHttpRequest, slug: str) -> FileResponse:
    """The page's figures per bucket as a workbook, written row by row (openpyxl's write-only
    mode) into a temporary file that is then streamed."""
    asked = _asked(request, slug)
    if asked.filter is None or asked.period is None:
        return _refused(asked.problem)  # type: ignore[return-value]
    name = _file_name(asked, asked.period, "xlsx")
    workbook = stats_exports.series_xlsx(
        title=stats_exports.unit_name(asked.scope),
        filter=asked.filter,
        period=asked.period,
        granularity=asked.granularity,
    )
    return FileResponse(
        workbook,
        as_attachment=True,
        filename=name,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def _last_full_month(today: date) -> str:
    return f"{today.replace(day=1) - timedelta(days=1):%Y-%m}"


def _month(value: str) -> stats.Period:
    """A month typed as YYYY-MM; StatsError ``period`` when it is none."""
    text = value.strip()
    year, dash, month = text.partition("-")
    if not (dash and year.isascii() and year.isdigit() and month.isascii() and month.isdigit()):
        raise StatsError("period", _("Give the month as year-month, e.g. 2020-02."))
    if len(year) != 4 or len(month) > 2:
        raise StatsError("period", _("Give the month as year-month, e.g. 2020-02."))
    return stats.Period.month(int(year), int(month))


def _previous(period: stats.Period) -> stats.Period:
    before = period.start - timedelta(days=1)
    return stats.Period.month(before.year, before.month)


@require_safe
@login_required
def mall_stats_pdf(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """The monthly report of a mall (or the person's agency) as PDF: the month's figures
    beside the month before, per day, per agency, and its IKM."""
    asked = _asked(request, slug)
    today = in_mall_time(timezone.now(), asked.scope.mall).date()
    try:
        month = _month(request.GET.get("bulan") or _last_full_month(today))
        previous = _previous(month)
    except StatsError as refused:
        return _refused(refused.message)
    if asked.filter is None:
        return _refused(asked.problem)
    pdf = stats_exports.month_pdf(
        scope=asked.scope, filter=asked.filter, month=month, previous=previous
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    _attachment(response, _file_name(asked, month, "pdf").replace("statistik-", "laporan-"))
    return response


# --- the national view ----------------------------------------------------------------------


def _monitor(request: AuthenticatedHttpRequest) -> None:
    """The national view is the ministry monitor's (and the superuser's): anyone else is
    refused, whatever they may see of their own mall."""
    if not staff_scope(request.user).sees_everything:
        raise PermissionDenied


def _national_month(request: AuthenticatedHttpRequest) -> tuple[str, stats.Period | None, str]:
    """The month asked for (YYYY-MM, default the last full one), or None with the message
    saying what is wrong with it (the month before it must be one too: January 2000 is not)."""
    value = request.GET.get("bulan", "").strip() or _last_full_month(timezone.localdate())
    try:
        month = _month(value)
        _previous(month)
    except StatsError as refused:
        return value, None, refused.message
    return value, month, ""


@require_safe
@login_required
def national(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every mall's month side by side with the month before, rankings, and the provinces."""
    _monitor(request)
    value, month, problem = _national_month(request)
    context: dict[str, object] = {
        "bulan": value,
        "problem": problem,
    }
    if month is None:
        return render(request, "backoffice/stats_national.html", context, status=400)
    previous = _previous(month)
    rows = stats_tables.mall_rows(
        stats.figures_by_mall(period=month), stats.figures_by_mall(period=previous)
    )
    context.update(
        month=month,
        previous=previous,
        rows=rows,
        rankings=stats_tables.rankings(rows),
        provinces=stats_tables.provinces(rows),
        query=urlencode({"bulan": value}),
    )
    return render(request, "backoffice/stats_national.html", context)


@require_safe
@login_required
def national_csv(request: AuthenticatedHttpRequest) -> StreamingHttpResponse:
    """Every mall's figures of a month as CSV, a mall a row."""
    _monitor(request)
    value, month, problem = _national_month(request)
    if month is None:
        return _refused(problem)  # type: ignore[return-value]
    response = StreamingHttpResponse(
        csv_lines(stats_exports.by_mall_rows(stats.figures_by_mall(period=month))),
        content_type="text/csv; charset=utf-8",
    )
    _attachment(response, f"statistik-nasional-{value}.csv")
    return response


@require_safe
@login_required
def national_xlsx(request: AuthenticatedHttpRequest) -> FileResponse:
    """Every mall's figures of a month as a workbook, a mall a row."""
    _monitor(request)
    value, month, problem = _national_month(request)
    if month is None:
        return _refused(problem)  # type: ignore[return-value]
    return FileResponse(
        stats_exports.by_mall_xlsx(month, stats.figures_by_mall(period=month)),
        as_attachment=True,
        filename=f"statistik-nasional-{value}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
