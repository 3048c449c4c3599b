"""A citizen's own data at /akun/data/: the whole of it to download (JSON, PDF), its download
recorded, and the account closed on their word and password, keeping only what the law keeps."""

import json

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from satupintu.accounts.models import ApiToken, PersonalDataAccess, User
from satupintu.accounts.services import api_token_create
from satupintu.booking.models import Booking, Slot
from satupintu.booking.services.bookings import booking_create
from satupintu.booking.services.slots import slots_open
from satupintu.booking.tests.factories import citizen, open_day, visit_service
from satupintu.cases.models import Application, IssuedDocument
from satupintu.cases.services.workflow import application_submit
from satupintu.cases.tests.factories import ApplicationFactory, DocumentFactory
from satupintu.cases.tests.files import PDF
from satupintu.catalog.tests.factories import RequirementFactory, ServiceFactory
from satupintu.complaints.models import Consultation, Report
from satupintu.complaints.services import consultation_ask, report_file
from satupintu.malls.models import StaffMembership
from satupintu.malls.services import membership_grant
from satupintu.malls.tests.factories import AgencyFactory
from satupintu.notify.models import Event, Message
from satupintu.notify.services import deliver_due

pytestmark = pytest.mark.django_db
PASSWORD = "secret-pass-123"


@pytest.fixture(autouse=True)
def _mail_in_memory(settings):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}


@pytest.fixture
def siti():
    siti = citizen(last_name="Aminah", phone="+6281234567890")
    User.objects.filter(pk=siti.pk).update(first_name="Siti")
    siti.refresh_from_db()
    return siti


@pytest.fixture
def her_things(siti):
    """A visit ahead, an application with a file, a permit issued, two reports (one anonymous),
    a consultation."""
    visits = visit_service()
    booking = booking_create(citizen=siti, slot=slots_open(service=visits, day=open_day()).slots[0])
    service = ServiceFactory(
        name="Izin Reklame", form_schema=[{"name": "alamat", "label": "Alamat", "type": "text"}]
    )
    requirement = RequirementFactory(service=service, text="KTP", is_mandatory=False)
    pending = ApplicationFactory(
        applicant=siti, service=service, form_data={"alamat": "Jl. Kenari 5"}
    )
    DocumentFactory(application=pending, requirement=requirement)
    pending = application_submit(application=pending)
    permitted = ApplicationFactory(
        applicant=siti, service=service, form_data={"alamat": "Jl. Kenari 5"}, submitted=True
    )
    Application.objects.filter(pk=permitted.pk).update(status=Application.Status.DONE)
    IssuedDocument.objects.create(
        application=permitted,
        number="503/0001/REK/2026",
        code="ABCD2345EFGH",
        title="Izin Reklame",
        holder_name="Siti Aminah",
        file=ContentFile(PDF, name="rek.pdf"),
        sha256="0" * 64,
        valid_from=timezone.localdate(),
    )
    mall = service.agency.mall
    common = {"mall": mall, "kind": "pengaduan", "category": "biaya", "reporter": siti}
    named = report_file(title="Loket lama", text="Antri 3 jam.", name="Siti", **common).report
    hidden = report_file(title="Rahasia", text="Tanpa nama.", anonymous=True, **common).report
    consultation_ask(citizen=siti, service=service, subject="Syarat reklame", text="Apa saja?")
    return {
        "booking": booking,
        "pending": pending,
        "permitted": permitted,
        "named": named,
        "hidden": hidden,
    }


def _signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_data_page_needs_the_citizen_signed_in(client):
    for name in ("portal:my-data", "portal:my-data-json", "portal:my-data-pdf"):
        assert client.get(reverse(name)).status_code == 302
    assert client.post(reverse("portal:account-close")).status_code == 302


