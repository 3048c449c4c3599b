"""Writes of applications: draft, submit, and the workflow's transitions.

A transition is compare-and-swap on the application's ``version``: two officers acting on the
same case at once cannot both succeed. The due date counts the service's working days from
submission; time spent back with the applicant for revision does not count.
"""

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from satupintu.accounts.models import User
from satupintu.accounts.validators import clean_nib, clean_nik, clean_npwp
from satupintu.batches import in_batches
from satupintu.cases import issuing
from satupintu.cases.errors import CaseError
from satupintu.cases.models import (
    DEFAULT_WORKFLOW,
    AccessLog,
    Application,
    Document,
    Note,
    Step,
    Survey,
    Transition,
    WorkflowChange,
    WorkflowPolicy,
    WorkflowStep,
)
from satupintu.cases.signals import application_changed
from satupintu.cases.uploads import photo_metadata
from satupintu.catalog.models import Requirement, Service
from satupintu.filecheck import DOCUMENT_KINDS, check_upload
from satupintu.malls.calendar import in_mall_time, working_days_after, working_days_between
from satupintu.malls.meetings import meeting_link
from satupintu.malls.models import AGENCY_ROLES, StaffMembership
from satupintu.malls.permissions import staff_scope
from satupintu.notify.models import Event
from satupintu.notify.services import Recipient, notify


def workflow(service: Service) -> list[tuple[str, str]]:
    """(step, role) in order: the service's own steps, or the default ones."""
    own = list(WorkflowStep.objects.filter(service=service).values_list("step", "role"))
    return own or [(str(step), str(role)) for step, role in DEFAULT_WORKFLOW]


# Longest answer to one field of an online form, and the longest notes, places and findings
# officers and applicants write: longer ones are refused with a message, never cut.
FORM_VALUE_MAX = 2000
NOTE_MAX = 4000
CANCEL_NOTE_MAX = 2000
PLACE_MAX = 300
FINDINGS_MAX = 8000


def check_length(text: str, *, limit: int) -> None:
    """CaseError if ``text`` is longer than ``limit`` characters."""
    if len(text.strip()) > limit:
        raise CaseError(
            "too_long",
            _("The text has %(n)s characters; at most %(limit)s are allowed.")
            % {"n": len(text.strip()), "limit": limit},
        )


# Identifier fields of online forms: normalised (Unicode digits, separators) and checked.
IDENTIFIERS = {"nik": clean_nik, "npwp": clean_npwp}
# Workflow configuration (separation of duties) ---------------------------------------------

# The steps at which an officer checks a case: whoever forwarded it there does not approve it.
CHECK_STEPS = (Step.DOCUMENT_CHECK, Step.VERIFICATION)


def may_configure_workflow(*, user: User, service: Service) -> bool:
    """Only the service's mall manager or an administrator (superuser) changes its workflow;
    the agency's own officers never do."""
    return staff_scope(user).manages_mall(service.agency.mall_id)


def _row(step: WorkflowStep) -> dict[str, Any]:
    return {"order": step.order, "step": step.step, "role": step.role}


def _workflow_check(*, service: Service, by: User, rows: list[dict[str, Any]]) -> None:
    """Refuse a change by someone who may not make it, or one that leaves a workflow of its
    own without the approver at the decision step (no rows at all: the default applies)."""
    if not may_configure_workflow(user=by, service=service):
        raise CaseError(
            "forbidden", _("Only the mall's manager changes the workflow of its services.")
        )
    if rows and not any(
        r["step"] == Step.DECISION and r["role"] == StaffMembership.Role.APPROVER for r in rows
    ):
        raise CaseError(
            "approver_needed",
            _(
                "A workflow keeps the decision step (penetapan) with the approver role: add that "
                "step first, and do not change or remove it."
            ),
        )


