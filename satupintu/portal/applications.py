"""Citizen pages of online applications: fill the form and upload the checklist (a draft kept
between visits), submit, follow the case, fix what comes back, confirm a survey, print the
receipt and the signed document at home."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from satupintu.accounts.http import AuthenticatedHttpRequest
from satupintu.cases import selectors as cases
from satupintu.cases.access import Action, access_application
from satupintu.cases.errors import CaseError
from satupintu.cases.models import Application, Document, Survey, Transition
from satupintu.cases.oss.nib import application_nib_check, nib_checker
from satupintu.cases.permits.render import product_response, receipt_response
from satupintu.cases.services import documents, drafts, surveys, workflow
from satupintu.cases.services.forms import NIB_CHECK
from satupintu.cases.uploads import document_response
from satupintu.catalog import selectors as catalog
from satupintu.catalog.models import Service
from satupintu.catalog.selectors import field_label
from satupintu.integrations.models import Integration
from satupintu.pages import refusals_as_messages

EDITABLE = (Application.Status.DRAFT, Application.Status.REVISION)


def form_fields(
    service: Service, values: dict[str, Any], errors: dict[str, list[str]]
) -> list[dict[str, Any]]:
    """The service's form schema ready for a template: label in the reader's language, the
    value so far and the field's errors."""
    fields = []
    for field in service.form_schema:
        if field.get("type") == "file":  # files are the checklist's uploads
            continue
        fields.append(
            {
                **field,
                "label": field_label(field),
                "value": values.get(field["name"], ""),
                "errors": errors.get(field["name"], []),
            }
        )
    return fields


def posted_form(service: Service, post: Any) -> dict[str, Any]:
    """The schema's answers out of a POST (a checkbox is true when ticked)."""
    data: dict[str, Any] = {}
    for field in service.form_schema:
        name = field["name"]
        if field.get("type") == "checkbox":
            data[name] = name in post
        elif name in post:
            data[name] = post.get(name, "")
    return data


def checklist(
    application: Application,
    errors: dict[str, list[str]] | None = None,
    *,
    superseded: bool = False,
) -> list[dict[str, Any]]:
    """Each requirement with the files uploaded for it so far and its upload's errors; files
    a corrected one replaced only when ``superseded`` (the staff's view, marked as such)."""
    files: dict[int | None, list[Document]] = {}
    documents = application.documents.filter(kind=Document.Kind.REQUIREMENT)
    if not superseded:
        documents = documents.filter(superseded_by__isnull=True)
    for document in documents:
        files.setdefault(document.requirement_id, []).append(document)
    return [
        {
            "requirement": requirement,
            "files": files.get(requirement.pk, []),
            "errors": (errors or {}).get(f"req-{requirement.pk}", []),
        }
        for requirement in application.service.requirements.all()
    ]


def _own(request: AuthenticatedHttpRequest, pk: int) -> Application:
    return access_application(request.user, pk, action=Action.APPLY, one_side=True).application


