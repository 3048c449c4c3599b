"""The case's life after the draft: submission, the officers' acts at each step (forward,
return for revision, reject), resubmission, cancellation, saving a form with its files, notes
and assignment. The due date counts the service's working days from submission; time spent
back with the applicant for revision does not count."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from satupintu.accounts.models import User
from satupintu.cases.access import is_agency_staff
from satupintu.cases.errors import CaseError
from satupintu.cases.models import Application, Note, Step
from satupintu.cases.services import issuing
from satupintu.cases.services.configuration import check_role, may_not_approve, workflow
from satupintu.cases.services.documents import document_add
from satupintu.cases.services.drafts import application_update_draft, missing_requirements
from satupintu.cases.services.forms import (
    CANCEL_NOTE_MAX,
    NOTE_MAX,
    answers_only,
    check_length,
    validate_form,
)
from satupintu.cases.services.transitions import applicant_state, mall_today, swap, tell_applicant
from satupintu.cases.signers import SignerSecret
from satupintu.malls.calendar import working_days_after, working_days_between
from satupintu.malls.permissions import staff_scope
from satupintu.notify.models import Event
from satupintu.notify.services import Recipient
from satupintu.surveys.models import Invitation
from satupintu.surveys.services.invitations import invitation_queue


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
    application = swap(
        application,
        actor or application.applicant,
        "submit",
        "",
        status=Application.Status.IN_PROGRESS,
        step=workflow(application.service)[0][0],
        form_data=form,
        submitted_at=timezone.now(),
        due_date=working_days_after(
            mall=mall, start=mall_today(application), days=application.service.duration_working_days
        ),
    )
    tell_applicant(application, Event.APPLICATION_RECEIVED)
    return application


def _steps_to_act_on(
    application: Application, actor: User, action: str, note: str, seen_version: int | None
) -> list[str]:
    """The workflow's steps, once ``actor`` may act on ``application`` as it is now; CaseError
    if they may not (changed since seen, not waiting, not their step, decided already)."""
    if seen_version is not None and seen_version != application.version:
        raise CaseError("conflict", _("Someone else acted on this application first. Reload it."))
    check_length(note, limit=NOTE_MAX)
    if application.status != Application.Status.IN_PROGRESS:
        raise CaseError("wrong_status", _("This application is not waiting for the agency."))
    check_role(application, actor)
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
    return steps


def forward_decides(application: Application, steps: list[str] | None = None) -> bool:
    """Whether forwarding ``application`` now approves it and signs its document: at the
    decision step, or at the last step of a workflow without one, when not decided yet."""
    if application.decided_at is not None or application.status != Application.Status.IN_PROGRESS:
        return False
    steps = steps if steps is not None else [step for step, _role in workflow(application.service)]
    return application.step == Step.DECISION or (
        application.step in steps and steps.index(application.step) + 1 == len(steps)
    )


def _assignee_at(application: Application, step: str) -> User | None:
    """Who holds the case at ``step``: the assignee, if their role acts there too; else the
    agency's one officer of that role when it has one (the head who signs, say); else nobody,
    and the step's officers take it from their queue."""
    role = dict(workflow(application.service)).get(step, "")
    agency_id = application.service.agency_id
    assignee = application.assignee
    if assignee is not None and staff_scope(assignee).acts_as([role], agency_id=agency_id):
        return assignee
    officers = list(
        User.objects.filter(
            is_active=True, memberships__agency_id=agency_id, memberships__role=role
        ).distinct()[:2]
    )
    return officers[0] if len(officers) == 1 else None


def _check_forward(application: Application, actor: User, steps: list[str]) -> None:
    if (
        application.step == Step.FIELD_SURVEY
        and not application.surveys.filter(completed_at__isnull=False).exists()
    ):
        raise CaseError("survey_needed", _("Record the field survey's result first."))
    if forward_decides(application, steps) and may_not_approve(application=application, user=actor):
        raise CaseError(
            "separate_duties",
            _(
                "You filed or checked this application, so another approver decides it "
                "(separation of duties)."
            ),
        )


def forward_check(
    *, application: Application, actor: User, note: str = "", seen_version: int | None = None
) -> None:
    """Whether ``actor`` may forward ``application`` now (CaseError if not), changing
    nothing: asked before the approver is shown what they are about to sign."""
    steps = _steps_to_act_on(application, actor, "forward", note, seen_version)
    _check_forward(application, actor, steps)