def workflow_step_check(*, step: WorkflowStep, by: User) -> None:
    """Whether saving ``step`` (new or changed, not yet saved) is allowed; CaseError if not."""
    if step.pk:
        stored = WorkflowStep.objects.filter(pk=step.pk).values_list("service_id", flat=True)
        if stored and stored[0] != step.service_id:
            raise CaseError(
                "moved", _("A step stays with its service: remove it and add it to the other.")
            )
    others = WorkflowStep.objects.filter(service_id=step.service_id).exclude(pk=step.pk)
    _workflow_check(service=step.service, by=by, rows=[*(_row(s) for s in others), _row(step)])


@transaction.atomic
def workflow_step_save(*, step: WorkflowStep, by: User) -> WorkflowStep:
    """Add or change a step of a service's workflow, recording who changed what."""
    Service.objects.select_for_update().filter(pk=step.service_id).first()
    before = WorkflowStep.objects.filter(pk=step.pk).first() if step.pk else None
    workflow_step_check(step=step, by=by)
    step.full_clean()
    step.save()
    WorkflowChange.objects.create(
        service_id=step.service_id,
        actor=by,
        action=WorkflowChange.Action.CHANGED if before else WorkflowChange.Action.ADDED,
        before=_row(before) if before else None,
        after=_row(step),
    )
    return step


@transaction.atomic
def workflow_step_delete(*, step: WorkflowStep, by: User) -> None:
    """Take a step out of a service's workflow, recording who did."""
    Service.objects.select_for_update().filter(pk=step.service_id).first()
    others = WorkflowStep.objects.filter(service_id=step.service_id).exclude(pk=step.pk)
    _workflow_check(service=step.service, by=by, rows=[_row(s) for s in others])
    WorkflowChange.objects.create(
        service_id=step.service_id,
        actor=by,
        action=WorkflowChange.Action.REMOVED,
        before=_row(step),
        after=None,
    )
    step.delete()


@transaction.atomic
def workflow_policy_set(*, service: Service, separate_duties: bool, by: User) -> WorkflowPolicy:
    """Turn the separation of duties of a service's cases on or off, recording who did."""
    _workflow_check(service=service, by=by, rows=[])
    policy, _created = WorkflowPolicy.objects.select_for_update().get_or_create(service=service)
    if policy.separate_duties != separate_duties:
        WorkflowChange.objects.create(
            service=service,
            actor=by,
            action=WorkflowChange.Action.POLICY,
            before={"separate_duties": policy.separate_duties},
            after={"separate_duties": separate_duties},
        )
        policy.separate_duties = separate_duties
        policy.save(update_fields=["separate_duties"])
    return policy


def separates_duties(service: Service) -> bool:
    """Whether the service's cases keep filing and checking apart from approving (default)."""
    policy = WorkflowPolicy.objects.filter(service=service).first()
    return policy is None or policy.separate_duties


def filed_or_checked(*, application: Application, user: User) -> bool:
    """Whether ``user`` filed the case for the applicant, submitted it for them, or forwarded
    it at the document check or verification."""
    if application.filed_by_id == user.pk:
        return True
    return (
        Transition.objects.filter(application=application, actor=user)
        .filter(Q(action="submit") | Q(action="forward", from_step__in=CHECK_STEPS))
        .exists()
    )


def may_not_approve(*, application: Application, user: User) -> bool:
    """Whether separation of duties keeps ``user`` from approving ``application``."""
    return separates_duties(application.service) and filed_or_checked(
        application=application, user=user
    )


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
        if isinstance(value, str) and len(value) > FORM_VALUE_MAX:
            errors[name] = _("At most %(limit)s characters are allowed (%(n)s given).") % {
                "limit": FORM_VALUE_MAX,
                "n": len(value),
            }
            continue
        if field.get("type") in IDENTIFIERS:
            try:
                value = IDENTIFIERS[field["type"]](str(value))
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


# Random, so numbers do not tell how many cases there are: 10^8 a year leave room for every
# mall's applications, and a number drawn twice is drawn again.
TRACKING_DIGITS = 8
MAX_FILES_PER_REQUIREMENT = 5
MAX_SURVEY_FILES = 30


def _tracking_number() -> str:
    return f"MPP-{timezone.now().year}-{secrets.randbelow(10**TRACKING_DIGITS):0{TRACKING_DIGITS}d}"


def _create_numbered(**fields: Any) -> Application:
    """A new application with a tracking number nobody has; a clash is retried."""
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return Application.objects.create(tracking_number=_tracking_number(), **fields)
        except IntegrityError:
            if (
                "external_ref" in fields
                and Application.objects.filter(external_ref=fields["external_ref"]).exists()
            ):
                raise
    raise CaseError("busy", _("No tracking number is free right now. Try again."))


def _nib(nib: str) -> str:
    try:
        return clean_nib(nib or "")
    except ValidationError as invalid:
        raise ValidationError({"nib": invalid.messages}) from invalid


def application_draft(
    *,
    applicant: User,
    service: Service,
    form_data: dict[str, Any],
    nib: str = "",
    filed_by: User | None = None,
    external_ref: str = "",
) -> Application:
    """Start a draft: the answers so far, not yet checked for completeness. ``filed_by`` is the
    officer filing for a walk-in; ``external_ref`` makes a pushed application's retry find
    the case its first try made."""
    if not service.is_active or service.channel == Service.Channel.IN_PERSON:
        raise CaseError("not_online", _("This service is not offered online."))
    fields = {
        "service": service,
        "applicant": applicant,
        "nib": _nib(nib),
        "form_data": {k: v for k, v in form_data.items() if isinstance(k, str)},
        "filed_by": filed_by,
    }
    if external_ref:
        existing = Application.objects.filter(external_ref=external_ref).first()
        if existing:
            return existing
        try:
            return _create_numbered(external_ref=external_ref, **fields)
        except IntegrityError:  # the same push, retried at the same moment, won
            return Application.objects.get(external_ref=external_ref)
    return _create_numbered(**fields)


def application_update_draft(
    *, application: Application, form_data: dict[str, Any], nib: str | None = None
) -> Application:
    """Keep the answers so far of a draft or of an application back for revision."""
    if application.status not in (Application.Status.DRAFT, Application.Status.REVISION):
        raise CaseError("wrong_status", _("This application can no longer be changed."))
    application.form_data = {
        **application.form_data,
        **{k: v for k, v in form_data.items() if isinstance(k, str)},
    }
    fields = ["form_data"]
    if nib is not None:
        application.nib = _nib(nib)
        fields.append("nib")
    application.save(update_fields=fields)
    return application


def missing_requirements(application: Application) -> list[Requirement]:
    """The mandatory requirements of the checklist that have no file yet."""
    uploaded = set(
        application.documents.filter(kind=Document.Kind.REQUIREMENT).values_list(
            "requirement_id", flat=True
        )
    )
    return [
        r
        for r in application.service.requirements.filter(is_mandatory=True)
        if r.pk not in uploaded
    ]


def is_agency_staff(user: User, application: Application) -> bool:
    """Whether ``user`` works at the agency the application is for (any agency role)."""
    return staff_scope(user).acts_as(AGENCY_ROLES, agency_id=application.service.agency_id)


