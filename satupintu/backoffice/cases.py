"""Staff pages of applications: the agency's work queue, the case page with the actions the
officer's role allows (forward, return, reject, survey, decision), notes, and filing for a
walk-in. Officers never see another agency's cases; every look at a case is audited."""

from datetime import date, datetime

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from satupintu.accounts import recovery
from satupintu.accounts.errors import AccountError
from satupintu.accounts.http import AuthenticatedHttpRequest
from satupintu.accounts.privacy import Kind, record_access
from satupintu.accounts.services import walk_in_citizen
from satupintu.cases import selectors as cases
from satupintu.cases.access import Action, access_application
from satupintu.cases.errors import CaseError
from satupintu.cases.models import Application, Document, OssLink, Step, Survey
from satupintu.cases.oss.lookup import oss_ask_throttle, oss_lookup
from satupintu.cases.oss.nib import nib_checker
from satupintu.cases.permits.render import holder_name, product_response
from satupintu.cases.services import configuration, drafts, issuing, surveys, workflow
from satupintu.cases.services.forms import NIB_CHECK
from satupintu.cases.signers import SignerSecret
from satupintu.cases.uploads import document_response
from satupintu.catalog.models import Service
from satupintu.malls.calendar import in_mall_time, moment_from_text
from satupintu.malls.models import StaffMembership
from satupintu.malls.permissions import staff_scope
from satupintu.pages import refusals_as_messages
from satupintu.portal.applications import (
    EDITABLE,
    check_nib_and_say,
    checklist,
    form_fields,
    posted_form,
)
from satupintu.security import protect_file

QUEUE_PAGE_SIZE = 50
# The session key of a claim slip just issued for an application, until its page shows it once.
SLIP = "claim_slip:{pk}"
NO_VERSION = -1  # what a missing or unreadable posted version is: no version matches it


def _case(request: AuthenticatedHttpRequest, pk: int) -> Application:
    return access_application(request.user, pk, action=Action.WORK, one_side=True).application


