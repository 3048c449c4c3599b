"""A service's workflow: its steps and the role acting at each, who may change them (recorded
as workflow changes), and the separation of duties between filing, checking and approving."""

from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from satupintu.accounts.models import User
from satupintu.cases.errors import CaseError
from satupintu.cases.models import (
    DEFAULT_WORKFLOW,
    Application,
    Step,
    Transition,
    WorkflowChange,
    WorkflowPolicy,
    WorkflowStep,
)
from satupintu.catalog.models import Service
from satupintu.malls.models import StaffMembership
from satupintu.malls.permissions import staff_scope

# The steps at which an officer checks a case: whoever forwarded it there does not approve it.
CHECK_STEPS = (Step.DOCUMENT_CHECK, Step.VERIFICATION)


def workflow(service: Service) -> list[tuple[str, str]]:
    """(step, role) in order: the service's own steps, or the default ones."""
    own = list(WorkflowStep.objects.filter(service=service).values_list("step", "role"))
    return own or [(str(step), str(role)) for step, role in DEFAULT_WORKFLOW]


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


def check_role(application: Application, actor: User) -> None:
    """CaseError unless ``actor`` holds the role acting at the application's step (and is not
    its applicant)."""
    if actor.pk == application.applicant_id:
        raise CaseError("own_application", _("Nobody acts on their own application."))
    # A step the service's workflow no longer has keeps the role the default gives it.
    role = dict(workflow(application.service)).get(application.step) or dict(
        (str(step), str(role)) for step, role in DEFAULT_WORKFLOW
    ).get(application.step)
    scope = staff_scope(actor)
    if scope.is_superuser:
        return
    if not role or not scope.acts_as([role], agency_id=application.service.agency_id):
        raise CaseError("not_your_step", _("Your role does not act at this step."))