def document_add(
    *,
    application: Application,
    upload: File,
    by: User,
    requirement: Requirement | None = None,
    kind: str = Document.Kind.REQUIREMENT,
) -> Document:
    """Keep a file of the application in private storage, checked by its content.

    The applicant (or the officer who files for them) adds requirements while the application
    is a draft or back for revision; the technical team adds survey evidence."""
    if kind == Document.Kind.REQUIREMENT:
        if application.status not in (Application.Status.DRAFT, Application.Status.REVISION):
            raise CaseError("wrong_status", _("Files can no longer be added."))
        if by != application.applicant and not (
            application.filed_by_id and is_agency_staff(by, application)
        ):
            raise CaseError("forbidden", _("You cannot add files to this application."))
        if requirement is None or requirement.service_id != application.service_id:
            raise CaseError("wrong_requirement", _("That requirement is of another service."))
        kept = application.documents.filter(kind=kind, requirement=requirement).count()
        if kept >= MAX_FILES_PER_REQUIREMENT:
            raise CaseError(
                "too_many_files",
                _("At most %(n)s files per requirement.") % {"n": MAX_FILES_PER_REQUIREMENT},
            )
    elif application.step != Step.FIELD_SURVEY or not is_agency_staff(by, application):
        raise CaseError("forbidden", _("Survey evidence is added at the field survey step."))
    elif application.documents.exclude(kind=Document.Kind.REQUIREMENT).count() >= (
        MAX_SURVEY_FILES
    ):
        raise CaseError(
            "too_many_files",
            _("At most %(n)s survey files per application.") % {"n": MAX_SURVEY_FILES},
        )
    checked = check_upload(
        upload, kinds=DOCUMENT_KINDS, max_bytes=settings.CASE_UPLOAD_MAX_BYTES, match_name=False
    )
    content_type, digest = checked.kind.content_type, checked.sha256
    name = (upload.name or "dokumen").rsplit("/", 1)[-1]
    return Document.objects.create(
        application=application,
        kind=kind,
        requirement=requirement,
        file=upload,
        name=name,
        content_type=content_type,
        size=upload.size or 0,
        sha256=digest,
        metadata=photo_metadata(upload) if content_type != "application/pdf" else {},
        uploaded_by=by,
    )


def document_remove(*, document: Document, by: User) -> None:
    """Take back a requirement's file while the application is still a draft."""
    if document.application.status != Application.Status.DRAFT:
        raise CaseError("wrong_status", _("Files can no longer be removed."))
    if by != document.application.applicant and document.uploaded_by != by:
        raise CaseError("forbidden", _("You cannot remove this file."))
    document.file.delete(save=False)
    document.delete()


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
    transition = Transition.objects.create(
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
    application_changed.send(Application, application=application, transition=transition)
    return application


def _page(application: Application) -> str:
    """The applicant's page of the application (in the default language)."""
    with translation.override(settings.LANGUAGE_CODE):
        return settings.SITE_URL + reverse("portal:application", args=[application.pk])


def _state(application: Application) -> str:
    """What the applicant reads of where their application is: status, and step if any."""
    if application.step:
        return f"{application.get_status_display()} — {application.get_step_display()}"
    return str(application.get_status_display())


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
            "link": _page(application),
            **extra,
        },
    )


