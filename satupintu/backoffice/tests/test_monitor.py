"""The ministry monitor looks and changes nothing; a coordinator answers a complaint for an
agency only explicitly, and that is recorded."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from satupintu.catalog.tests.factories import ServiceFactory
from satupintu.complaints import services
from satupintu.complaints.models import (
    Consultation,
    ConsultationMessage,
    FrequentAnswer,
    Report,
    ReportEvent,
)
from satupintu.complaints.tests.factories import ConsultationFactory, ReportFactory
from satupintu.malls.models import StaffMembership
from satupintu.malls.tests.factories import UserFactory, staff_member
from satupintu.notify.models import Channel, Event, Message
from satupintu.notify.services import Recipient, notify

pytestmark = pytest.mark.django_db
Role = StaffMembership.Role


@pytest.fixture
def service():
    return ServiceFactory(name="Persetujuan Bangunan Gedung")


def _member(role, *, mall=None, agency=None):
    return staff_member(role, mall=mall, agency=agency)


@pytest.fixture
def monitor():
    return _member(Role.MINISTRY_MONITOR)


@pytest.fixture
def coordinator(service):
    return _member(Role.MALL_MANAGER, mall=service.agency.mall)


@pytest.fixture
def routed(service, coordinator):
    report = ReportFactory(mall=service.agency.mall, name="Budi", phone="")
    return services.report_route(
        report=report, agency=service.agency, deadline_class=5, by=coordinator
    )


def _state(report):
    report.refresh_from_db()
    return report.status, list(report.events.values_list("kind", "actor_id", "text"))


def test_the_monitor_reads_a_report_but_answers_routes_or_rejects_nothing(client, monitor, routed):
    before = _state(routed)
    client.force_login(monitor)
    page = client.get(reverse("backoffice:report", args=[routed.tracking_id]))
    assert page.status_code == 200 and 'value="answer' not in page.text

    act = reverse("backoffice:report-act", args=[routed.tracking_id])
    for action in ("answer", "answer_on_behalf", "route", "reject"):
        response = client.post(act, {"action": action, "text": "Dijawab kementerian"})
        assert response.status_code == 403, action
    assert _state(routed) == before


def test_the_monitor_cannot_answer_through_the_api_or_the_service(monitor, routed):
    before = _state(routed)
    api = APIClient()
    api.force_authenticate(monitor)
    for action in ("answer", "route"):
        response = api.post(
            f"/api/v1/staff/reports/{routed.tracking_id}/{action}/",
            {"text": "Dijawab", "reason": "x", "agency": routed.agency_id, "deadline_class": 5},
            format="json",
        )
        assert response.status_code == 403, action
    with pytest.raises(services.ReportError):
        services.report_answer(report=routed, by=monitor, text="Dijawab")
    with pytest.raises(services.ReportError):
        services.report_answer(report=routed, by=monitor, text="Dijawab", on_behalf=True)
    assert _state(routed) == before


def test_a_coordinator_answers_for_the_agency_only_explicitly_and_it_is_recorded(
    client, coordinator, routed
):
    before = _state(routed)
    client.force_login(coordinator)
    act = reverse("backoffice:report-act", args=[routed.tracking_id])
    page = client.get(reverse("backoffice:report", args=[routed.tracking_id]))
    assert 'value="answer_on_behalf"' in page.text and 'value="answer"' not in page.text

    assert client.post(act, {"action": "answer", "text": "Lewat pintu samping"}).status_code == 403
    api = APIClient()
    api.force_authenticate(coordinator)
    side_door = api.post(
        f"/api/v1/staff/reports/{routed.tracking_id}/answer/", {"text": "x"}, format="json"
    )
    assert side_door.status_code == 403
    assert _state(routed) == before

    client.post(act, {"action": "answer_on_behalf", "text": "Petugas telah ditegur."})
    routed.refresh_from_db()
    assert routed.status == Report.Status.ANSWERED
    event = routed.events.get(kind=ReportEvent.Kind.ANSWERED_ON_BEHALF)
    assert event.actor == coordinator and event.text == "Petugas telah ditegur."
    assert not routed.events.filter(kind=ReportEvent.Kind.ANSWERED).exists()


def test_the_agency_still_answers_its_report(client, service, routed):
    officer = _member(Role.VERIFIER, agency=service.agency)
    client.force_login(officer)
    client.post(
        reverse("backoffice:report-act", args=[routed.tracking_id]),
        {"action": "answer", "text": "Sudah ditangani."},
    )
    routed.refresh_from_db()
    assert routed.status == Report.Status.ANSWERED
    assert routed.events.get(kind=ReportEvent.Kind.ANSWERED).actor == officer


def test_the_monitor_answers_schedules_and_publishes_no_consultation(client, service, monitor):
    citizen = UserFactory()
    consultation = ConsultationFactory(citizen=citizen, service=service)

    def state():
        consultation.refresh_from_db()
        return (
            consultation.status,
            consultation.meeting_url,
            consultation.meeting_at,
            ConsultationMessage.objects.count(),
            FrequentAnswer.objects.count(),
        )

    before = state()
    client.force_login(monitor)
    url = reverse("backoffice:consultation", args=[consultation.pk])
    page = client.get(url)
    assert page.status_code == 200 and "<form" not in page.text.split("<main")[-1]
    for data in (
        {"action": "answer", "text": "Tidak perlu."},
        {
            "action": "call",
            "meeting_url": "https://meet.example.go.id/x",
            "meeting_at": "2026-12-02T10:00",
        },
        {"action": "faq", "question": "Perlu?", "text": "Tidak."},
    ):
        assert client.post(url, data).status_code == 403, data["action"]
    assert state() == before
    assert Consultation.objects.get().status == Consultation.Status.OPEN


def test_the_monitor_resends_no_message_from_the_admin(client, monitor, service):
    message = notify(
        event=Event.APPLICATION_RECEIVED,
        mall=service.agency.mall,
        context={"name": "A"},
        recipient=Recipient(email="a@example.id", channels=(Channel.EMAIL,)),
    )
    Message.objects.update(status=Message.Status.FAILED)
    client.force_login(monitor)
    # The monitor does not even read what citizens are told (UU 27/2022: personal data).
    assert client.get(reverse("admin:notify_message_changelist")).status_code == 403

    client.post(
        reverse("admin:notify_message_changelist"),
        {"action": "resend", "_selected_action": [message.pk], "index": 0},
    )
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED
