"""Separation of duties: the mall's manager configures workflows (never the agency's own
officers), a workflow keeps the approver at the decision, whoever filed or checked a case does
not approve it, and every workflow change is on record."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from satupintu.cases.errors import CaseError
from satupintu.cases.models import Application, Step, WorkflowChange, WorkflowPolicy, WorkflowStep
from satupintu.cases.services.configuration import (
    workflow,
    workflow_policy_set,
    workflow_step_delete,
    workflow_step_save,
)
from satupintu.cases.services.drafts import application_draft
from satupintu.cases.services.workflow import application_act, application_submit
from satupintu.cases.tests.factories import WorkflowServiceFactory
from satupintu.cases.tests.test_signing import (
    SCHEMA,
    decision_service,
    submitted,
    use_tmp_signing_dir,
)
from satupintu.catalog.tests.factories import ServiceFactory
from satupintu.malls.models import StaffMembership
from satupintu.malls.tests.factories import MallFactory, UserFactory, staff_member

pytestmark = pytest.mark.django_db
AGENCY_ROLES = ("front_office", "verifier", "technical_team", "approver")


@pytest.fixture(autouse=True)
def _signing_in_tmp(settings, tmp_path):
    use_tmp_signing_dir(settings, tmp_path)


@pytest.fixture
def service():
    return decision_service()


@pytest.fixture
def manager(service):
    return staff_member(StaffMembership.Role.MALL_MANAGER, mall=service.agency.mall, is_staff=True)


def _officer(service, *roles):
    return staff_member(*roles, agency=service.agency, is_staff=True)


def _steps(service):
    return list(WorkflowStep.objects.filter(service=service).values_list("order", "step", "role"))


# --- who configures a workflow --------------------------------------------------------------


@pytest.mark.parametrize("role", AGENCY_ROLES)
def test_no_officer_of_the_agency_changes_its_workflow(service, role):
    officer = _officer(service, role)
    before = _steps(service)
    step = WorkflowStep(service=service, order=3, step=Step.ISSUANCE, role="front_office")
    with pytest.raises(CaseError) as refused:
        workflow_step_save(step=step, by=officer)
    assert refused.value.code == "forbidden"
    first = WorkflowStep.objects.get(service=service, order=1)
    with pytest.raises(CaseError):
        workflow_step_delete(step=first, by=officer)
    with pytest.raises(CaseError):
        workflow_policy_set(service=service, separate_duties=False, by=officer)
    assert _steps(service) == before and not WorkflowChange.objects.exists()
    assert not WorkflowPolicy.objects.exists()


def test_another_malls_manager_changes_nothing(service):
    stranger = staff_member(StaffMembership.Role.MALL_MANAGER, mall=MallFactory(), is_staff=True)
    with pytest.raises(CaseError) as refused:
        workflow_step_save(
            step=WorkflowStep(service=service, order=3, step=Step.ISSUANCE, role="front_office"),
            by=stranger,
        )
    assert refused.value.code == "forbidden" and not WorkflowChange.objects.exists()


def test_the_manager_adds_changes_and_removes_steps_and_each_change_is_recorded(service, manager):
    added = workflow_step_save(
        step=WorkflowStep(service=service, order=3, step=Step.ISSUANCE, role="front_office"),
        by=manager,
    )
    added.role = "verifier"
    workflow_step_save(step=added, by=manager)
    workflow_step_delete(step=added, by=manager)
    changes = list(WorkflowChange.objects.order_by("pk").values("action", "before", "after"))
    row = {"order": 3, "step": "penerbitan"}
    assert changes == [
        {"action": "added", "before": None, "after": {**row, "role": "front_office"}},
        {
            "action": "changed",
            "before": {**row, "role": "front_office"},
            "after": {**row, "role": "verifier"},
        },
        {"action": "removed", "before": {**row, "role": "verifier"}, "after": None},
    ]
    assert set(WorkflowChange.objects.values_list("actor", flat=True)) == {manager.pk}
    assert all(c.at is not None for c in WorkflowChange.objects.all())


def test_a_superuser_configures_any_workflow(service):
    admin = UserFactory(is_staff=True, is_superuser=True)
    workflow_step_save(
        step=WorkflowStep(service=service, order=3, step=Step.ISSUANCE, role="front_office"),
        by=admin,
    )
    assert WorkflowChange.objects.get().actor == admin


# --- the approver stays at the decision ------------------------------------------------------


@pytest.mark.parametrize("role", ["front_office", "verifier", "technical_team"])
def test_the_decision_step_keeps_the_approver(service, manager, role):
    decision = WorkflowStep.objects.get(service=service, step=Step.DECISION)
    decision.role = role
    with pytest.raises(CaseError) as refused:
        workflow_step_save(step=decision, by=manager)
    assert refused.value.code == "approver_needed"
    decision.refresh_from_db()
    assert decision.role == "approver"
    decision.step = Step.ISSUANCE  # the decision step moved away is the same refusal
    with pytest.raises(CaseError):
        workflow_step_save(step=decision, by=manager)
    assert not WorkflowChange.objects.exists()


def test_the_decision_step_is_not_removed_while_other_steps_remain(service, manager):
    decision = WorkflowStep.objects.get(service=service, step=Step.DECISION)
    with pytest.raises(CaseError) as refused:
        workflow_step_delete(step=decision, by=manager)
    assert refused.value.code == "approver_needed"
    assert WorkflowStep.objects.filter(pk=decision.pk).exists()


def test_a_new_workflow_starts_with_its_decision_step(manager, service):
    fresh = ServiceFactory(agency=service.agency, form_schema=[])
    with pytest.raises(CaseError):
        workflow_step_save(
            step=WorkflowStep(
                service=fresh, order=1, step=Step.DOCUMENT_CHECK, role="front_office"
            ),
            by=manager,
        )
    workflow_step_save(
        step=WorkflowStep(service=fresh, order=2, step=Step.DECISION, role="approver"), by=manager
    )
    workflow_step_save(
        step=WorkflowStep(service=fresh, order=1, step=Step.DOCUMENT_CHECK, role="front_office"),
        by=manager,
    )
    assert workflow(fresh) == [("pemeriksaan_berkas", "front_office"), ("penetapan", "approver")]


def test_removing_every_step_returns_to_the_default_workflow(service, manager):
    first = WorkflowStep.objects.get(service=service, order=1)
    workflow_step_delete(step=first, by=manager)
    workflow_step_delete(step=WorkflowStep.objects.get(service=service), by=manager)
    assert ("penetapan", "approver") in workflow(service)
    assert WorkflowChange.objects.filter(action="removed").count() == 2


# --- whoever filed or checked does not approve -----------------------------------------------


def _at_decision(service, forwarder):
    application = submitted(service)
    return application_act(application=application, actor=forwarder, action="forward")


def test_the_officer_who_checked_the_documents_does_not_approve(service):
    both = _officer(service, "front_office", "approver")
    application = _at_decision(service, both)
    with pytest.raises(CaseError) as refused:
        application_act(application=application, actor=both, action="forward")
    assert refused.value.code == "separate_duties"
    application.refresh_from_db()
    assert application.step == Step.DECISION and application.decided_at is None
    assert not hasattr(application, "issued_document") or application.issued_document is None


def test_the_officer_who_verified_does_not_approve():
    service = WorkflowServiceFactory(verified_then_decided=True, form_schema=SCHEMA)
    both = _officer(service, "verifier", "approver")
    application = _at_decision(service, both)
    with pytest.raises(CaseError) as refused:
        application_act(application=application, actor=both, action="forward")
    assert refused.value.code == "separate_duties"


def test_the_officer_who_filed_a_walk_in_does_not_approve(service):
    filer = _officer(service, "front_office", "approver")
    checker = _officer(service, "front_office")
    draft = application_draft(
        applicant=UserFactory(),
        service=service,
        form_data={"nik": "3271014501900009", "fungsi": "usaha"},
        filed_by=filer,
    )
    application = application_submit(application=draft, actor=filer)
    application = application_act(application=application, actor=checker, action="forward")
    with pytest.raises(CaseError) as refused:
        application_act(application=application, actor=filer, action="forward")
    assert refused.value.code == "separate_duties"


def test_another_approver_approves(service):
    checker = _officer(service, "front_office", "approver")
    application = _at_decision(service, checker)
    approver = _officer(service, "approver")
    application = application_act(application=application, actor=approver, action="forward")
    assert application.decided_at is not None and application.issued_document.signed_by == approver


def test_with_separation_off_the_checker_may_approve_and_the_switch_is_recorded(service, manager):
    workflow_policy_set(service=service, separate_duties=False, by=manager)
    both = _officer(service, "front_office", "approver")
    application = _at_decision(service, both)
    application = application_act(application=application, actor=both, action="forward")
    assert application.decided_at is not None
    change = WorkflowChange.objects.get()
    assert (change.action, change.actor, change.before, change.after) == (
        "policy",
        manager,
        {"separate_duties": True},
        {"separate_duties": False},
    )


def test_the_case_page_and_the_api_say_why_the_checker_cannot_approve(client, service):
    both = _officer(service, "front_office", "approver")
    application = _at_decision(service, both)
    client.force_login(both)
    page = client.get(reverse("backoffice:case", args=[application.pk]))
    assert 'data-duties="apart"' in page.text
    api = APIClient()
    api.force_authenticate(both)
    answer = api.post(
        reverse("api:application-transitions", args=[application.pk]),
        {"action": "forward", "version": application.version},
        format="json",
    )
    assert answer.status_code == 403, answer.content
    assert answer.json()["error"]["code"] == "separate_duties"
    assert Application.objects.get(pk=application.pk).decided_at is None
    other = _officer(service, "approver")
    client.force_login(other)
    assert (
        'data-duties="apart"'
        not in client.get(reverse("backoffice:case", args=[application.pk])).text
    )


# --- the admin -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", AGENCY_ROLES)
def test_the_agency_sees_its_workflow_read_only_in_the_admin(client, service, role):
    officer = _officer(service, role)
    client.force_login(officer)
    step = WorkflowStep.objects.get(service=service, order=1)
    assert client.get(reverse("admin:cases_workflowstep_changelist")).status_code == 200
    page = client.get(reverse("admin:cases_workflowstep_change", args=[step.pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.text
    assert client.get(reverse("admin:cases_workflowstep_add")).status_code == 403
    changed = client.post(
        reverse("admin:cases_workflowstep_change", args=[step.pk]),
        {"order": 1, "step": step.step, "role": "approver"},
    )
    assert changed.status_code == 403
    deleted = client.post(
        reverse("admin:cases_workflowstep_delete", args=[step.pk]), {"post": "yes"}
    )
    assert deleted.status_code == 403
    assert _steps(service)[0] == (1, "pemeriksaan_berkas", "front_office")
    assert client.get(reverse("admin:cases_workflowchange_changelist")).status_code == 200


def test_the_manager_changes_a_step_in_the_admin_and_the_history_shows_it(client, service, manager):
    client.force_login(manager)
    step = WorkflowStep.objects.get(service=service, order=1)
    saved = client.post(
        reverse("admin:cases_workflowstep_change", args=[step.pk]),
        {"order": 1, "step": Step.DOCUMENT_CHECK, "role": "verifier"},
    )
    assert saved.status_code == 302
    history = client.get(reverse("admin:cases_workflowchange_changelist"))
    assert manager.username in history.text and "verifier" in history.text
    change = WorkflowChange.objects.get()
    assert client.get(reverse("admin:cases_workflowchange_add")).status_code == 403
    assert (
        client.post(
            reverse("admin:cases_workflowchange_delete", args=[change.pk]), {"post": "yes"}
        ).status_code
        == 403
    )


def test_the_admin_refuses_to_take_the_approver_from_the_decision(client, service, manager):
    client.force_login(manager)
    decision = WorkflowStep.objects.get(service=service, step=Step.DECISION)
    page = client.post(
        reverse("admin:cases_workflowstep_change", args=[decision.pk]),
        {"order": decision.order, "step": Step.DECISION, "role": "verifier"},
    )
    assert page.status_code == 200 and "pejabat penyetuju" in page.text
    decision.refresh_from_db()
    assert decision.role == "approver" and not WorkflowChange.objects.exists()
    removed = client.post(
        reverse("admin:cases_workflowstep_delete", args=[decision.pk]),
        {"post": "yes"},
        follow=True,
    )
    assert "pejabat penyetuju" in removed.text
    assert WorkflowStep.objects.filter(pk=decision.pk).exists()