@transaction.atomic
def application_submit(*, application: Application, actor: User | None = None) -> Application:
    """Check the form and submit: the first step starts and the clock runs. ``actor`` is the
    officer who submits for a walk-in (the applicant when not given)."""
    if application.status != Application.Status.DRAFT:
        raise CaseError("wrong_status", _("Only a draft can be submitted."))
    form = validate_form(application.service, application.form_data)
    missing = missing_requirements(application)
    if missing:
        raise CaseError(
            "missing_documents",
            _("Upload every required document first: %(list)s.")
            % {"list": "; ".join(r.text for r in missing)},
            extra={"missing_requirements": [{"id": r.pk, "text": r.text} for r in missing]},
        )
    mall = application.service.agency.mall
    application = _swap(
        application,
        actor or application.applicant,
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


@dataclass(frozen=True)
class Pushed:
    application: Application
    repeated: bool  # a retry of a push already received: the case it made, as it is now


def _push_applicant(nik: str) -> User:
    """The citizen a licensing system names by NIK: an active Satu Pintu account, or a refusal
    the system can show (the citizen signs up first)."""
    applicant = User.objects.filter(nik=nik, is_active=True).first() if nik else None
    if applicant is None:
        message = _(
            "No Satu Pintu account has this NIK. The citizen signs up first, "
            "then the application can be sent."
        )
        raise CaseError("unknown_applicant", message, fields={"nik": [message]})
    return applicant


def application_push(
    *,
    integration_id: int,
    integration_mall_id: int | None,
    idempotency_key: str,
    service: Service,
    nik: str,
    form_data: dict[str, Any],
    nib: str = "",
    submit: bool = False,
) -> Pushed:
    """A licensing system files an application for the citizen with ``nik`` and, when asked,
    submits it. Pushing again with the same Idempotency-Key returns the case the first push
    made (submitting it if asked and still a draft), so a system may retry until it hears back.

    Not one transaction: a draft the submission refuses (form errors, missing documents) stays,
    for the system to complete and submit later."""
    if not idempotency_key:
        raise CaseError(
            "idempotency_key_required", _("Send an Idempotency-Key header with every push.")
        )
    if integration_mall_id and service.agency.mall_id != integration_mall_id:
        raise CaseError("not_found", _("Not found."))
    applicant = _push_applicant(nik)
    external_ref = f"{integration_id}:{idempotency_key}"
    repeated = Application.objects.filter(external_ref=external_ref).exists()
    application = application_draft(
        applicant=applicant,
        service=service,
        form_data=form_data,
        nib=nib,
        external_ref=external_ref,
    )
    if application.service_id != service.pk or application.applicant_id != applicant.pk:
        raise CaseError(
            "idempotency_key_reused",
            _("This Idempotency-Key was used for another application."),
        )
    # Only a draft is submitted, so a retry of a submitted push returns the case as it is.
    if submit and application.status == Application.Status.DRAFT:
        try:
            application = application_submit(application=application)
        except CaseError as refused:
            # Retries arriving at once: one submits, the others answer with the result.
            if refused.code != "conflict":
                raise
            application.refresh_from_db()
    return Pushed(application=application, repeated=repeated)


def _check_role(application: Application, actor: User) -> None:
    if actor.pk == application.applicant_id:
        raise CaseError("own_application", _("Nobody acts on their own application."))
    # A step the service's workflow no longer has keeps the role the default gives it.
    role = dict(workflow(application.service)).get(application.step) or dict(
        (str(step), str(role)) for step, role in DEFAULT_WORKFLOW
    ).get(application.step)
    scope = staff_scope(actor)
    if scope.is_superuser:
        return
    if not scope.acts_as([role], agency_id=application.service.agency_id):
        raise CaseError("not_your_step", _("Your role does not act at this step."))


@transaction.atomic
def application_act(
    *,
    application: Application,
    actor: User,
    action: str,
    note: str = "",
    seen_version: int | None = None,
) -> Application:
    """An officer forwards, returns for revision, or rejects, at the step their role acts on.
    ``seen_version`` is the version the officer saw (pages and the API send it): if the
    application changed since, nothing happens (conflict)."""
    if seen_version is not None and seen_version != application.version:
        raise CaseError("conflict", _("Someone else acted on this application first. Reload it."))
    check_length(note, limit=NOTE_MAX)
    if application.status != Application.Status.IN_PROGRESS:
        raise CaseError("wrong_status", _("This application is not waiting for the agency."))
    _check_role(application, actor)
    steps = [step for step, _role in workflow(application.service)]
    if application.step not in steps:
        raise CaseError(
            "workflow_changed",
            _("This step was taken out of the service's workflow: ask the administrator."),
        )
    if application.decided_at and action != "forward":
        raise CaseError(
            "decided", _("This application is approved and its document signed already.")
        )
    if action == "forward":
        if (
            application.step == Step.FIELD_SURVEY
            and not application.surveys.filter(completed_at__isnull=False).exists()
        ):
            raise CaseError("survey_needed", _("Record the field survey's result first."))
        index = steps.index(application.step)
        decided = application.decided_at is None and (
            application.step == Step.DECISION or index + 1 == len(steps)
        )
        if decided and may_not_approve(application=application, user=actor):
            raise CaseError(
                "separate_duties",
                _(
                    "You filed or checked this application, so another approver decides it "
                    "(separation of duties)."
                ),
            )
        extra: dict[str, Any] = {"decided_at": timezone.now()} if decided else {}
        if index + 1 < len(steps):
            application = _swap(application, actor, action, note, step=steps[index + 1], **extra)
        else:
            application = _swap(
                application, actor, action, note, status=Application.Status.DONE, step="", **extra
            )
        if decided:
            issuing.issue(application, signer=actor)
            _tell(application, Event.DECISION_MADE, decision=_("approved"))
            _tell(application, Event.DOCUMENT_READY)
        else:
            _tell(application, Event.APPLICATION_UPDATED, state=_state(application))
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
        application = _swap(
            application,
            actor,
            action,
            note,
            status=Application.Status.REJECTED,
            decided_at=timezone.now(),
        )
        _tell(application, Event.DECISION_MADE, decision=_("rejected: %(why)s") % {"why": note})
        return application
    raise CaseError("unknown_action", _("Unknown action."))


@transaction.atomic
def application_resubmit(
    *, application: Application, form_data: dict[str, Any], actor: User | None = None
) -> Application:
    """The applicant (or the officer who filed it for them) sends the fixed application back;
    the paused working days are added."""
    if application.status != Application.Status.REVISION:
        raise CaseError("wrong_status", _("This application was not returned for revision."))
    mall = application.service.agency.mall
    paused = working_days_between(mall=mall, start=application.paused_on, end=_today(application))
    form = validate_form(application.service, {**application.form_data, **form_data})
    application = _swap(
        application,
        actor or application.applicant,
        "resubmit",
        "",
        status=Application.Status.IN_PROGRESS,
        form_data=form,
        paused_on=None,
        due_date=working_days_after(mall=mall, start=application.due_date, days=paused)
        if paused
        else application.due_date,
    )
    _tell(application, Event.APPLICATION_UPDATED, state=_state(application))
    return application


@dataclass
class Saved:
    """What keeping a form did: the application, the errors by field (``req-<id>`` for a
    requirement's upload, ``__all__`` for the submission's refusal) and whether it was sent."""

    application: Application
    errors: dict[str, list[str]]
    sent: bool = False


def application_save(
    *,
    application: Application,
    by: User,
    form_data: dict[str, Any],
    nib: str,
    uploads: Mapping[str, File],
    submit: bool,
) -> Saved:
    """Keep the answers and the uploaded files (``uploads`` by ``req-<requirement id>``) of a
    draft or an application returned for revision, for its applicant or the officer who filed
    it; submit (or resubmit) it when asked and nothing was refused. Each part is kept on its
    own, so a refused file does not lose the answers."""
    saved = Saved(application, errors={})
    try:
        saved.application = application_update_draft(
            application=application, form_data=form_data, nib=nib
        )
    except ValidationError as invalid:
        saved.errors.update(invalid.message_dict)
    requirements = {r.pk: r for r in saved.application.service.requirements.all()}
    for key, upload in uploads.items():
        if not key.startswith("req-"):
            continue
        requirement = requirements.get(int(key[4:])) if key[4:].isdigit() else None
        if requirement is None:  # not a field of this form
            continue
        try:
            document_add(
                application=saved.application, upload=upload, by=by, requirement=requirement
            )
        except ValidationError as invalid:
            saved.errors.setdefault(key, []).extend(invalid.messages)
        except CaseError as refused:
            saved.errors.setdefault(key, []).append(refused.message)
    if saved.errors or not submit:
        return saved
    try:
        if saved.application.status == Application.Status.REVISION:
            saved.application = application_resubmit(
                application=saved.application, form_data={}, actor=by
            )
        else:
            saved.application = application_submit(application=saved.application, actor=by)
    except ValidationError as invalid:
        saved.errors.update(invalid.message_dict)
    except CaseError as refused:
        saved.errors.setdefault("__all__", []).append(refused.message)
    else:
        saved.sent = True
    return saved


@transaction.atomic
def application_cancel(*, application: Application, note: str = "") -> Application:
    """The applicant withdraws an application that is not decided yet."""
    check_length(note, limit=CANCEL_NOTE_MAX)
    if application.decided_at or application.status not in (
        Application.Status.DRAFT,
        Application.Status.IN_PROGRESS,
        Application.Status.REVISION,
    ):
        raise CaseError("wrong_status", _("This application is decided already."))
    application = _swap(
        application, application.applicant, "cancel", note, status=Application.Status.CANCELLED
    )
    if application.submitted_at:  # a draft given up needs no message
        _tell(application, Event.APPLICATION_UPDATED, state=_state(application))
    return application


def note_add(*, application: Application, author: User, text: str) -> Note:
    """An officer's note on the case, for the agency's staff."""
    if not is_agency_staff(author, application):
        raise CaseError("forbidden", _("Only the agency's staff write notes on its cases."))
    if not text.strip():
        raise CaseError("empty", _("Write the note first."))
    check_length(text, limit=NOTE_MAX)
    return Note.objects.create(application=application, author=author, text=text.strip())


def application_assign(*, application: Application, assignee: User | None, by: User) -> Application:
    """Give the case to one officer of the agency (or to nobody)."""
    if not is_agency_staff(by, application):
        raise CaseError("forbidden", _("Only the agency's staff assign its cases."))
    if assignee is not None and not is_agency_staff(assignee, application):
        raise CaseError("forbidden", _("Cases go to the agency's own officers."))
    Application.objects.filter(pk=application.pk).update(assignee=assignee)
    application.assignee = assignee
    return application


def _check_survey_step(application: Application, actor: User) -> None:
    if application.status != Application.Status.IN_PROGRESS or application.step != (
        Step.FIELD_SURVEY
    ):
        raise CaseError("wrong_step", _("This application is not at the field survey step."))
    _check_role(application, actor)


@transaction.atomic
def survey_schedule(
    *, application: Application, by: User, mode: str, scheduled_at: datetime, place: str = ""
) -> Survey:
    """The technical team sets a survey; a teleconference gets a Jitsi room of its own. The
    applicant is told and asked to confirm the time."""
    check_length(place, limit=PLACE_MAX)
    _check_survey_step(application, by)
    if mode not in Survey.Mode.values:
        raise CaseError("mode", _("Choose on site or teleconference."))
    if scheduled_at <= timezone.now():
        raise CaseError("past", _("Choose a time in the future."))
    if mode == Survey.Mode.ON_SITE and not place.strip():
        raise CaseError("place_needed", _("Say where the survey takes place."))
    survey = Survey.objects.create(
        application=application,
        mode=mode,
        scheduled_at=scheduled_at,
        place=place.strip(),
        meeting_url=meeting_link(f"Survei{application.tracking_number}")
        if mode == Survey.Mode.VIDEO
        else "",
        scheduled_by=by,
    )
    local = in_mall_time(scheduled_at, application.service.agency.mall)
    _tell(
        application,
        Event.SURVEY_SCHEDULED,
        date=local.strftime("%d-%m-%Y"),
        time=local.strftime("%H:%M"),
        mode=str(survey.get_mode_display()),
        where=survey.meeting_url or survey.place,
    )
    return survey


def survey_confirm(*, survey: Survey, by: User) -> Survey:
    """The applicant confirms the survey's time."""
    if by != survey.application.applicant:
        raise CaseError("forbidden", _("Only the applicant confirms the survey."))
    if survey.completed_at:
        raise CaseError("done", _("This survey is over."))
    Survey.objects.filter(pk=survey.pk, confirmed_at__isnull=True).update(
        confirmed_at=timezone.now()
    )
    survey.refresh_from_db()
    return survey


@transaction.atomic
def survey_complete(
    *,
    survey: Survey,
    by: User,
    findings: str,
    recommendation: str,
    report: File | None = None,
    photos: list[File] | tuple[File, ...] = (),
) -> Survey:
    """Record the result: findings, the recommendation, the berita acara and the photos (their
    GPS and time kept when they carry them)."""
    check_length(findings, limit=FINDINGS_MAX)
    application = survey.application
    _check_survey_step(application, by)
    if survey.completed_at:
        raise CaseError("done", _("This survey is over."))
    if not findings.strip() or recommendation not in Survey.Recommendation.values:
        raise CaseError("result_needed", _("Write the findings and choose a recommendation."))
    if report is not None:
        document_add(
            application=application, upload=report, by=by, kind=Document.Kind.SURVEY_REPORT
        )
    for photo in photos:
        document_add(application=application, upload=photo, by=by, kind=Document.Kind.SURVEY_PHOTO)
    survey.findings, survey.recommendation = findings.strip(), recommendation
    survey.completed_at = timezone.now()
    survey.save(update_fields=["findings", "recommendation", "completed_at"])
    return survey


# Personal data (UU 27/2022 PDP): what the law does not require to keep goes after a while.
# Issued permits and the applications behind them are never touched here.
CLOSED_WITHOUT_PERMIT = (Application.Status.REJECTED, Application.Status.CANCELLED)


def _delete_documents(documents: QuerySet[Document]) -> None:
    for document in documents:
        document.file.delete(save=False)
    documents.delete()


def _delete_applications(applications: QuerySet[Application]) -> None:
    _delete_documents(Document.objects.filter(application__in=applications))
    applications.delete()


def _untouched_since(cutoff: datetime) -> QuerySet[Application]:
    """Applications nothing has happened to since ``cutoff``."""
    return Application.objects.filter(created_at__lt=cutoff).exclude(
        transitions__created_at__gte=cutoff
    )


def cancelled_drafts_purge_older_than(*, cutoff: datetime, dry_run: bool = False) -> int:
    """Delete the drafts given up (never submitted) and left alone since ``cutoff``."""
    drafts = _untouched_since(cutoff).filter(
        status=Application.Status.CANCELLED, submitted_at__isnull=True
    )
    return in_batches(drafts, _delete_applications, dry_run=dry_run)


def rejected_uploads_purge_older_than(*, cutoff: datetime, dry_run: bool = False) -> int:
    """Delete the uploaded files (requirements and survey evidence) of submitted applications
    rejected or cancelled and left alone since ``cutoff``; the case's record stays."""
    closed = _untouched_since(cutoff).filter(
        status__in=CLOSED_WITHOUT_PERMIT, submitted_at__isnull=False
    )
    files = Document.objects.filter(application__in=closed)
    return in_batches(files, _delete_documents, dry_run=dry_run)


def case_access_purge_older_than(*, cutoff: datetime, dry_run: bool = False) -> int:
    """Delete the record of staff looks at cases made before ``cutoff``."""
    old = AccessLog.objects.filter(at__lt=cutoff)
    return in_batches(old, lambda batch: batch.delete(), dry_run=dry_run)


@transaction.atomic
def applications_forget_applicant(*, applicant: User) -> None:
    """A closed account: its open applications are withdrawn (without a message) and every
    application without an issued permit loses its form and files. An issued permit and its
    application stay as they are, with the holder's name as on the permit."""
    open_ones = applicant.applications.filter(
        status__in=[
            Application.Status.DRAFT,
            Application.Status.IN_PROGRESS,
            Application.Status.REVISION,
        ]
    )
    for application in open_ones:
        _swap(
            application,
            applicant,
            "cancel",
            _("Account closed by its owner."),
            status=Application.Status.CANCELLED,
        )
    no_permit = applicant.applications.filter(issued_document__isnull=True)
    _delete_documents(Document.objects.filter(application__in=no_permit))
    no_permit.update(form_data={}, nib="")
