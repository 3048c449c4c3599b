"""Staff pages of complaints (coordinators verify and route, agencies answer) and of
consultations (agencies answer, schedule video calls, publish frequent answers)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from satupintu.accounts.http import AuthenticatedHttpRequest
from satupintu.accounts.privacy import Kind, record_access
from satupintu.complaints import selectors, services
from satupintu.complaints.access import Action, access_report
from satupintu.complaints.errors import ReportError
from satupintu.complaints.lapor.outbox import lapor_integration
from satupintu.complaints.lapor.services import lapor_institutions
from satupintu.complaints.models import Consultation, LaporLink, Report
from satupintu.malls import selectors as malls
from satupintu.malls.calendar import moment_from_text
from satupintu.malls.models import Agency, Mall
from satupintu.malls.permissions import staff_scope
from satupintu.pages import refusals_as_messages
from satupintu.security import protect_file


@login_required
def report_list(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    try:
        mall = malls.mall_get(slug=slug)
    except Mall.DoesNotExist as exc:
        raise Http404 from exc
    if not staff_scope(request.user).is_staff_anywhere:
        raise PermissionDenied
    reports = selectors.reports_for_staff(user=request.user, mall=mall)
    status = request.GET.get("status", "")
    if status:
        reports = reports.filter(status=status)
    return render(
        request,
        "backoffice/reports.html",
        {
            "mall": mall,
            "reports": reports[:200],
            "statuses": Report.Status.choices,
            "status": status,
            "today": timezone.localdate(),
        },
    )


@login_required
def report_detail(request: AuthenticatedHttpRequest, tracking_id: str) -> HttpResponse:
    report = access_report(request.user, tracking_id, action=Action.VIEW)
    coordinator = selectors.is_coordinator(user=request.user, mall=report.mall)
    show_identity = selectors.identity_visible(report=report, user=request.user)
    if show_identity:
        record_access(
            user=request.user,
            kind=Kind.COMPLAINT_IDENTITY,
            subject=report.reporter,
            obj=report,
            mall=report.mall,
            where="backoffice:report",
        )
    lapor = selectors.lapor_link(report=report)
    return render(
        request,
        "backoffice/report.html",
        {
            "report": report,
            "events": report.events.select_related("actor"),
            "attachments": report.attachments.all(),
            "lapor": lapor,
            "lapor_institutions": _lapor_institutions(report, lapor) if coordinator else None,
            "coordinator": coordinator,
            "answers": selectors.answers_for_agency(user=request.user, report=report),
            "show_identity": show_identity,
            "agencies": report.mall.agencies.order_by("name"),
            "classes": Report.DeadlineClass.choices,
        },
    )


def _lapor_institutions(report: Report, lapor: LaporLink | None) -> list[tuple[str, str]] | None:
    """LAPOR!'s institutions to pick from where a report it forwarded may be sent back (asked
    of LAPOR! briefly); None: the coordinator types the ID (LAPOR! down, or not such a report)."""
    if (
        lapor is None
        or lapor.origin != LaporLink.Origin.PULLED
        or report.status != Report.Status.SUBMITTED
    ):
        return None
    integration = lapor_integration(report.mall)
    if integration is None:
        return None
    return lapor_institutions(integration=integration)


def _deadline_class(value: str) -> int:
    """The posted class as a number (normative when none is posted); anything else as 0, which
    the service refuses with a message."""
    value = value.strip()
    if not value:
        return Report.DeadlineClass.NORMATIVE
    return int(value) if value.isascii() and value.isdigit() and len(value) < 4 else 0


@login_required
@require_POST
@refusals_as_messages("backoffice:report", keep=["tracking_id"])
def report_act(request: AuthenticatedHttpRequest, tracking_id: str) -> HttpResponse:
    try:
        action = Action(request.POST.get("action", ""))
    except ValueError:
        action = Action.VIEW  # an unknown act is refused below, once the report is seen
    report = access_report(request.user, tracking_id, action=action)
    text = request.POST.get("text", "")
    if action == Action.ROUTE:
        services.report_route(
            report=report,
            agency=get_object_or_404(Agency, pk=request.POST.get("agency") or 0),
            deadline_class=_deadline_class(request.POST.get("deadline_class", "")),
            by=request.user,
            note=text,
        )
    elif action == Action.REJECT:
        services.report_reject(
            report=report,
            by=request.user,
            reason=text,
            lapor_institution=request.POST.get("lapor_institution", ""),
        )
    elif action in (Action.ANSWER, Action.ANSWER_ON_BEHALF):
        services.report_answer(
            report=report, by=request.user, text=text, on_behalf=action == Action.ANSWER_ON_BEHALF
        )
    else:  # viewing is not an act
        raise PermissionDenied
    return redirect("backoffice:report", tracking_id=report.tracking_id)


@login_required
def report_attachment(request: AuthenticatedHttpRequest, tracking_id: str, pk: int) -> FileResponse:
    """Evidence is private: served only to staff who may read the report."""
    report = access_report(request.user, tracking_id, action=Action.VIEW)
    attachment = get_object_or_404(report.attachments, pk=pk)
    response = FileResponse(
        attachment.file.open("rb"), as_attachment=True, filename=attachment.name
    )
    return protect_file(response, content_type=response.get("Content-Type", ""))


@login_required
def consultation_list(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    try:
        mall = malls.mall_get(slug=slug)
    except Mall.DoesNotExist as exc:
        raise Http404 from exc
    if not staff_scope(request.user).is_staff_anywhere:
        raise PermissionDenied
    return render(
        request,
        "backoffice/consultations.html",
        {
            "mall": mall,
            "consultations": selectors.consultations_for_staff(user=request.user, mall=mall)[:200],
        },
    )


def _consultation_act(request: AuthenticatedHttpRequest, consultation: Consultation) -> None:
    """Answer the citizen, set a video call, or publish a frequent answer."""
    action = request.POST.get("action")
    if action == "answer":
        services.consultation_post(
            consultation=consultation,
            author=request.user,
            text=request.POST.get("text", ""),
            from_staff=True,
        )
    elif action == "call":
        moment = moment_from_text(
            request.POST.get("meeting_at", ""), consultation.service.agency.mall
        )
        if moment is None:
            raise ReportError("bad_time", _("Give the call's date and time."))
        services.consultation_schedule_call(
            consultation=consultation,
            meeting_url=request.POST.get("meeting_url", ""),
            meeting_at=moment,
        )
    elif action == "faq":
        services.faq_publish(
            consultation=consultation,
            question=request.POST.get("question", ""),
            answer=request.POST.get("text", ""),
        )
        messages.success(request, _("Published on the service's page."))


@login_required
@refusals_as_messages("backoffice:consultation")
def consultation_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    consultation = get_object_or_404(
        Consultation.objects.select_related("service__agency__mall"), pk=pk
    )
    mall = consultation.service.agency.mall
    visible = selectors.consultations_for_staff(user=request.user, mall=mall)
    if not visible.filter(pk=pk).exists():
        raise Http404
    answerable = selectors.consultation_answerable(user=request.user, consultation=consultation)
    context: dict[str, object] = {}
    if request.method == "POST":
        if not answerable:
            raise PermissionDenied
        try:
            _consultation_act(request, consultation)
        except ReportError as refused:
            if request.POST.get("action") != "answer":
                raise
            # An answer refused (too long) is shown again as typed, not lost to a redirect.
            context = {"typed": request.POST.get("text", ""), "error": refused.message}
        else:
            return redirect("backoffice:consultation", pk=consultation.pk)
    # The page shows what the citizen asked, in their own words (the consultations list, only
    # subjects, is not a look at personal data).
    record_access(
        user=request.user,
        kind=Kind.CONSULTATION,
        subject=consultation.citizen,
        obj=consultation,
        mall=mall,
        where="backoffice:consultation",
    )
    return render(
        request,
        "backoffice/consultation.html",
        {
            "consultation": consultation,
            "thread": consultation.messages.all(),
            "answerable": answerable,
            **context,
        },
        status=400 if context else 200,
    )
