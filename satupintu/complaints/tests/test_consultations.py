"""A citizen asks about a service; the agency answers, schedules a call, publishes the answer."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.urls import reverse

from satupintu.cases.models import Application
from satupintu.catalog.tests.factories import ServiceFactory
from satupintu.complaints.models import Consultation, Report
from satupintu.malls.models import StaffMembership
from satupintu.malls.tests.factories import AgencyFactory, UserFactory, staff_member
from satupintu.notify.models import Event, Message

pytestmark = pytest.mark.django_db


@pytest.fixture
def service():
    return ServiceFactory(name="Persetujuan Bangunan Gedung")


@pytest.fixture
def officer(service):
    return staff_member(StaffMembership.Role.VERIFIER, agency=service.agency)


def _ask(client, service, citizen):
    client.force_login(citizen)
    response = client.post(
        reverse("portal:consult", args=[service.pk]),
        {
            "subject": "Syarat PBG rumah",
            "text": "Apakah perlu gambar struktur untuk rumah 1 lantai?",
        },
    )
    assert response.status_code == 302
    return Consultation.objects.get(citizen=citizen)


def test_the_agency_answers_schedules_a_call_and_publishes_a_faq(client, service, officer):
    citizen = UserFactory()
    consultation = _ask(client, service, citizen)

    client.force_login(officer)
    url = reverse("backoffice:consultation", args=[consultation.pk])
    client.post(url, {"action": "answer", "text": "Tidak perlu untuk rumah satu lantai."})
    client.post(
        url,
        {
            "action": "call",
            "meeting_url": "https://meet.example.go.id/pbg-12",
            "meeting_at": "2026-12-02T10:00",
        },
    )
    client.post(
        url,
        {
            "action": "faq",
            "question": "Perlukah gambar struktur untuk rumah 1 lantai?",
            "text": "Tidak perlu.",
        },
    )
    consultation.refresh_from_db()
    assert consultation.status == Consultation.Status.ANSWERED
    assert consultation.meeting_url.endswith("pbg-12")

    client.force_login(citizen)
    thread = client.get(reverse("portal:consultation", args=[consultation.pk]))
    assert "Tidak perlu untuk rumah satu lantai." in thread.text
    assert "meet.example.go.id" in thread.text
    page = client.get(reverse("portal:service", args=[service.pk]))
    assert "Perlukah gambar struktur" in page.text and citizen.username not in page.text


def test_staff_of_another_agency_see_nothing(client, service):
    consultation = _ask(client, service, UserFactory())
    stranger = staff_member(StaffMembership.Role.VERIFIER, agency=AgencyFactory())
    client.force_login(stranger)
    assert client.get(reverse("backoffice:consultation", args=[consultation.pk])).status_code == 404


def test_a_consultation_becomes_a_complaint_once(client, service):
    citizen = UserFactory(email="warga@example.id")
    consultation = _ask(client, service, citizen)
    url = reverse("portal:consultation", args=[consultation.pk])
    response = client.post(url, {"action": "report"})
    assert response.status_code == 302 and "/pengaduan/LPR-" in response.url
    report = Report.objects.get()
    assert report.service == service and report.reporter == citizen
    client.post(url, {"action": "report"})
    assert Report.objects.count() == 1


def test_only_the_asker_sees_their_thread(client, service):
    consultation = _ask(client, service, UserFactory())
    client.force_login(UserFactory())
    assert client.get(reverse("portal:consultation", args=[consultation.pk])).status_code == 404


def test_a_consultation_becomes_an_application_once(client, service):
    citizen = UserFactory()
    consultation = _ask(client, service, citizen)
    url = reverse("portal:consultation", args=[consultation.pk])
    response = client.post(url, {"action": "apply"})
    application = Application.objects.get()
    assert response.url == reverse("portal:application", args=[application.pk])
    assert application.applicant == citizen and application.service == service
    assert application.status == Application.Status.DRAFT
    client.post(url, {"action": "apply"})
    assert Application.objects.count() == 1
    assert application.tracking_number in client.get(url).text


def test_a_call_without_a_link_gets_a_room_on_the_mall_jitsi_server(
    client, service, officer, settings
):
    settings.JITSI_URL = "https://vicon.mpp.example.go.id"
    consultation = _ask(client, service, UserFactory())
    client.force_login(officer)
    client.post(
        reverse("backoffice:consultation", args=[consultation.pk]),
        {"action": "call", "meeting_url": "", "meeting_at": "2026-12-02T10:00"},
    )
    consultation.refresh_from_db()
    assert consultation.meeting_url.startswith("https://vicon.mpp.example.go.id/Konsultasi")


def test_a_faq_question_too_long_is_refused_not_cut_nor_a_server_error(client, service, officer):
    from satupintu.complaints.models import FrequentAnswer
    from satupintu.complaints.services import QUESTION_MAX

    consultation = _ask(client, service, UserFactory())
    client.force_login(officer)
    url = reverse("backoffice:consultation", args=[consultation.pk])
    question = "q" * (QUESTION_MAX + 1)
    page = client.post(url, {"action": "faq", "question": question, "text": "Ya."}, follow=True)
    assert page.status_code == 200 and f"paling banyak {QUESTION_MAX}" in page.text
    assert not FrequentAnswer.objects.exists()


def test_asking_without_a_subject_or_a_question_shows_the_refusal_on_the_form(client, service):
    client.force_login(UserFactory())
    url = reverse("portal:consult", args=[service.pk])
    no_subject = client.post(url, {"subject": "  ", "text": "Apa syaratnya?"})
    assert no_subject.status_code == 200 and "Tuliskan perihalnya." in no_subject.text
    no_question = client.post(url, {"subject": "Syarat", "text": " "})
    assert no_question.status_code == 200 and "Tuliskan pertanyaan Anda." in no_question.text
    assert not Consultation.objects.exists()


def test_a_call_link_that_is_no_link_is_refused_with_a_message(client, service, officer):
    consultation = _ask(client, service, UserFactory())
    client.force_login(officer)
    url = reverse("backoffice:consultation", args=[consultation.pk])
    response = client.post(
        url, {"action": "call", "meeting_url": "bukan tautan", "meeting_at": "2026-12-02T10:00"}
    )
    assert response.status_code == 302 and response.url == url
    assert "Isi tautan panggilan video yang valid." in client.get(url).text
    consultation.refresh_from_db()
    assert consultation.meeting_url == "" and consultation.meeting_at is None


def test_a_call_on_a_day_that_does_not_exist_is_refused_not_a_server_error(
    client, service, officer
):
    consultation = _ask(client, service, UserFactory())
    client.force_login(officer)
    url = reverse("backoffice:consultation", args=[consultation.pk])
    for moment in ("2026-02-30T10:00", "2026-12-02T25:00", "besok"):
        response = client.post(url, {"action": "call", "meeting_url": "", "meeting_at": moment})
        assert response.status_code == 302 and response.url == url
        assert "Isi tanggal dan jam panggilan video." in client.get(url).text
    consultation.refresh_from_db()
    assert consultation.meeting_at is None


def test_a_call_time_without_a_zone_is_read_on_the_mall_clock(client, service, officer):
    mall = service.agency.mall
    mall.time_zone = "Asia/Makassar"  # WITA, not the project's WIB
    mall.save(update_fields=["time_zone"])
    consultation = _ask(client, service, UserFactory())
    client.force_login(officer)
    url = reverse("backoffice:consultation", args=[consultation.pk])
    client.post(url, {"action": "call", "meeting_url": "", "meeting_at": "2026-12-02T10:00"})
    consultation.refresh_from_db()
    assert consultation.meeting_at == datetime(2026, 12, 2, 10, tzinfo=ZoneInfo("Asia/Makassar"))


def test_a_refused_question_keeps_what_was_typed(client, service):
    client.force_login(UserFactory())
    url = reverse("portal:consult", args=[service.pk])
    no_subject = client.post(url, {"subject": " ", "text": "Apakah perlu gambar struktur?"})
    assert ">Apakah perlu gambar struktur?</textarea>" in no_subject.text
    too_long = "Rumah saya & tanah " + "x" * 4000
    refused = client.post(url, {"subject": "Syarat <PBG>", "text": too_long})
    assert 'value="Syarat &lt;PBG&gt;"' in refused.text
    assert "Rumah saya &amp; tanah xxx" in refused.text
    assert not Consultation.objects.exists()


def test_a_refused_message_in_the_thread_keeps_what_was_typed(client, service):
    citizen = UserFactory()
    consultation = _ask(client, service, citizen)
    url = reverse("portal:consultation", args=[consultation.pk])
    typed = "Tambahan: rumah 2 lantai. " + "y" * 4000
    refused = client.post(url, {"action": "post", "text": typed})
    assert refused.status_code == 400
    assert f">{typed}</textarea>" in refused.text
    assert 'aria-describedby="text-error"' in refused.text
    assert consultation.messages.count() == 1


def test_an_answer_from_the_agency_tells_the_citizen_on_their_channels(client, service, officer):
    citizen = UserFactory(email="siti@example.id", notification_channels=["email"])
    consultation = _ask(client, service, citizen)
    assert not Message.objects.filter(event=Event.CONSULTATION_ANSWERED).exists()
    client.force_login(officer)
    client.post(
        reverse("backoffice:consultation", args=[consultation.pk]),
        {"action": "answer", "text": "Tidak perlu untuk rumah satu lantai."},
    )
    told = Message.objects.get(event=Event.CONSULTATION_ANSWERED)
    assert told.user == citizen and told.channel == "email" and told.to == "siti@example.id"
    link = settings.SITE_URL + reverse("portal:consultation", args=[consultation.pk])
    assert link in told.body and f'href="{link}"' in told.html_body
    assert "Tidak perlu untuk rumah satu lantai." in told.body


def test_a_refused_answer_keeps_what_the_officer_typed(client, service, officer):
    consultation = _ask(client, service, UserFactory())
    client.force_login(officer)
    url = reverse("backoffice:consultation", args=[consultation.pk])
    typed = "Jawaban panjang <b>ini</b> " + "z" * 4000
    refused = client.post(url, {"action": "answer", "text": typed})
    assert refused.status_code == 400 and "paling banyak 4000" in refused.text
    assert ">Jawaban panjang &lt;b&gt;ini&lt;/b&gt; zzz" in refused.text
    assert consultation.messages.count() == 1
    assert not Message.objects.filter(event=Event.CONSULTATION_ANSWERED).exists()
