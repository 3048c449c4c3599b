"""Applications: the form checked server-side, the workflow by role, compare-and-swap, clocks."""

import threading
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from satupintu.cases.errors import CaseError
from satupintu.cases.models import Application, Step, WorkflowStep
from satupintu.cases.services.drafts import application_draft
from satupintu.cases.services.forms import FORM_VALUE_MAX, NOTE_MAX, validate_form
from satupintu.cases.services.workflow import (
    application_act,
    application_cancel,
    application_resubmit,
    application_submit,
)
from satupintu.cases.tests.factories import (
    ApplicationFactory,
    WorkflowServiceFactory,
    WorkflowStepFactory,
    staff_of,
)
from satupintu.catalog.tests.factories import ServiceFactory
from satupintu.malls.calendar import working_days_after, working_days_between
from satupintu.malls.models import StaffMembership
from satupintu.malls.services import membership_grant
from satupintu.malls.tests.factories import UserFactory
from satupintu.notify.models import Event, Message

pytestmark = pytest.mark.django_db
SCHEMA = [
    {"name": "nik", "label": "NIK", "type": "nik", "required": True},
    {"name": "fungsi", "label": "Fungsi", "type": "select", "choices": ["rumah", "usaha"]},
]


@pytest.fixture
def service():
    return WorkflowServiceFactory(
        checked_then_decided=True, name="PBG", duration_working_days=5, form_schema=SCHEMA
    )


@pytest.fixture
def staff(service):
    return staff_of(service, "front_office", "approver")


def _submitted(service):
    return ApplicationFactory(
        applicant=UserFactory(email="warga@example.id"),
        service=service,
        form_data={"nik": "3271014501900001", "fungsi": "rumah", "lain": "dibuang"},
        submitted=True,
    )


def test_lebaran_2026_and_a_weekend_do_not_count(service):
    mall = service.agency.mall
    # Tue 17 Mar 2026: Nyepi and its cuti bersama, Idul Fitri and its cuti bersama, a weekend.
    assert working_days_after(mall=mall, start=date(2026, 3, 17), days=5) == date(2026, 3, 31)
    assert working_days_between(mall=mall, start=date(2026, 3, 17), end=date(2026, 3, 31)) == 5


def test_the_form_is_checked_on_submit(service):
    bad = application_draft(
        applicant=UserFactory(), service=service, form_data={"nik": "123", "fungsi": "pabrik"}
    )
    with pytest.raises(ValidationError) as refused:
        application_submit(application=bad)
    assert set(refused.value.message_dict) == {"nik", "fungsi"}
    bad.refresh_from_db()
    assert bad.status == Application.Status.DRAFT


def test_submit_starts_the_clock_and_tells_the_applicant(service):
    application = _submitted(service)
    assert application.step == Step.DOCUMENT_CHECK
    assert application.form_data == {"nik": "3271014501900001", "fungsi": "rumah"}
    assert (
        application.due_date
        == working_days_after(
            mall=service.agency.mall, start=application.submitted_at.date(), days=5
        )
        or application.due_date > application.submitted_at.date()
    )
    assert Message.objects.filter(event=Event.APPLICATION_RECEIVED).exists()


def test_each_step_by_its_role_to_done(service, staff):
    application = _submitted(service)
    with pytest.raises(CaseError) as refused:
        application_act(application=application, actor=staff["approver"], action="forward")
    assert refused.value.code == "not_your_step"
    application = application_act(
        application=application, actor=staff["front_office"], action="forward"
    )
    assert application.step == Step.DECISION
    moved_on = Message.objects.get(event=Event.APPLICATION_UPDATED)
    assert "Diproses — Penetapan" in moved_on.body  # every move is told, in Indonesian
    application = application_act(
        application=application, actor=staff["approver"], action="forward"
    )
    assert application.status == Application.Status.DONE
    assert [t.action for t in application.transitions.all()] == ["submit", "forward", "forward"]
    # One act, one message: the issued document says it was approved.
    assert not Message.objects.filter(event=Event.DECISION_MADE).exists()
    ready = Message.objects.get(event=Event.DOCUMENT_READY)
    assert ready.context["decision"] == "disetujui"


def _told(application):
    """The applicant's messages so far, by (recipient, channel)."""
    return list(
        Message.objects.filter(user=application.applicant).values_list("to", "channel", "event")
    )


def test_each_act_on_an_application_sends_one_message_per_channel(service, staff):
    """Counted from the outbox: a submit, a forward and the approving forward each write at
    most one message to the applicant on each channel (before, approval wrote two)."""
    application = _submitted(service)
    assert len(_told(application)) == 1  # the submit
    before = len(_told(application))
    application = application_act(
        application=application, actor=staff["front_office"], action="forward"
    )
    forward = _told(application)[: len(_told(application)) - before]
    assert len(forward) == 1
    before = len(_told(application))
    application = application_act(
        application=application, actor=staff["approver"], action="forward"
    )
    approval = Message.objects.filter(user=application.applicant).order_by("-pk")[
        : len(_told(application)) - before
    ]
    assert [(m.channel, m.event) for m in approval] == [("email", Event.DOCUMENT_READY)]
    per_channel = [(m.to, m.channel) for m in approval]
    assert len(per_channel) == len(set(per_channel))