@login_required
def queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not staff_scope(request.user).works_cases:
        raise PermissionDenied
    filters = {
        "step": request.GET.get("step", ""),
        "due": request.GET.get("due", ""),
        "assignee": request.GET.get("assignee", ""),
        "status": request.GET.get("status", "open"),
    }
    page = Paginator(cases.work_queue(request.user, **filters), QUEUE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    others = request.GET.copy()
    others.pop("page", None)
    return render(
        request,
        "backoffice/cases.html",
        {
            "cases": page,
            "page": page,
            "filters_query": others.urlencode(),
            "filters": filters,
            "steps": Step.choices,
            "statuses": Application.Status.choices,
            "today": timezone.localdate(),
        },
    )


@login_required
def case_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    application = _case(request, pk)
    cases.case_access(user=request.user, application=application, what="view")
    errors: dict[str, list[str]] = {}
    filed_draft = application.filed_by_id is not None and application.status in EDITABLE
    checker = nib_checker(application.service)
    if request.method == "POST" and filed_draft:
        action = request.POST.get("action")
        saved = workflow.application_save(
            application=application,
            by=request.user,
            form_data=posted_form(application.service, request.POST),
            nib=request.POST.get("nib", application.nib),
            uploads=request.FILES,
            submit=action == "submit",
        )
        application, errors = saved.application, saved.errors
        if action == "check_nib" and checker is not None and not errors:
            # At the counter, as on the portal: the NIB the business applicant brings, checked.
            check_nib_and_say(request, application, checker)
            return redirect(reverse("backoffice:case", args=[application.pk]) + "#f-nib")
        if not errors:
            messages.success(
                request,
                (
                    _("Application %(id)s is submitted for the applicant: now at %(step)s.")
                    if saved.sent
                    else _("The draft of application %(id)s is saved; it is not submitted yet.")
                )
                % {"id": application.tracking_number, "step": application.get_step_display()},
            )
            return redirect("backoffice:case", pk=application.pk)
    mall = application.service.agency.mall
    role = dict(configuration.workflow(application.service)).get(application.step, "")
    scope, agency_id = staff_scope(request.user), application.service.agency_id
    return render(
        request,
        "backoffice/case.html",
        {
            "application": application,
            "editable": filed_draft,
            "fields": form_fields(application.service, application.form_data, errors),
            "checklist": checklist(application, errors, superseded=not filed_draft),
            "missing": drafts.application_missing(application) if filed_draft else None,
            "errors": errors,
            "general_errors": errors.get("__all__", []) + errors.get("nib", []),
            "file_url": "backoffice:case-file",
            "max_mb": round(settings.CASE_UPLOAD_MAX_BYTES / 1048576),
            "labels": form_fields(application.service, application.form_data, {}),
            "nib_record": application.form_data.get(NIB_CHECK),
            "nib_checked_here": checker is not None,
            # The form's NIB check, on a draft filed at the counter (as on the portal's form).
            "nib_check": {"record": application.form_data.get(NIB_CHECK)}
            if checker is not None and filed_draft
            else None,
            "oss_link": OssLink.objects.filter(application=application).first(),
            "evidence": application.documents.exclude(kind=Document.Kind.REQUIREMENT),
            "history": application.transitions.select_related("actor"),
            "notes": application.notes.select_related("author"),
            "surveys": [_with_due(survey) for survey in application.surveys.all()],
            "issued": getattr(application, "issued_document", None),
            "acts_on_step": scope.acts_as([role], agency_id=agency_id),
            "claim_slip": scope.acts_as([StaffMembership.Role.FRONT_OFFICE], agency_id=agency_id)
            and recovery.claimable(application.applicant),
            "revokes": scope.acts_as([StaffMembership.Role.APPROVER], agency_id=agency_id),
            "survey_modes": Survey.Mode.choices,
            "recommendations": Survey.Recommendation.choices,
            "now_local": in_mall_time(timezone.now(), mall),
            "is_survey_step": application.step == Step.FIELD_SURVEY,
            "is_decision_step": application.step == Step.DECISION,
            "duties_apart": application.step == Step.DECISION
            and application.status == Application.Status.IN_PROGRESS
            and configuration.may_not_approve(application=application, user=request.user),
        },
    )


def _with_due(survey: Survey) -> Survey:
    """The survey, marked with whether its result may be recorded yet."""
    survey.due = surveys.survey_due(survey)  # type: ignore[attr-defined]
    return survey


def _sign_page(
    request: AuthenticatedHttpRequest,
    application: Application,
    *,
    note: str,
    version: int,
    error: str = "",
    sent: bool = False,
) -> HttpResponse:
    """The approver's confirmation: what they sign, and, where the agency signs through BSrE,
    the passphrase (or TOTP) field, always empty."""
    remote = issuing.signs_remotely(application)
    missing = issuing.signer_identity_missing(chosen=remote, signer=request.user) if remote else ""
    return render(
        request,
        "backoffice/case_sign.html",
        {
            "application": application,
            "note": note,
            "version": version,
            "holder": holder_name(application.applicant),
            "signer": holder_name(request.user),
            "bsre": remote is not None,
            "bsre_totp": remote is not None and remote.backend.totp,
            "bsre_totp_send": remote is not None and remote.backend.send_totp is not None,
            "totp_sent": sent,
            "signer_nik_missing": missing == "nik",
            "signer_email_missing": missing == "email",
            # BSrE asked whether the approver may sign, before they type anything (once:
            # not again when the page comes back with a refusal of the signing itself).
            "signer_problem": issuing.signer_problem(application=application, signer=request.user)
            if remote is not None and not error
            else "",
            "error": error,
            **issuing.preview(application, signer=request.user),
        },
        status=400 if error else 200,
    )


@login_required
@require_POST
@sensitive_post_parameters("passphrase", "totp")
@refusals_as_messages("backoffice:case")
def case_act(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Forward, return, reject — as the officer saw the case (its version), or not at all.
    Approving signs: the approver confirms on a page of their own first, giving their BSrE
    passphrase there when the agency signs through BSrE (sent once, never kept or shown)."""
    application = _case(request, pk)
    seen = request.POST.get("version", "")
    action, note = request.POST.get("action", ""), request.POST.get("note", "")
    seen_version = int(seen) if seen.isdigit() else NO_VERSION
    decides = action == "forward" and workflow.forward_decides(application)
    if action == "send_totp" and workflow.forward_decides(application):
        # "Send me a code": BSrE v2 sends the approver a TOTP; the page comes back for it.
        workflow.forward_check(
            application=application, actor=request.user, note=note, seen_version=seen_version
        )
        try:
            issuing.signer_totp_send(application=application, signer=request.user)
        except CaseError as refused:
            return _sign_page(
                request, application, note=note, version=seen_version, error=refused.message
            )
        return _sign_page(request, application, note=note, version=seen_version, sent=True)
    if decides and request.POST.get("confirmed") != "yes":
        # Signing cannot be taken back: the approver sees what they sign and says so once more
        # (a page of its own, so it works without JavaScript).
        workflow.forward_check(
            application=application, actor=request.user, note=note, seen_version=seen_version
        )
        return _sign_page(request, application, note=note, version=seen_version)
    if decides:
        secret = SignerSecret(
            passphrase=request.POST.get("passphrase", ""), totp=request.POST.get("totp", "")
        )
        try:
            application = workflow.application_sign(
                application=application,
                actor=request.user,
                note=note,
                seen_version=seen_version,
                secret=secret,
            )
        except CaseError as refused:
            if refused.code not in SIGN_AGAIN:
                raise
            # The page again, with the reason and an empty field: type it again, or check
            # with BSrE first after a timeout.
            return _sign_page(
                request, application, note=note, version=seen_version, error=refused.message
            )
    else:
        application = workflow.application_act(
            application=application,
            actor=request.user,
            action=action,
            note=note,
            seen_version=seen_version,
        )
    messages.success(request, _act_message(application, action=action, decided=decides))
    return redirect("backoffice:case", pk=application.pk)


# Refusals of a BSrE signing the approver answers on the signing page itself.
SIGN_AGAIN = frozenset(
    {
        "passphrase_needed",
        "bsre_wrong_passphrase",
        "bsre_outcome_unknown",
        "bsre_unavailable",
        "bsre_failed",
    }
)


def _act_message(application: Application, *, action: str, decided: bool) -> str:
    """What the officer's act did, in words: where the case went and who holds it now."""
    number = application.tracking_number
    issued = getattr(application, "issued_document", None)
    if action == "return":
        return _(
            "Application %(id)s is returned to the applicant for revision; they are told why."
        ) % {"id": number}
    if action == "reject":
        return _("Application %(id)s is rejected; the applicant is told why.") % {"id": number}
    if decided and issued is not None:
        said = _(
            "Application %(id)s is approved and document %(number)s signed; the applicant is told."
        ) % {"id": number, "number": issued.number}
    elif application.status == Application.Status.DONE:
        said = _("Application %(id)s is done; the applicant is told.") % {"id": number}
    else:
        said = _("Application %(id)s is forwarded to %(step)s.") % {
            "id": number,
            "step": application.get_step_display(),
        }
    if application.status != Application.Status.IN_PROGRESS:
        return said
    if application.assignee is not None:
        holder = application.assignee.get_full_name() or application.assignee.username
        return f"{said} " + _("It is assigned to %(name)s.") % {"name": holder}
    return f"{said} " + _("It waits in the queue of that step's officers.")


@login_required
@require_POST
@refusals_as_messages("backoffice:case")
def case_note(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    application = _case(request, pk)
    workflow.note_add(
        application=application, author=request.user, text=request.POST.get("text", "")
    )
    messages.success(request, _("Your note is added to the case; only the agency's staff see it."))
    return redirect("backoffice:case", pk=application.pk)


@login_required
@require_POST
@refusals_as_messages("backoffice:case")
def case_assign(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    application = _case(request, pk)
    mine = request.POST.get("to") == "me"
    workflow.application_assign(
        application=application, assignee=request.user if mine else None, by=request.user
    )
    mine_or_not = (
        _("Application %(id)s is assigned to you.")
        if mine
        else _("Application %(id)s is given back: it is assigned to nobody.")
    )
    messages.success(request, mine_or_not % {"id": application.tracking_number})
    return redirect("backoffice:case", pk=application.pk)


@login_required
@require_POST
@refusals_as_messages("backoffice:case")
def survey_schedule(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    application = _case(request, pk)
    when = moment_from_text(request.POST.get("scheduled_at", ""), application.service.agency.mall)
    if when is None:
        messages.error(request, _("Give the survey's date and time."))
        return redirect("backoffice:case", pk=application.pk)
    surveys.survey_schedule(
        application=application,
        by=request.user,
        mode=request.POST.get("mode", ""),
        scheduled_at=when,
        place=request.POST.get("place", ""),
    )
    messages.success(request, _("The survey is scheduled and the applicant told."))
    return redirect("backoffice:case", pk=application.pk)


@login_required
@require_POST
@refusals_as_messages("backoffice:case")
def survey_complete(request: AuthenticatedHttpRequest, pk: int, survey_pk: int) -> HttpResponse:
    application = _case(request, pk)
    survey = get_object_or_404(Survey, pk=survey_pk, application=application)
    surveys.survey_complete(
        survey=survey,
        by=request.user,
        findings=request.POST.get("findings", ""),
        recommendation=request.POST.get("recommendation", ""),
        report=request.FILES.get("report"),
        photos=request.FILES.getlist("photos"),
    )
    messages.success(
        request, _("The survey's result is recorded: the application can be forwarded now.")
    )
    return redirect("backoffice:case", pk=application.pk)


@login_required
@require_POST
@refusals_as_messages("backoffice:case")
def document_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    application = _case(request, pk)
    document = getattr(application, "issued_document", None)
    if document is None:
        raise Http404
    issuing.revoke(document, by=request.user, reason=request.POST.get("reason", ""))
    messages.success(
        request,
        _("Document %(number)s is revoked; its verification page says so and the holder is told.")
        % {"number": document.number},
    )
    return redirect("backoffice:case", pk=application.pk)


@login_required
def case_file(request: AuthenticatedHttpRequest, pk: int, document_pk: int) -> FileResponse:
    application = _case(request, pk)
    document = get_object_or_404(application.documents, pk=document_pk)
    cases.case_access(user=request.user, application=application, what=f"file {document.pk}")
    return document_response(document)


@login_required
def case_product(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    application = _case(request, pk)
    document = getattr(application, "issued_document", None)
    if document is None:
        raise Http404
    cases.case_access(user=request.user, application=application, what="issued document")
    return product_response(document)


def _oss_link(request: AuthenticatedHttpRequest, pk: int) -> tuple[Application, OssLink]:
    application = _case(request, pk)
    link = OssLink.objects.filter(application=application).select_related("integration").first()
    if link is None:
        raise Http404
    return application, link


@login_required
@require_POST
def case_oss(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Ask OSS, while the officer waits, what it holds of an OSS-born case's permit."""
    application, link = _oss_link(request, pk)
    cases.case_access(user=request.user, application=application, what="OSS status")
    try:
        oss_ask_throttle(user_id=request.user.pk)
        view = oss_lookup(link=link)
    except CaseError as refused:
        messages.warning(request, refused.message)
        return redirect(reverse("backoffice:case", args=[application.pk]) + "#oss")
    if view.status is None:
        messages.warning(request, _("OSS does not know permit %(id)s.") % {"id": link.id_izin})
    else:
        messages.info(
            request,
            _("OSS holds permit %(id)s at status %(code)s %(text)s.")
            % {
                "id": link.id_izin,
                "code": view.status.kd_status or "—",
                "text": view.status.description,
            },
        )
    if view.fetch_queued:
        messages.info(request, _("OSS has signed the permit; its file is being fetched."))
    elif view.refused_link:
        messages.warning(
            request, _("OSS named a signed file on a host that is not OSS's; it is not fetched.")
        )
    elif not view.signed_file_url:
        messages.info(request, _("OSS has not signed the permit yet."))
    return redirect(reverse("backoffice:case", args=[application.pk]) + "#oss")


@login_required
def case_oss_file(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    """The permit as OSS signed it, fetched from OSS into private storage."""
    application, link = _oss_link(request, pk)
    if not link.signed_file:
        raise Http404
    cases.case_access(user=request.user, application=application, what="OSS-signed permit")
    name = f"izin-oss-{application.tracking_number}.pdf"
    response = FileResponse(
        link.signed_file.open("rb"), filename=name, content_type="application/pdf"
    )
    response["Cache-Control"] = "private, no-store"
    return protect_file(response, content_type="application/pdf", filename=name)


def _birth_date(typed: str) -> date | None:
    """The walk-in's birth date as the date input sends it (YYYY-MM-DD); none when left empty."""
    if not typed.strip():
        return None
    try:
        return date.fromisoformat(typed.strip())
    except ValueError:
        raise ValidationError(
            {"birth_date": [_("Enter the birth date as on the KTP-el, e.g. 17-08-1985.")]}
        ) from None


@login_required
def walk_in(request: AuthenticatedHttpRequest) -> HttpResponse:
    """File an application for someone at the counter: find or register them by NIK, then fill
    the form and scan their papers on the case page. A new account that no message can reach
    (no phone, no email), or whose owner asks for it, gets its claim code on a printed slip."""
    # The front office receives walk-ins; looking a citizen up by NIK is its job, no one else's.
    agency_ids = cases.staff_agency_ids(request.user, role=StaffMembership.Role.FRONT_OFFICE)
    if not agency_ids:
        raise PermissionDenied
    offered = (
        Service.objects.filter(agency_id__in=agency_ids, is_active=True)
        .exclude(channel=Service.Channel.IN_PERSON)
        .select_related("agency")
        .order_by("agency__name", "name")
    )
    errors: dict[str, list[str]] = {}
    values = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        chosen = request.POST.get("service", "")
        service = offered.filter(pk=chosen).first() if chosen.isdigit() else None
        if service is None:
            errors["service"] = [_("Choose one of your agency's services.")]
        else:
            try:
                citizen = walk_in_citizen(
                    nik=request.POST.get("nik", ""),
                    name=request.POST.get("name", ""),
                    phone=request.POST.get("phone", ""),
                    email=request.POST.get("email", ""),
                    birth_date=_birth_date(request.POST.get("birth_date", "")),
                )
            except ValidationError as invalid:
                errors.update(invalid.message_dict)
            except AccountError as refused:
                errors["identity"] = [refused.message]
            else:
                record_access(
                    user=request.user,
                    kind=Kind.NIK_LOOKUP,
                    subject=citizen,
                    obj=citizen,
                    mall=service.agency.mall,
                    where="backoffice:walk-in",
                )
                application = drafts.application_draft(
                    applicant=citizen, service=service, form_data={}, filed_by=request.user
                )
                # Nobody can send a claim to a walk-in without a phone or email: it goes on paper.
                unreachable = not (citizen.phone or citizen.email)
                if recovery.claimable(citizen) and (unreachable or request.POST.get("slip")):
                    _slip_issue(request, application)
                    return redirect("backoffice:case-claim-slip", pk=application.pk)
                return redirect("backoffice:case", pk=application.pk)
    return render(
        request,
        "backoffice/walk_in.html",
        {"services": offered, "errors": errors, "values": values},
    )


def _slip_case(request: AuthenticatedHttpRequest, pk: int) -> Application:
    """The case whose applicant's claim slip the front office of its agency prints; nobody
    else (not another agency's, nor the agency's other roles)."""
    application = _case(request, pk)
    front_office = [StaffMembership.Role.FRONT_OFFICE]
    if not staff_scope(request.user).acts_as(front_office, agency_id=application.service.agency_id):
        raise PermissionDenied
    return application


def _slip_issue(request: AuthenticatedHttpRequest, application: Application) -> None:
    """A new claim code for the applicant, kept in the officer's session until its page shows
    it once (a reload, or the back button, finds it gone)."""
    slip = recovery.claim_slip_issue(user=application.applicant)
    cases.case_access(user=request.user, application=application, what="claim slip")
    request.session[SLIP.format(pk=application.pk)] = {
        "code": slip.code,
        "link": slip.link,
        "expires": slip.expires.isoformat(),
    }


@never_cache
@login_required
def claim_slip(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A walk-in's claim slip (slip klaim akun): the code to set a password at home, the claim
    page's address and a QR code of the one-time link, and the tracking number, to print and
    hand over. Shown once; issuing a new one voids the old."""
    application = _slip_case(request, pk)
    applicant = application.applicant
    if request.method == "POST":
        try:
            _slip_issue(request, application)
        except AccountError as refused:
            messages.error(request, refused.message)
            return redirect("backoffice:case", pk=application.pk)
        return redirect("backoffice:case-claim-slip", pk=application.pk)
    kept = request.session.pop(SLIP.format(pk=application.pk), None)
    slip = None
    if isinstance(kept, dict):
        with translation.override(applicant.language):
            claim_url = settings.SITE_URL + reverse("portal:claim")
        slip = {
            "code": kept["code"],
            "claim_url": claim_url,
            "qr": segno.make(kept["link"], error="m").svg_data_uri(scale=3, border=2),
            "expires": in_mall_time(
                datetime.fromisoformat(kept["expires"]), application.service.agency.mall
            ),
        }
    return render(
        request,
        "backoffice/claim_slip.html",
        {
            "application": application,
            "slip": slip,
            "claimable": recovery.claimable(applicant),
        },
    )
