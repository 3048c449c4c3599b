"""Writes of applications: draft, submit, and the workflow's transitions.

A transition is compare-and-swap on the application's ``version``: two officers acting on the
same case at once cannot both succeed. The due date counts the service's working days from
submission; time spent back with the applicant for revision does not count.
"""

import secrets
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from satupintu.accounts.models import User
from satupintu.accounts.validators import validate_nik
from satupintu.booking.selectors import in_mall_time, working_days_after, working_days_between
from satupintu.cases.models import DEFAULT_WORKFLOW, Application, Transition, WorkflowStep
from satupintu.catalog.models import Service
from satupintu.malls.models import StaffMembership
from satupintu.malls.permissions import staff_scope
from satupintu.notify.models import Event
from satupintu.notify.services import Recipient, notify


class CaseError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def workflow(service: Service) -> list[tuple[str, str]]:
    """(step, role) in order: the service's own steps, or the default ones."""
    own = list(WorkflowStep.objects.filter(service=service).values_list("step", "role"))
    return own or [(str(step), str(role)) for step, role in DEFAULT_WORKFLOW]


def validate_form(service: Service, data: dict[str, Any]) -> dict[str, Any]:
    """The answers to the service's form schema, checked server-side; unknown keys are dropped."""
    clean: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field in service.form_schema:
        name = field["name"]
        value = data.get(name)
        if isinstance(value, str):
            value = value.strip()
        if value in (None, "", []):
            if field.get("required"):
                errors[name] = _("This field is required.")
            continue
        if field.get("type") == "nik":
            try:
                validate_nik(str(value))
            except ValidationError as exc:
                errors[name] = exc.messages[0]
                continue
        if field.get("type") == "select" and value not in field.get("choices", []):
            errors[name] = _("Choose one of the options.")
            continue
        clean[name] = value
    if errors:
        raise ValidationError(errors)
    return clean


def _tracking_number() -> str:
    year = timezone.now().year
    while True:
        candidate = f"MPP-{year}-{secrets.randbelow(10**6):06d}"
        if not Application.objects.filter(tracking_number=candidate).exists():
            return candidate


def application_draft(
    *, applicant: User, service: Service, form_data: dict[str, Any], nib: str = ""
) -> Application:
    """Start (or keep) a draft: the answers so far, not yet checked for completeness."""
    if service.channel == Service.Channel.IN_PERSON:
        raise CaseError("not_online", _("This service is not offered online."))
    return Application.objects.create(
        tracking_number=_tracking_number(),
        service=service,
        applicant=applicant,
        nib=nib,
        form_data={k: v for k, v in form_data.items() if isinstance(k, str)},
    )


def _today(application: Application) -> date:
    return in_mall_time(timezone.now(), application.service.agency.mall).date()


def _swap(
    application: Application, actor: User | None, action: str, note: str, **to: Any
) -> Application:
    """Move ``application`` if nobody moved it since it was read; record and return it."""
    updated = Application.objects.filter(pk=application.pk, version=application.version).update(
        version=F("version") + 1, **to
    )
    if not updated:
        raise CaseError("conflict", _("Someone else acted on this application first. Reload it."))
    Transition.objects.create(
        application=application,
        actor=actor,
        action=action,
        from_status=application.status,
        to_status=to.get("status", application.status),
        from_step=application.step,
        to_step=to.get("step", application.step),
        note=note,
    )
    application.refresh_from_db()
    return application


def _tell(application: Application, event: str, **extra: str) -> None:
    notify(
        event=event,
        recipient=Recipient.for_user(application.applicant),
        mall=application.service.agency.mall,
        context={
            "name": application.applicant.get_full_name() or application.applicant.username,
            "service": application.service.name,
            "tracking": application.tracking_number,
            "mall": application.service.agency.mall.name,
            "link": settings.SITE_URL,
            **extra,
        },
    )


@transaction.atomic
def application_submit(*, application: Application) -> Application:
    """Check the form and submit: the first step starts and the clock runs."""
    if application.status != Application.Status.DRAFT:
        raise CaseError("wrong_status", _("Only a draft can be submitted."))
    form = validate_form(application.service, application.form_data)
    mall = application.service.agency.mall
    application = _swap(
        application,
        application.applicant,
        "submit",
        "",
        status=Application.Status.IN_PROGRESS,
        step=workflow(application.service)[0][0],
        form_data=form,
        submitted_at=timezone.now(),
        due_date=working_days_after(
            mall=mall, start=_today(application), days=application.service.duration_working_days
        ),
    )
    _tell(application, Event.APPLICATION_RECEIVED)
    return application


def _check_role(application: Application, actor: User) -> None:
    role = dict(workflow(application.service)).get(application.step)
    scope = staff_scope(actor)
    if scope.is_superuser:
        return
    if not StaffMembership.objects.filter(
        user=actor, agency=application.service.agency, role=role
    ).exists():
        raise CaseError("not_your_step", _("Your role does not act at this step."))


@transaction.atomic
def application_act(
    *, application: Application, actor: User, action: str, note: str = ""
) -> Application:
    """An officer forwards, returns for revision, or rejects, at the step their role acts on."""
    if application.status != Application.Status.IN_PROGRESS:
        raise CaseError("wrong_status", _("This application is not waiting for the agency."))
    _check_role(application, actor)
    steps = [step for step, _role in workflow(application.service)]
    if action == "forward":
        index = steps.index(application.step)
        if index + 1 < len(steps):
            return _swap(application, actor, action, note, step=steps[index + 1])
        application = _swap(
            application, actor, action, note, status=Application.Status.DONE, step=""
        )
        _tell(application, Event.DECISION_MADE, decision=_("approved"))
        return application
    if not note.strip():
        raise CaseError("reason_needed", _("Give the reason."))
    if action == "return":
        application = _swap(
            application,
            actor,
            action,
            note,
            status=Application.Status.REVISION,
            paused_on=_today(application),
        )
        _tell(application, Event.REVISION_REQUESTED, note=note)
        return application
    if action == "reject":
        application = _swap(application, actor, action, note, status=Application.Status.REJECTED)
        _tell(application, Event.DECISION_MADE, decision=_("rejected: %(why)s") % {"why": note})
        return application
    raise CaseError("unknown_action", _("Unknown action."))


@transaction.atomic
def application_resubmit(*, application: Application, form_data: dict[str, Any]) -> Application:
    """The applicant sends the fixed application back; the paused working days are added."""
    if application.status != Application.Status.REVISION:
        raise CaseError("wrong_status", _("This application was not returned for revision."))
    mall = application.service.agency.mall
    paused = working_days_between(mall=mall, start=application.paused_on, end=_today(application))
    form = validate_form(application.service, {**application.form_data, **form_data})
    return _swap(
        application,
        application.applicant,
        "resubmit",
        "",
        status=Application.Status.IN_PROGRESS,
        form_data=form,
        paused_on=None,
        due_date=working_days_after(mall=mall, start=application.due_date, days=paused)
        if paused
        else application.due_date,
    )


@transaction.atomic
def application_cancel(*, application: Application, note: str = "") -> Application:
    """The applicant withdraws an application that is not decided yet."""
    if application.status not in (
        Application.Status.DRAFT,
        Application.Status.IN_PROGRESS,
        Application.Status.REVISION,
    ):
        raise CaseError("wrong_status", _("This application is decided already."))
    return _swap(
        application, application.applicant, "cancel", note, status=Application.Status.CANCELLED
    )