def test_return_pauses_the_clock_and_resubmit_adds_the_paused_days(service, staff):
    application = _submitted(service)
    with pytest.raises(CaseError):
        application_act(application=application, actor=staff["front_office"], action="return")
    application = application_act(
        application=application,
        actor=staff["front_office"],
        action="return",
        note="Gambar denah belum ditandatangani.",
    )
    assert application.status == Application.Status.REVISION and application.paused_on
    due = application.due_date
    mall = service.agency.mall
    three_days_ago = application.paused_on - timedelta(days=7)
    Application.objects.filter(pk=application.pk).update(paused_on=three_days_ago)
    application.refresh_from_db()
    paused = working_days_between(
        mall=mall, start=three_days_ago, end=application.paused_on + timedelta(days=7)
    )
    application = application_resubmit(application=application, form_data={"fungsi": "usaha"})
    assert application.status == Application.Status.IN_PROGRESS
    assert application.due_date == working_days_after(mall=mall, start=due, days=paused)
    assert Message.objects.filter(event=Event.REVISION_REQUESTED).exists()


def test_reject_needs_a_reason_and_cancel_only_before_a_decision(service, staff):
    application = _submitted(service)
    application = application_act(
        application=application,
        actor=staff["front_office"],
        action="reject",
        note="Bukan wewenang.",
    )
    assert application.status == Application.Status.REJECTED
    with pytest.raises(CaseError):
        application_cancel(application=application)


@pytest.mark.django_db(transaction=True)
def test_two_officers_acting_at_once_cannot_both_succeed(service):
    officers = []
    for _ in range(2):
        officer = UserFactory()
        membership_grant(
            user=officer, role=StaffMembership.Role.FRONT_OFFICE, agency=service.agency
        )
        officers.append(officer)
    application = _submitted(service)
    copies = [Application.objects.get(pk=application.pk) for _ in officers]  # both read v1
    start = threading.Barrier(2)
    outcomes = []

    def act(officer, copy):
        try:
            start.wait()
            application_act(application=copy, actor=officer, action="forward")
            outcomes.append("moved")
        except CaseError as refused:
            outcomes.append(refused.code)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=act, args=pair) for pair in zip(officers, copies, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict", "moved"]
    assert (
        Application.objects.get(pk=application.pk).transitions.filter(action="forward").count() == 1
    )


def test_after_approval_nothing_can_return_reject_or_cancel_it(service, staff):
    WorkflowStepFactory(service=service, order=3, step=Step.ISSUANCE)
    application = application_act(
        application=_submitted(service), actor=staff["front_office"], action="forward"
    )
    application = application_act(
        application=application, actor=staff["approver"], action="forward"
    )
    assert application.step == Step.ISSUANCE and application.issued_document
    for action in ("return", "reject"):
        with pytest.raises(CaseError) as refused:
            application_act(
                application=application, actor=staff["front_office"], action=action, note="x"
            )
        assert refused.value.code == "decided"
    with pytest.raises(CaseError):
        application_cancel(application=application)
    application.refresh_from_db()
    assert application.status == Application.Status.IN_PROGRESS
    done = application_act(application=application, actor=staff["front_office"], action="forward")
    assert done.status == Application.Status.DONE


def test_nobody_acts_on_their_own_application(service, staff):
    application = ApplicationFactory(
        applicant=staff["front_office"],
        service=service,
        form_data={"nik": "3271014501900001"},
        submitted=True,
    )
    with pytest.raises(CaseError) as refused:
        application_act(application=application, actor=staff["front_office"], action="forward")
    assert refused.value.code == "own_application"


def test_a_step_taken_out_of_the_workflow_is_refused_cleanly(service, staff):
    application = _submitted(service)
    WorkflowStep.objects.filter(service=service, step=Step.DOCUMENT_CHECK).delete()
    with pytest.raises(CaseError) as refused:
        application_act(application=application, actor=staff["front_office"], action="forward")
    assert refused.value.code == "workflow_changed"


def test_a_form_answer_over_its_length_is_refused_not_cut():
    service = ServiceFactory(
        form_schema=[{"name": "alamat", "label": "Alamat", "type": "textarea"}, *SCHEMA]
    )
    data = {"nik": "3271014501900001", "fungsi": "rumah", "alamat": "a" * (FORM_VALUE_MAX + 1)}
    with pytest.raises(ValidationError) as refused:
        validate_form(service, data)
    assert set(refused.value.message_dict) == {"alamat"}
    assert "2000" in refused.value.message_dict["alamat"][0]
    assert validate_form(service, {**data, "alamat": "a" * FORM_VALUE_MAX})["alamat"]


def test_a_nik_in_a_form_is_normalised_and_checked(service):
    clean = validate_form(
        service, {"nik": "３２７１ ０１４５ ０１９０ ０００１", "fungsi": "rumah"}
    )
    assert clean["nik"] == "3271014501900001"


def test_a_note_over_its_length_is_refused_and_nothing_moves(service, staff):
    application = _submitted(service)
    with pytest.raises(CaseError) as refused:
        application_act(
            application=application,
            actor=staff["front_office"],
            action="forward",
            note="n" * (NOTE_MAX + 1),
        )
    assert refused.value.code == "too_long"
    application.refresh_from_db()
    assert application.step == Step.DOCUMENT_CHECK
    with pytest.raises(CaseError):
        application_cancel(application=application, note="n" * 2001)
    application.refresh_from_db()
    assert application.status == Application.Status.IN_PROGRESS
