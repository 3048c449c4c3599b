"""What the officer's acts on a case page do and say: the approver confirms before signing
(a page of its own, no JavaScript), each act's message names what happened, the assignee
follows the step, and a survey's result waits for its day."""

import pytest
from django.urls import reverse

from satupintu.cases.models import Application, IssuedDocument, Step
from satupintu.cases.services.workflow import application_act
from satupintu.cases.tests.factories import ApplicationFactory, WorkflowServiceFactory, staff_of
from satupintu.cases.tests.test_signing import decision_service, submitted, use_tmp_signing_dir
from satupintu.malls.models import StaffMembership
from satupintu.malls.tests.factories import UserFactory, staff_member

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _signing_in_tmp(settings, tmp_path):
    use_tmp_signing_dir(settings, tmp_path)


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def test_the_approver_confirms_before_signing_and_nothing_is_signed_until_then(client):
    service = decision_service()
    staff = staff_of(service)
    approver = staff["approver"]
    StaffMembership.objects.filter(user=approver).update(
        position="Kepala Dinas", nip="197805122005011003"
    )
    application = application_act(
        application=submitted(service), actor=staff["front_office"], action="forward"
    )
    client.force_login(approver)
    act = reverse("backoffice:case-act", args=[application.pk])
    asked = client.post(act, {"action": "forward", "version": application.version, "note": "OK"})
    assert asked.status_code == 200
    assert 'name="confirmed" value="yes"' in asked.text and "Kepala Dinas" in asked.text
    assert 'value="OK"' in asked.text  # the note goes with the confirmation
    assert not IssuedDocument.objects.exists()
    application.refresh_from_db()
    assert application.step == Step.DECISION and application.decided_at is None
    signed = client.post(
        act,
        {"action": "forward", "version": application.version, "note": "OK", "confirmed": "yes"},
        follow=True,
    )
    document = IssuedDocument.objects.get(application=application)
    said = _messages(signed)
    assert "disetujui" in said and document.number in said


def test_the_confirmation_is_refused_up_front_to_who_may_not_sign(client):
    service = decision_service()
    staff = staff_of(service)
    application = application_act(
        application=submitted(service), actor=staff["front_office"], action="forward"
    )
    client.force_login(staff["front_office"])  # not the approver
    refused = client.post(
        reverse("backoffice:case-act", args=[application.pk]),
        {"action": "forward", "version": application.version},
        follow=True,
    )
    assert 'name="confirmed"' not in refused.text
    assert refused.redirect_chain[-1][0] == reverse("backoffice:case", args=[application.pk])


def test_each_act_says_what_happened_and_the_assignee_follows_the_step(client):
    service = WorkflowServiceFactory(
        form_schema=[], workflow=(Step.DOCUMENT_CHECK, Step.VERIFICATION, Step.DECISION)
    )
    front, verifier = staff_of(service, "front_office", "verifier").values()
    staff_member("verifier", agency=service.agency)  # two verifiers: the queue decides
    head = staff_member("approver", agency=service.agency, first_name="Rudi")
    case = ApplicationFactory(applicant=UserFactory(), service=service, submitted=True)
    client.force_login(front)
    took = client.post(reverse("backoffice:case-assign", args=[case.pk]), {"to": "me"}, follow=True)
    assert "ditugaskan kepada Anda" in _messages(took)
    case.refresh_from_db()
    forwarded = client.post(
        reverse("backoffice:case-act", args=[case.pk]),
        {"action": "forward", "version": case.version},
        follow=True,
    )
    said = _messages(forwarded)
    assert f"Permohonan {case.tracking_number} diteruskan ke Verifikasi" in said
    case.refresh_from_db()
    assert case.assignee is None  # the front office does not verify; two verifiers share it
    client.force_login(verifier)
    forwarded = client.post(
        reverse("backoffice:case-act", args=[case.pk]),
        {"action": "forward", "version": case.version},
        follow=True,
    )
    case.refresh_from_db()
    assert case.step == Step.DECISION and case.assignee == head  # the agency's one approver
    assert "diteruskan ke Penetapan" in _messages(forwarded) and "Rudi" in _messages(forwarded)
    client.force_login(head)
    returned = client.post(
        reverse("backoffice:case-act", args=[case.pk]),
        {"action": "return", "version": case.version, "note": "Lengkapi denah."},
        follow=True,
    )
    assert "dikembalikan kepada pemohon" in _messages(returned)
    assert Application.objects.get(pk=case.pk).status == Application.Status.REVISION