@login_required
@refusals_as_messages("portal:service")
def apply(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Start an application for a service offered online (or go back to its open draft)."""
    try:
        service = catalog.service_detail(service_id=pk)
    except Service.DoesNotExist as exc:
        raise Http404 from exc
    if not service.offered_online:
        raise Http404
    draft = (
        cases.applications_of(request.user)
        .filter(service=service, status=Application.Status.DRAFT)
        .first()
    )
    if draft is not None:
        return redirect("portal:application", pk=draft.pk)
    if request.method == "POST":
        application = drafts.application_draft(
            applicant=request.user, service=service, form_data={}
        )
        return redirect("portal:application", pk=application.pk)
    return render(request, "portal/apply.html", {"service": service})


@login_required
def application_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    application = _own(request, pk)
    errors: dict[str, list[str]] = {}
    checker = nib_checker(application.service) if application.status in EDITABLE else None
    if request.method == "POST" and application.status in EDITABLE:
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
            check_nib_and_say(request, application, checker)
            return redirect(reverse("portal:application", args=[application.pk]) + "#f-nib")
        if saved.sent:
            messages.success(
                request,
                _("Application %(id)s is sent. Keep the receipt.")
                % {"id": application.tracking_number},
            )
            return redirect("portal:application", pk=application.pk)
        if not errors:
            messages.success(request, _("Saved. You can come back to it later."))
            return redirect("portal:application", pk=application.pk)
    return render(
        request,
        "portal/application.html",
        {
            "application": application,
            "editable": application.status in EDITABLE,
            "fields": form_fields(application.service, application.form_data, errors),
            "checklist": checklist(application, errors),
            "file_url": "portal:application-file",
            "errors": errors,
            "general_errors": errors.get("__all__", []) + errors.get("nib", []),
            "missing": drafts.application_missing(application)
            if application.status in EDITABLE
            else None,
            "history": application.transitions.all(),
            "public_notes": Transition.TOLD_TO_APPLICANT,
            "surveys": application.surveys.all(),
            "tracking": cases.track_own(application),
            "issued": getattr(application, "issued_document", None),
            "max_mb": round(settings.CASE_UPLOAD_MAX_BYTES / 1048576),
            "nib_check": {"record": application.form_data.get(NIB_CHECK)} if checker else None,
        },
    )


def check_nib_and_say(
    request: AuthenticatedHttpRequest, application: Application, checker: Integration
) -> None:
    """Check the NIB just kept with OSS and say how it went; never an error page (the portal's
    form and the counter's filing for a walk-in)."""
    try:
        outcome = application_nib_check(application=application, integration=checker)
    except CaseError as refused:
        if refused.code == "oss_unavailable":
            messages.warning(request, refused.message)
        else:
            messages.error(request, refused.message)
        return
    if outcome["active"]:
        messages.success(
            request,
            _("OSS knows NIB %(nib)s: %(name)s. The business's details are filled in.")
            % {"nib": outcome["nib"], "name": outcome["name"]},
        )
    else:
        messages.warning(
            request,
            _("OSS knows NIB %(nib)s (%(name)s), but the NIB is not active.")
            % {"nib": outcome["nib"], "name": outcome["name"]},
        )


@login_required
def application_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request, "portal/applications.html", {"applications": cases.applications_of(request.user)}
    )


@login_required
@require_POST
@refusals_as_messages("portal:application")
def application_cancel(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    application = _own(request, pk)
    workflow.application_cancel(application=application, note=request.POST.get("note", ""))
    messages.success(request, _("The application is cancelled."))
    return redirect("portal:application", pk=application.pk)


@login_required
@require_POST
@refusals_as_messages("portal:application")
def document_remove(request: AuthenticatedHttpRequest, pk: int, document_pk: int) -> HttpResponse:
    application = _own(request, pk)
    document = get_object_or_404(application.documents, pk=document_pk)
    documents.document_remove(document=document, by=request.user)
    return redirect("portal:application", pk=application.pk)


@login_required
def document_file(request: AuthenticatedHttpRequest, pk: int, document_pk: int) -> FileResponse:
    application = _own(request, pk)
    document = get_object_or_404(
        application.documents.filter(kind=Document.Kind.REQUIREMENT), pk=document_pk
    )
    return document_response(document)


@login_required
@require_POST
@refusals_as_messages("portal:application")
def survey_confirm(request: AuthenticatedHttpRequest, pk: int, survey_pk: int) -> HttpResponse:
    application = _own(request, pk)
    survey = get_object_or_404(Survey, pk=survey_pk, application=application)
    surveys.survey_confirm(survey=survey, by=request.user)
    messages.success(request, _("Thank you: the survey's time is confirmed."))
    return redirect("portal:application", pk=application.pk)


@login_required
def receipt(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    application = _own(request, pk)
    if application.status == Application.Status.DRAFT:
        raise Http404
    return receipt_response(application)


@login_required
def product(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    application = _own(request, pk)
    document = getattr(application, "issued_document", None)
    if document is None:
        raise Http404
    return product_response(document)