def test_the_json_download_holds_everything_about_the_citizen_and_is_recorded(siti, her_things):
    client = _signed_in(siti)
    assert "data-saya.json" in client.get(reverse("portal:my-data")).text
    response = client.get(reverse("portal:my-data-json"))
    assert response["Content-Type"] == "application/json"
    assert "attachment" in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    data = json.loads(response.content)
    assert set(data) == {
        "generated_at", "profile", "bookings", "applications", "complaints", "consultations",
        "messages", "surveys",
    }  # fmt: skip
    assert data["profile"]["nik"] == siti.nik and data["profile"]["phone"] == siti.phone
    assert [b["code"] for b in data["bookings"]] == [her_things["booking"].code]
    applications = {a["tracking_number"]: a for a in data["applications"]}
    pending = applications[her_things["pending"].tracking_number]
    assert pending["form"] == {"alamat": "Jl. Kenari 5"} and pending["documents"] == ["ktp.pdf"]
    permitted = applications[her_things["permitted"].tracking_number]
    assert permitted["issued_document"]["number"] == "503/0001/REK/2026"
    assert [c["tracking_id"] for c in data["complaints"]] == [her_things["named"].tracking_id]
    assert data["consultations"][0]["messages"][0]["text"] == "Apa saja?"
    assert data["messages"] and all(m["to"] in (siti.email, str(siti.pk)) for m in data["messages"])
    access = PersonalDataAccess.objects.get()
    assert (access.user, access.subject, access.kind) == (siti, siti, "data_export")


def test_the_pdf_download_is_a_pdf_with_the_citizens_data_and_is_recorded(siti, her_things):
    response = _signed_in(siti).get(reverse("portal:my-data-pdf"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert PersonalDataAccess.objects.filter(user=siti, kind="data_export").count() == 1


def test_a_wrong_password_closes_nothing(siti, her_things):
    client = _signed_in(siti)
    refused = client.post(reverse("portal:account-close"), {"password": "wrong"})
    assert refused.status_code == 400 and "bukan kata sandi" in refused.text.lower()
    siti.refresh_from_db()
    assert siti.is_active and siti.nik and siti.check_password(PASSWORD)
    assert Booking.objects.get().status == Booking.Status.CONFIRMED
    assert not mail.outbox
    assert client.get(reverse("portal:my-data")).status_code == 200


def test_closing_the_account_erases_the_person_and_keeps_the_permit(
    siti, her_things, django_capture_on_commit_callbacks
):
    booking = her_things["booking"]
    token, _secret = api_token_create(user=siti)
    elsewhere = _signed_in(siti)
    client = _signed_in(siti)
    email, nik = siti.email, siti.nik

    assert Message.objects.filter(user=siti).exists()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(reverse("portal:account-close"), {"password": PASSWORD})
    assert done.status_code == 302

    # The confirmation waits in the outbox, to the address the account had, in no one's inbox.
    [closing] = Message.objects.filter(event=Event.ACCOUNT_CLOSED)
    assert (closing.to, closing.channel, closing.user) == (email, "email", None)
    deliver_due()
    [confirmation] = mail.outbox
    assert confirmation.to == [email] and "ditutup" in confirmation.subject
    siti.refresh_from_db()
    assert not siti.is_active and not siti.has_usable_password()
    assert (siti.first_name, siti.last_name, siti.email, siti.nik, siti.phone) == ("",) * 5
    assert siti.username == f"closed-{siti.pk}"
    assert not User.objects.filter(nik=nik).exists()
    assert not ApiToken.objects.filter(pk=token.pk).exists()
    for session in (client, elsewhere):
        assert session.get(reverse("portal:my-data")).status_code == 302  # signed out

    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert Slot.objects.get(pk=booking.slot_id).booked == 0  # the place given back

    pending = Application.objects.get(pk=her_things["pending"].pk)
    assert pending.status == Application.Status.CANCELLED
    assert pending.form_data == {} and not pending.documents.exists()
    permitted = Application.objects.get(pk=her_things["permitted"].pk)
    assert permitted.form_data == {"alamat": "Jl. Kenari 5"}
    assert permitted.issued_document.holder_name == "Siti Aminah"

    named = Report.objects.get(pk=her_things["named"].pk)
    assert named.reporter is None and named.reporter_name == "" and named.reporter_email == ""
    assert not Consultation.objects.exists()
    assert not Message.objects.filter(user=siti).exists()


def test_a_staff_account_is_not_closed_from_the_portal():
    officer = citizen()
    membership_grant(user=officer, role=StaffMembership.Role.VERIFIER, agency=AgencyFactory())
    admin_user = citizen()
    User.objects.filter(pk=admin_user.pk).update(is_staff=True)
    admin_user.refresh_from_db()
    for user in (officer, admin_user):
        refused = _signed_in(user).post(reverse("portal:account-close"), {"password": PASSWORD})
        assert refused.status_code == 400 and "Akun petugas" in refused.text
        user.refresh_from_db()
        assert user.is_active and user.nik and user.check_password(PASSWORD)
