"""Tracking an application shows its steps to whoever has its number and the phone's last
four digits, and never personal data; the WhatsApp bot answers STATUS to the applicant."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from satupintu.cases.models import Step, WorkflowStep
from satupintu.cases.services import application_act, application_draft, application_submit
from satupintu.catalog.tests.factories import ServiceFactory
from satupintu.malls.services import membership_grant
from satupintu.malls.tests.factories import UserFactory
from satupintu.notify import bot

pytestmark = pytest.mark.django_db
PHONE = "+6281234567890"


@pytest.fixture
def application():
    service = ServiceFactory(name="Surat Izin Praktik Bidan", form_schema=[])
    WorkflowStep.objects.create(service=service, order=1, step=Step.VERIFICATION, role="verifier")
    WorkflowStep.objects.create(service=service, order=2, step=Step.DECISION, role="approver")
    applicant = UserFactory(
        first_name="Siti",
        last_name="Aminah",
        email="siti@example.id",
        phone=PHONE,
        nik="3271014501900001",
    )
    verifier = UserFactory()
    membership_grant(user=verifier, role="verifier", agency=service.agency)
    submitted = application_submit(
        application=application_draft(applicant=applicant, service=service, form_data={})
    )
    return application_act(application=submitted, actor=verifier, action="forward")


def test_tracking_shows_the_steps_and_nothing_personal(client, application):
    page = client.get(
        reverse("portal:tracking"), {"nomor": application.tracking_number, "hp": "7890"}
    )
    assert page.status_code == 200
    assert "Verifikasi" in page.text and "Penetapan" in page.text and "sekarang" in page.text
    for personal in ("Siti", "Aminah", "siti@example.id", "3271014501900001", PHONE):
        assert personal not in page.text
    wrong = client.get(
        reverse("portal:tracking"), {"nomor": application.tracking_number, "hp": "0000"}
    )
    assert wrong.status_code == 404 and "Penetapan" not in wrong.text


def test_the_api_tracks_with_the_last_four_digits(application):
    api = APIClient()
    url = f"/api/v1/track/{application.tracking_number}/"
    body = api.get(url, {"phone_last4": "7890"}).json()
    assert body["status"] == "in_progress"
    assert [s["step"] for s in body["steps"]] == ["verifikasi", "penetapan"]
    assert body["steps"][0]["done_at"] and body["steps"][1]["current"]
    assert "Siti" not in str(body) and PHONE not in str(body)
    assert api.get(url, {"phone_last4": "1234"}).status_code == 404


def test_the_bot_answers_status_for_applications_and_reports_alike(application):
    reply = bot.answer(phone=PHONE, text=f"STATUS {application.tracking_number}")
    assert application.tracking_number in reply and "Penetapan" in reply
    assert "Penetapan" not in bot.answer(
        phone="+6281299998888", text=f"STATUS {application.tracking_number}"
    )
