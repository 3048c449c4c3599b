"""Staff pages of the IKM survey: the results of a mall, agency or service over a period (with
the report as PDF and XLSX), and typing in paper questionnaires at the front office."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from satupintu.accounts.http import AuthenticatedHttpRequest
from satupintu.malls.calendar import in_mall_time
from satupintu.surveys import exports, questionnaire, selectors
from satupintu.surveys.elements import ELEMENTS, MUTU_LABELS
from satupintu.surveys.errors import SurveyError
from satupintu.surveys.services.responses import response_record_paper


def _scope_and_period(
    request: AuthenticatedHttpRequest, slug: str
) -> tuple[selectors.Scope, selectors.Period | None, str]:
    """The scope asked for (Http404/PermissionDenied as ``access_results`` decides) and the
    period, or None with the message saying what is wrong with it."""
    scope = selectors.access_results(
        request.user,
        slug,
        agency_id=request.GET.get("instansi"),
        service_id=request.GET.get("layanan"),
    )
    today = in_mall_time(timezone.now(), scope.mall).date()
    start, end = request.GET.get("dari", ""), request.GET.get("sampai", "")
    if not (start or end):
        return scope, selectors.default_period(today), ""
    try:
        return scope, selectors.period_parse(start=start, end=end, today=today), ""
    except SurveyError as refused:
        return scope, None, refused.message


@login_required
def results(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    scope, period, problem = _scope_and_period(request, slug)
    context: dict[str, object] = {
        "scope": scope,
        "mall": scope.mall,
        "agencies": selectors.visible_agencies(request.user, scope.mall),
        "services": scope.agency.services.order_by("name") if scope.agency else [],
        "sees_mall": selectors.sees_whole_mall(request.user, scope.mall),
        "problem": problem,
        "dari": request.GET.get("dari") or (period.start.isoformat() if period else ""),
        "sampai": request.GET.get("sampai") or (period.end.isoformat() if period else ""),
    }
    if period is None:
        return render(request, "backoffice/ikm.html", context, status=400)
    report = selectors.ikm_report(scope=scope, period=period)
    names = {e.code: e.name for e in ELEMENTS}
    result = report.result
    context.update(
        period=period,
        report=report,
        result=result,
        names=names,
        mutu_label=MUTU_LABELS.get(result.mutu.grade, "") if result.mutu else "",
        worst_name=names.get(result.to_improve.code, "") if result.to_improve else "",
        profile=[(questionnaire.PROFILE_LABELS[k], rows) for k, rows in report.profile.items()],
        comments=selectors.comments(scope=scope, period=period),
        query=request.GET.urlencode(),
    )
    return render(request, "backoffice/ikm.html", context)


def _download(request: AuthenticatedHttpRequest, slug: str, kind: str) -> HttpResponse:
    scope, period, problem = _scope_and_period(request, slug)
    if period is None:
        return HttpResponse(problem, status=400, content_type="text/plain; charset=utf-8")
    report = selectors.ikm_report(scope=scope, period=period)
    name = f"ikm-{scope.mall.slug}-{period.start:%Y%m%d}-{period.end:%Y%m%d}"
    if kind == "pdf":
        response = HttpResponse(exports.report_pdf(report), content_type="application/pdf")
    else:
        response = HttpResponse(
            exports.report_xlsx(report),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{name}.{kind}"'
    return response


@login_required
def results_pdf(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    return _download(request, slug, "pdf")


@login_required
def results_xlsx(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    return _download(request, slug, "xlsx")


@login_required
def paper_entry(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Type in a paper questionnaire: the service, the date on the form, the answers."""
    mall, services = selectors.paper_services(request.user, slug)
    today = in_mall_time(timezone.now(), mall).date()
    errors: dict[str, list[str]] = {}
    data: QueryDict | None = None
    if request.method == "POST":
        data = request.POST
        scores, profile, comment = questionnaire.posted(data)
        service = services.filter(pk=_pk(data.get("service", ""))).first()
        filled_on = _date(data.get("filled_on", ""))
        if service is None:
            errors["service"] = [_("Choose one of the services listed.")]
            messages.error(request, _("Choose one of the services listed."))
        elif filled_on is None:
            errors["filled_on"] = [_("Give the date written on the form.")]
            messages.error(request, _("Give the date written on the form."))
        else:
            try:
                response_record_paper(
                    service=service,
                    filled_on=filled_on,
                    scores=scores,
                    profile=profile,
                    comment=comment,
                )
            except SurveyError as refused:
                errors = refused.fields
                messages.error(request, refused.message)
            else:
                messages.success(request, _("The questionnaire is recorded. Type in the next one."))
                return redirect("backoffice:ikm-paper", slug=mall.slug)
    return render(
        request,
        "backoffice/ikm_paper.html",
        {
            "mall": mall,
            "services": services,
            "chosen": data.get("service", "") if data else "",
            "filled_on": data.get("filled_on", "") if data else today.isoformat(),
            "today": today,
            "service_errors": errors.get("service", []),
            "date_errors": errors.get("filled_on", []),
            **questionnaire.context(data, errors),
        },
        status=200,
    )


def _pk(value: str) -> int:
    value = value.strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else 0


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None