def _forward(
    application: Application,
    actor: User,
    note: str,
    steps: list[str],
    presigned: issuing.Presigned | None = None,
) -> Application:
    """To the next step, or done after the last; forwarding the decision step approves the
    application and issues its document."""
    _check_forward(application, actor, steps)
    index = steps.index(application.step)
    decided = forward_decides(application, steps)
    extra: dict[str, Any] = {"decided_at": timezone.now()} if decided else {}
    if index + 1 < len(steps):
        following = steps[index + 1]
        extra["assignee"] = _assignee_at(application, following)
        application = swap(application, actor, "forward", note, step=following, **extra)
    else:
        application = swap(
            application, actor, "forward", note, status=Application.Status.DONE, step="", **extra
        )
        applicant = application.applicant
        invitation_queue(
            source=Invitation.Source.APPLICATION,
            source_id=application.pk,
            recipient=Recipient.for_user(applicant) if applicant.is_active else None,
            name=applicant.get_full_name() or applicant.username,
            agency=application.service.agency,
            service=application.service,
        )
    if decided:
        issuing.issue(application, signer=actor, presigned=presigned)
        # One act, one message: "your document is issued" says it was approved, so the
        # applicant is not sent a decision and a document for the same click.
        tell_applicant(application, Event.DOCUMENT_READY, decision=_("approved"))
    else:
        tell_applicant(application, Event.APPLICATION_UPDATED, state=applicant_state(application))
    return application


@transaction.atomic
def application_act(
    *,
    application: Application,
    actor: User,
    action: str,
    note: str = "",
    seen_version: int | None = None,
    presigned: issuing.Presigned | None = None,
) -> Application:
    """An officer forwards, returns for revision, or rejects, at the step their role acts on.
    ``seen_version`` is the version the officer saw (pages and the API send it): if the
    application changed since, nothing happens (conflict). ``presigned``: the product an
    outside service signed already (``application_sign``)."""
    steps = _steps_to_act_on(application, actor, action, note, seen_version)
    if action == "forward":
        return _forward(application, actor, note, steps, presigned)
    if not note.strip():
        raise CaseError("reason_needed", _("Give the reason."))
    if action == "return":
        application = swap(
            application,
            actor,
            action,
            note,
            status=Application.Status.REVISION,
            paused_on=mall_today(application),
        )
        tell_applicant(application, Event.REVISION_REQUESTED, note=note)
        return application
    if action == "reject":
        application = swap(
            application,
            actor,
            action,
            note,
            status=Application.Status.REJECTED,
            decided_at=timezone.now(),
        )
        tell_applicant(
            application, Event.DECISION_MADE, decision=_("rejected: %(why)s") % {"why": note}
        )
        return application
    raise CaseError("unknown_action", _("Unknown action."))


def application_sign(
    *,
    application: Application,
    actor: User,
    note: str = "",
    seen_version: int | None = None,
    secret: SignerSecret | None = None,
) -> Application:
    """The approver approves and signs: forwarding the decision step. Where the agency signs
    through BSrE the product is signed first, outside the approval's transaction, with the
    ``secret`` the approver typed (sent once, kept nowhere); a refusal or a timeout changes
    nothing but the reserved number, which the next signing uses. Elsewhere it is
    ``application_act``'s forward."""
    forward_check(application=application, actor=actor, note=note, seen_version=seen_version)
    presigned = (
        issuing.presign(application=application, signer=actor, secret=secret)
        if forward_decides(application)
        else None
    )
    return application_act(
        application=application,
        actor=actor,
        action="forward",
        note=note,
        seen_version=seen_version,
        presigned=presigned,
    )


@transaction.atomic
def application_resubmit(
    *, application: Application, form_data: dict[str, Any], actor: User | None = None
) -> Application:
    """The applicant (or the officer who filed it for them) sends the fixed application back;
    the paused working days are added."""
    if application.status != Application.Status.REVISION:
        raise CaseError("wrong_status", _("This application was not returned for revision."))
    mall = application.service.agency.mall
    # Sent, then returned: its clock has a due date and was paused on the return.
    assert application.paused_on is not None and application.due_date is not None
    paused = working_days_between(
        mall=mall, start=application.paused_on, end=mall_today(application)
    )
    form = validate_form(application.service, {**application.form_data, **answers_only(form_data)})
    application = swap(
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
    tell_applicant(application, Event.APPLICATION_UPDATED, state=applicant_state(application))
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
    uploads: "Mapping[str, File[bytes]]",
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
    application = swap(
        application, application.applicant, "cancel", note, status=Application.Status.CANCELLED
    )
    if application.submitted_at:  # a draft given up needs no message
        tell_applicant(application, Event.APPLICATION_UPDATED, state=applicant_state(application))
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
