"""SP4N-LAPOR! synchronisation over real HTTP against FakeLapor (SPLP gateway + LAPOR! on
loopback), with the shared cache in Redis: pushes through the outbox, the gateway's token, the
periodic pull of follow-ups and of reports forwarded to the mall."""

import json
import os
import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from satupintu.cases.tests.files import png
from satupintu.complaints import services
from satupintu.complaints.errors import ReportError
from satupintu.complaints.lapor.client import LaporClient
from satupintu.complaints.lapor.fake import PREFIX, FakeLapor
from satupintu.complaints.lapor.outbox import FOLLOWUP, PUSH, RETURN
from satupintu.complaints.lapor.services import lapor_sync
from satupintu.complaints.models import LaporLink, Report, ReportEvent
from satupintu.complaints.tests.factories import ReportFactory
from satupintu.integrations.models import Integration, IntegrationEvent, OutboundCall
from satupintu.integrations.services import call_attempt
from satupintu.malls.models import StaffMembership
from satupintu.malls.tests.factories import AgencyFactory, MallFactory, UserFactory, staff_member

pytestmark = pytest.mark.django_db

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/8")
CATEGORIES = {"biaya": 436, "petugas": 15}
CLASSIFICATIONS = {"pengaduan": 6, "aspirasi": 7, "informasi": 8}


@pytest.fixture(autouse=True)
def _shared_cache(settings):
    """The gateway's token lives in the shared cache: Redis, as in production."""
    settings.CACHES = {"default": {"BACKEND": "satupintu.cache.RedisCache", "LOCATION": REDIS_URL}}
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def fake():
    server = FakeLapor()
    server.url = server.start()
    yield server
    server.stop()


@pytest.fixture
def mall():
    return MallFactory()


def _integration(mall, url, *, provider="lapor-splp", **secrets):
    integration = Integration(
        kind=Integration.Kind.LAPOR,
        provider=provider,
        name="SP4N-LAPOR!",
        mall=mall,
        base_url=url + (PREFIX if provider == "lapor-splp" else ""),
        options={
            "token_url": url + "/oauth2/token",
            "institution_id": FakeLapor.institution_id,
            "user_id": 55,
            "channel": 13,
            "classifications": CLASSIFICATIONS,
            "categories": CATEGORIES,
            "categories_default": 1,
        },
    )
    integration.set_secrets(
        {
            "consumer_key": FakeLapor.consumer_key,
            "consumer_secret": FakeLapor.consumer_secret,
            "auth_token": FakeLapor.auth_token,
            "token": FakeLapor.guid,
            **secrets,
        }
    )
    integration.save()
    return integration


@pytest.fixture
def lapor(mall, fake):
    return _integration(mall, fake.url)


def deliver(operation=None):
    """Run every call due, as the outbox's worker would (each one attempted once)."""
    calls = OutboundCall.objects.filter(status=OutboundCall.Status.PENDING)
    if operation:
        calls = calls.filter(operation=operation)
    OutboundCall.objects.filter(pk__in=calls.values("pk")).update(next_attempt_at=timezone.now())
    return [call_attempt(call_id=pk) for pk in calls.values_list("pk", flat=True)]


def filed(fake, complaint_id):
    return fake.complaints[int(complaint_id)]


def lapor_requests(fake, path):
    return [r for r in fake.requests if r.path == PREFIX + path]


def test_a_report_is_pushed_with_its_type_category_and_reporter(mall, lapor, fake):
    report = ReportFactory(mall=mall)
    call = OutboundCall.objects.get(operation=PUSH)
    assert call.payload == {"report": report.pk}  # ids only in the outbox, no identity
    assert call.retry is False  # a second POST would file a second complaint
    [done] = deliver()
    assert done.status == OutboundCall.Status.DONE
    link = LaporLink.objects.get(report=report)
    assert link.origin == LaporLink.Origin.PUSHED
    sent = filed(fake, link.complaint_id)
    assert (sent["title"], sent["content"]) == (report.title, report.text)
    assert (sent["classification_id"], sent["category_id"], sent["channel"]) == (6, 436, 13)
    assert sent["is_new_user_slider"] is True
    assert (sent["nameUser"], sent["emailUser"], sent["phoneUser"]) == (
        "Budi Santoso",
        "budi@example.id",
        "+6281234567890",
    )
    assert sent["is_anonymous"] is False and sent["is_secret"] is False
    [request] = lapor_requests(fake, "/complaints/complaint")
    assert request.header("auth") == f"Bearer {FakeLapor.auth_token}"
    assert request.header("token") == FakeLapor.guid
    assert request.header("Authorization").startswith("Bearer ")
    # Delivered again (a replay): nothing filed twice.
    OutboundCall.objects.filter(pk=call.pk).update(status=OutboundCall.Status.PENDING)
    deliver()
    assert len(fake.complaints) == 1


def test_an_anonymous_report_sends_no_identity_at_all(mall, lapor, fake):
    signed_in = UserFactory(first_name="Budi", email="budi@example.id", username="budi77")
    ReportFactory(mall=mall, anonymous=True, reporter=signed_in)
    deliver()
    [request] = lapor_requests(fake, "/complaints/complaint")
    body = request.json()
    assert body["is_anonymous"] is True
    assert body["is_new_user_slider"] is False
    for field in ("nameUser", "emailUser", "phoneUser", "user_id"):
        assert field not in body
    raw = request.body.decode()
    for trace in ("Budi", "budi", "6281234567890", str(signed_in.pk) + ","):
        assert trace not in raw


def test_a_confidential_report_is_marked_secret(mall, lapor, fake):
    ReportFactory(mall=mall, confidential=True)
    deliver()
    [request] = lapor_requests(fake, "/complaints/complaint")
    assert request.json()["is_secret"] is True
    assert request.json()["is_anonymous"] is False


def test_attachments_go_first_and_their_ids_with_the_report(mall, lapor, fake):
    report = ReportFactory(mall=mall, attachments=[png("bukti.png"), png("kuitansi.png")])
    deliver()
    [upload] = lapor_requests(fake, "/complaints/complaint/file")
    [complaint] = lapor_requests(fake, "/complaints/complaint")
    assert fake.requests.index(upload) < fake.requests.index(complaint)
    ids = json.loads(complaint.json()["attachments"])
    assert len(ids) == 2 and {fake.docs[i][0] for i in ids} == {"bukti.png", "kuitansi.png"}
    assert LaporLink.objects.filter(report=report).exists()


def test_without_an_active_integration_nothing_is_queued(mall, fake):
    ReportFactory(mall=mall)
    integration = _integration(mall, fake.url)
    integration.is_active = False
    integration.save()
    ReportFactory(mall=mall)
    _integration(MallFactory(), fake.url)  # another mall's
    ReportFactory(mall=mall)
    assert not OutboundCall.objects.exists()


def test_the_gateway_token_is_cached_and_used_until_it_nears_expiry(mall, lapor, fake):
    ReportFactory(mall=mall)
    ReportFactory(mall=mall)
    deliver()
    assert fake.tokens_issued == 1  # one token for both pushes, kept in Redis
    tokens = {r.header("Authorization") for r in lapor_requests(fake, "/complaints/complaint")}
    assert len(tokens) == 1
    # A token that lives less than the margin is used once and never kept.
    fake.token_ttl = 30
    LaporClient(lapor).forget_token()
    ReportFactory(mall=mall)
    ReportFactory(mall=mall)
    deliver()
    assert fake.tokens_issued == 3


def test_the_tokens_exp_is_read_when_expires_in_is_missing(mall, lapor, fake):
    fake.send_expires_in = False
    client = LaporClient(lapor)
    client.request("GET", "/complaints/1/complaint")
    LaporClient(lapor).request("GET", "/complaints/1/complaint")
    assert fake.tokens_issued == 1


def test_a_token_expired_mid_sync_is_fetched_again_once(mall, lapor, fake):
    ReportFactory(mall=mall)
    deliver()
    fake.expire_tokens()  # the cached token is now refused by the gateway (900901)
    ReportFactory(mall=mall)
    [done] = deliver()
    assert done.status == OutboundCall.Status.DONE
    assert fake.tokens_issued == 2
    assert len(fake.complaints) == 2
    # The same in a pull, with WSO2's older {"fault": ...} envelope.
    fake.fault_envelope = True
    fake.expire_tokens()
    assert lapor_sync(integration=lapor).failed == ""
    assert fake.tokens_issued == 3


def test_refused_consumer_credentials_are_logged_without_secrets_and_retried(mall, fake):
    integration = _integration(mall, fake.url, consumer_secret="salah-rahasia")
    ReportFactory(mall=mall)
    [call] = deliver()
    assert call.status == OutboundCall.Status.PENDING and call.attempts == 1
    assert call.last_status_code == 401 and "invalid_client" in call.last_error
    assert not fake.complaints
    logged = IntegrationEvent.objects.filter(integration=integration)
    for text in [call.last_error, call.last_answer, *logged.values_list("message", flat=True)]:
        assert "salah-rahasia" not in text and FakeLapor.auth_token not in text
    # The mall fixes the secret in the admin: the next attempt goes through.
    integration.set_secrets({"consumer_secret": FakeLapor.consumer_secret})
    integration.save()
    [call] = deliver()
    assert call.status == OutboundCall.Status.DONE


def test_a_500_is_retried_later_by_the_outbox(mall, lapor, fake):
    report = ReportFactory(mall=mall)
    fake.fail = [500]
    [call] = deliver()
    assert call.status == OutboundCall.Status.PENDING
    assert call.last_status_code == 500 and call.attempts == 1
    assert not LaporLink.objects.filter(report=report).exists() and not fake.complaints
    [call] = deliver()
    assert call.status == OutboundCall.Status.DONE and call.attempts == 2
    assert LaporLink.objects.filter(report=report).exists() and len(fake.complaints) == 1


def test_a_refused_report_is_not_retried(mall, lapor, fake):
    ReportFactory(mall=mall)
    fake.fail = [422]
    [call] = deliver()
    assert call.status == OutboundCall.Status.FAILED and call.last_status_code == 422


def test_the_direct_provider_sends_lapors_headers_only(mall):
    with FakeLapor(gateway=False) as direct:
        integration = _integration(mall, direct.base_url, provider="lapor")
        report = ReportFactory(mall=mall)
        [call] = deliver()
        assert call.status == OutboundCall.Status.DONE, call.last_error
        [request] = [r for r in direct.requests if r.path == "/complaints/complaint"]
        assert not request.header("Authorization") and direct.tokens_issued == 0
        assert LaporLink.objects.get(report=report).complaint_id in {
            str(i) for i in direct.complaints
        }
        assert integration.provider == "lapor"


@pytest.fixture
def handled(mall, lapor, fake):
    """A report pushed to LAPOR!, routed to an agency; its coordinator and officer."""
    agency = AgencyFactory(mall=mall)
    coordinator = staff_member(StaffMembership.Role.MALL_MANAGER, mall=mall)
    officer = staff_member(StaffMembership.Role.FRONT_OFFICE, agency=agency)
    report = ReportFactory(mall=mall, confidential=True)
    deliver()
    report = services.report_route(report=report, agency=agency, deadline_class=5, by=coordinator)
    deliver(FOLLOWUP)  # "in progress"
    return report, officer


def test_a_staff_answer_is_posted_as_a_follow_up_and_not_read_back(handled, lapor, fake):
    report, officer = handled
    services.report_answer(report=report, by=officer, text="Petugas telah ditegur.")
    [call] = deliver(FOLLOWUP)
    assert call.status == OutboundCall.Status.DONE, call.last_error
    complaint = filed(fake, report.lapor.complaint_id)
    [_, row] = complaint["followups"]
    assert row["content"] == "Petugas telah ditegur." and row["is_secret"] is True
    request = lapor_requests(fake, "/complaints/followup/add")[-1]
    assert request.header("Content-Type").startswith("multipart/form-data")
    # The pull sees it in LAPOR!'s list and records nothing: it is ours.
    assert lapor_sync(integration=lapor).followups == 0
    assert not report.events.filter(kind=ReportEvent.Kind.LAPOR).exists()


def test_an_answer_before_the_push_waits_for_it(mall, lapor, fake):
    agency = AgencyFactory(mall=mall)
    coordinator = staff_member(StaffMembership.Role.MALL_MANAGER, mall=mall)
    officer = staff_member(StaffMembership.Role.FRONT_OFFICE, agency=agency)
    report = ReportFactory(mall=mall)
    services.report_route(report=report, agency=agency, deadline_class=5, by=coordinator)
    services.report_answer(report=report, by=officer, text="Sudah ditindaklanjuti.")
    waiting = deliver(FOLLOWUP)  # routed ("in progress"), then answered
    assert {c.status for c in waiting} == {OutboundCall.Status.PENDING}  # not there yet
    deliver(PUSH)
    sent = deliver(FOLLOWUP)
    assert {c.status for c in sent} == {OutboundCall.Status.DONE}
    assert len(filed(fake, report.lapor.complaint_id)["followups"]) == 2


def test_lapor_follow_ups_are_recorded_once_across_pages_and_pulls(handled, lapor, fake):
    report, _ = handled
    complaint_id = int(report.lapor.complaint_id)
    fake.add_followup(
        complaint_id,
        "Laporan diteruskan dari {{institution_from}} ke {{institution_to}}: "
        "{{status_old}} menjadi {{status_new}}",
        institution_to_name="Inspektorat",
        data=json.dumps({"status_old": {"name": "Verifikasi"}, "status_new": {"name": "Proses"}}),
    )
    fake.add_followup(complaint_id, "<p>Mohon dilengkapi lokasi kejadian.</p>")
    fake.add_followup(complaint_id, "Terima kasih atas laporannya.", id=None)  # no id: hashed
    synced = lapor_sync(integration=lapor)
    assert (synced.failed, synced.followups) == ("", 3)
    assert len(lapor_requests(fake, f"/complaints/{complaint_id}/followups")) == 2  # 2 pages
    texts = list(report.events.filter(kind=ReportEvent.Kind.LAPOR).values_list("text", flat=True))
    assert texts == [
        f"Laporan diteruskan dari {FakeLapor.institution_name} ke Inspektorat: "
        "Verifikasi menjadi Proses",
        "Mohon dilengkapi lokasi kejadian.",
        "Terima kasih atas laporannya.",
    ]
    assert lapor_sync(integration=lapor).followups == 0
    fake.add_followup(complaint_id, "Laporan selesai.")
    assert lapor_sync(integration=lapor).followups == 1
    assert report.events.filter(kind=ReportEvent.Kind.LAPOR).count() == 4
    assert IntegrationEvent.objects.filter(integration=lapor, ok=True).exists()


def test_a_failed_pull_keeps_what_it_recorded_and_logs_why(handled, lapor, fake):
    report, _ = handled
    fake.add_followup(int(report.lapor.complaint_id), "Sedang diproses.")
    fake.fail = [0, 503]  # the listing of forwarded reports passes, the follow-ups fail
    synced = lapor_sync(integration=lapor)
    assert synced.failed == "SP4N-LAPOR! answered HTTP 503"
    logged = IntegrationEvent.objects.filter(integration=lapor, operation="lapor.sync").last()
    assert not logged.ok and "503" in logged.message
    assert lapor_sync(integration=lapor).followups == 1


def test_reports_forwarded_to_the_mall_are_filed_once_and_routed_like_local_ones(mall, lapor, fake):
    ours = fake.forward(
        title="Antrean KTP-el terlalu lama",
        content="Sudah tiga jam menunggu.",
        institution_id=FakeLapor.institution_id,
        classification_id=7,
        category_id=15,
        date_of_incident="2026-11-20",
    )
    secret = fake.forward(
        title="Pungli",
        content="Diminta uang.",
        institution_id=FakeLapor.institution_id,
        is_anonymous=True,
    )
    third = fake.forward(title="", content="Toilet rusak.", institution_id=FakeLapor.institution_id)
    fake.forward(title="Lain", content="Bukan untuk kita.", institution_id=999)
    synced = lapor_sync(integration=lapor)
    assert (synced.failed, synced.received) == ("", 3)
    links = LaporLink.objects.filter(origin=LaporLink.Origin.PULLED)
    assert {link.complaint_id for link in links} == {str(ours), str(secret), str(third)}
    report = LaporLink.objects.get(complaint_id=str(ours)).report
    assert (report.kind, report.category) == (Report.Kind.ASPIRATION, Report.Category.STAFF)
    assert report.status == Report.Status.SUBMITTED and report.verify_due
    assert str(report.event_date) == "2026-11-20"
    assert list(report.events.values_list("kind", flat=True)) == ["filed"]
    assert LaporLink.objects.get(complaint_id=str(secret)).report.is_anonymous
    untitled = LaporLink.objects.get(complaint_id=str(third)).report
    assert untitled.title == "Toilet rusak." and untitled.category == Report.Category.OTHER
    assert not OutboundCall.objects.filter(operation=PUSH).exists()  # not sent back
    assert lapor_sync(integration=lapor).received == 0
    assert Report.objects.count() == 3


def test_a_report_sent_from_here_is_not_pulled_back(mall, fake):
    integration = _integration(mall, fake.url)
    integration.options["disposition_id"] = FakeLapor.institution_id
    integration.save()
    ReportFactory(mall=mall)
    deliver()
    assert lapor_sync(integration=integration).received == 0
    assert Report.objects.count() == 1


def test_the_staff_page_shows_the_report_s_twin_in_lapor(client, mall, lapor, fake):
    report = ReportFactory(mall=mall)
    deliver()
    coordinator = staff_member(StaffMembership.Role.MALL_MANAGER, mall=mall)
    client.force_login(coordinator)
    page = client.get(reverse("backoffice:report", args=[report.tracking_id]))
    assert page.status_code == 200
    complaint_id = report.lapor.complaint_id
    assert f"Dikirim ke SP4N-LAPOR!: laporan {complaint_id}" in page.content.decode()


def test_a_report_without_an_answer_in_time_is_held_but_a_token_without_one_retried(
    settings, mall, lapor, fake
):
    settings.INTEGRATIONS_TIMEOUT = 0.3
    fake.delay = 2  # every answer comes after the client gave up
    ReportFactory(mall=mall)
    [call] = deliver()
    assert call.status == OutboundCall.Status.PENDING  # only the token was asked: retried
    assert not lapor_requests(fake, "/complaints/complaint")
    fake.delay = 0
    [call] = deliver()
    assert call.status == OutboundCall.Status.DONE  # and the token is cached now
    fake.delay = 2
    ReportFactory(mall=mall)
    [call] = deliver()
    # The report itself was sent and no answer came: LAPOR! may have filed it. A person checks
    # before it is sent again (replayed in the admin).
    assert call.status == OutboundCall.Status.HELD
    assert call.last_error == "no answer in time"


def test_a_forwarded_report_that_cannot_be_filed_is_logged_and_the_rest_filed(mall, lapor, fake):
    fake.forward(title="", content="   ", institution_id=FakeLapor.institution_id)
    good = fake.forward(
        title="Parkir liar", content="x" * 5000, institution_id=FakeLapor.institution_id
    )
    synced = lapor_sync(integration=lapor)
    assert (synced.failed, synced.received) == ("", 1)
    report = LaporLink.objects.get(complaint_id=str(good)).report
    assert len(report.text) == services.TEXT_MAX  # cut to what a report holds
    refused = IntegrationEvent.objects.get(integration=lapor, operation="lapor.forwarded")
    assert not refused.ok and "could not be filed" in refused.message
    assert Report.objects.count() == 1


def test_a_deployment_wide_integration_serves_malls_without_their_own(fake):
    integration = _integration(None, fake.url)
    own_mall, other_mall = MallFactory(), MallFactory()
    own = _integration(own_mall, fake.url, auth_token="token-lain")
    first = ReportFactory(mall=other_mall)
    second = ReportFactory(mall=own_mall)
    calls = {call.payload["report"]: call.integration for call in OutboundCall.objects.all()}
    assert calls == {first.pk: integration, second.pk: own}
    deliver()
    assert LaporLink.objects.get(report=first).origin == LaporLink.Origin.PUSHED
    fake.add_followup(int(first.lapor.complaint_id), "Diterima.")
    assert lapor_sync(integration=integration).followups == 1
    assert first.events.filter(kind=ReportEvent.Kind.LAPOR).count() == 1


IN_PROGRESS = "Status: sedang diproses. Laporan telah diverifikasi dan diteruskan ke {agency}."
ESCALATED = "Status: dieskalasi. Batas waktu terlewati; pengelola MPP menindaklanjuti laporan ini."
CLOSED = "Status: selesai (ditutup)."


def test_status_changes_of_a_synced_report_are_sent_to_lapor_in_order(handled, lapor, fake):
    report, officer = handled
    complaint_id = report.lapor.complaint_id
    services.reports_escalate(today=report.answer_due + timedelta(days=1))
    assert [c.status for c in deliver(FOLLOWUP)] == [OutboundCall.Status.DONE]
    services.report_answer(report=report, by=officer, text="Loket ditambah.")
    deliver(FOLLOWUP)
    services.report_rate(report=Report.objects.get(pk=report.pk), rating=4)
    [closed] = deliver(FOLLOWUP)
    assert closed.status == OutboundCall.Status.DONE, closed.last_error
    contents = [row["content"] for row in filed(fake, complaint_id)["followups"]]
    assert contents == [
        IN_PROGRESS.format(agency=report.agency.name),
        ESCALATED,
        "Loket ditambah.",
        CLOSED,
    ]
    # Read back by the pull, each is recognised as ours: no step recorded twice.
    assert lapor_sync(integration=lapor).followups == 0
    assert not report.events.filter(kind=ReportEvent.Kind.LAPOR).exists()
    # The routing note is internal: never sent.
    sent = b"".join(r.body for r in lapor_requests(fake, "/complaints/followup/add"))
    assert b"Status: sedang diproses" in sent


def test_a_routing_note_stays_here_and_templates_are_chosen_per_step(mall, lapor, fake):
    lapor.options["templates"] = {"routed": "T-PROSES"}
    lapor.options["reply_template"] = "T-BALAS"
    lapor.save()
    agency = AgencyFactory(mall=mall, name="Disdukcapil")
    coordinator = staff_member(StaffMembership.Role.MALL_MANAGER, mall=mall)
    officer = staff_member(StaffMembership.Role.FRONT_OFFICE, agency=agency)
    report = ReportFactory(mall=mall)
    deliver(PUSH)
    services.report_route(
        report=report, agency=agency, deadline_class=5, by=coordinator, note="Catatan internal X"
    )
    services.report_answer(report=report, by=officer, text="Jawaban.")
    deliver(FOLLOWUP)
    requests = lapor_requests(fake, "/complaints/followup/add")
    assert len(requests) == 2
    assert all(b"Catatan internal X" not in r.body for r in requests)
    [answer] = [r.body for r in requests if b"Jawaban." in r.body]
    [routed] = [r.body for r in requests if b"Jawaban." not in r.body]
    assert b"T-BALAS" in answer and b"T-PROSES" in routed and b"Disdukcapil" in routed


def test_a_report_not_in_lapor_sends_no_status(mall, fake):
    agency = AgencyFactory(mall=mall)
    coordinator = staff_member(StaffMembership.Role.MALL_MANAGER, mall=mall)
    report = ReportFactory(mall=mall)  # filed before the mall turned LAPOR! on
    _integration(mall, fake.url)
    services.report_route(report=report, agency=agency, deadline_class=5, by=coordinator)
    assert not OutboundCall.objects.exists()


@pytest.fixture
def forwarded(mall, lapor, fake):
    """A report LAPOR! forwarded to the mall, pulled in; the mall's coordinator."""
    complaint_id = fake.forward(
        title="Izin tambang", content="Bukan wewenang MPP.", institution_id=FakeLapor.institution_id
    )
    assert lapor_sync(integration=lapor).received == 1
    report = LaporLink.objects.get(complaint_id=str(complaint_id)).report
    return report, complaint_id, staff_member(StaffMembership.Role.MALL_MANAGER, mall=mall)


def test_a_forwarded_report_the_mall_cannot_handle_goes_back_by_lapors_reject_call(
    forwarded, lapor, fake
):
    report, complaint_id, coordinator = forwarded
    services.report_reject(
        report=report, by=coordinator, reason="Wewenang provinsi.", lapor_institution="8800"
    )
    assert not OutboundCall.objects.filter(operation=FOLLOWUP).exists()
    [call] = deliver(RETURN)
    assert call.status == OutboundCall.Status.DONE, call.last_error
    assert call.retry is False
    [returned] = fake.returns
    assert returned == {
        "complaint_id": str(complaint_id),
        "is_request": "1",
        "reason": "8800",
        "reason_description": "Wewenang provinsi.",
        "not_authority": "1",
    }
    assert fake.complaints[complaint_id]["disposition_id"] == 8800
    # LAPOR!'s log of the move is read back as a step; the report is not pulled in again.
    synced = lapor_sync(integration=lapor)
    assert (synced.failed, synced.received, synced.followups) == ("", 0, 1)
    assert Report.objects.count() == 1


def test_without_a_chosen_institution_the_integrations_default_is_used(forwarded, lapor, fake):
    report, complaint_id, coordinator = forwarded
    lapor.options["return_institution_id"] = 1
    lapor.save()
    services.report_reject(report=report, by=coordinator, reason="Bukan wewenang kami.")
    [call] = deliver(RETURN)
    assert call.status == OutboundCall.Status.DONE and fake.returns[0]["reason"] == "1"


def test_a_forwarded_report_with_no_institution_to_go_back_to_gets_a_follow_up(
    forwarded, lapor, fake
):
    report, complaint_id, coordinator = forwarded
    services.report_reject(report=report, by=coordinator, reason="Tidak jelas.")
    [call] = deliver()
    assert call.operation == FOLLOWUP and call.status == OutboundCall.Status.DONE
    assert not fake.returns
    assert fake.complaints[complaint_id]["followups"][-1]["content"] == "Tidak jelas."


@pytest.mark.parametrize("bad", ["12a", "8800\x00", "1" * 13, "-5", "\u0661\u0662"])
def test_a_bad_lapor_institution_is_refused(forwarded, bad):
    report, _, coordinator = forwarded
    with pytest.raises(ReportError):
        services.report_reject(report=report, by=coordinator, reason="x", lapor_institution=bad)
    assert Report.objects.get(pk=report.pk).status == Report.Status.SUBMITTED
    assert not OutboundCall.objects.filter(operation__in=[RETURN, FOLLOWUP]).exists()


def test_a_locally_filed_report_refused_here_is_told_by_a_follow_up(mall, lapor, fake):
    lapor.options["return_institution_id"] = 1
    lapor.save()
    coordinator = staff_member(StaffMembership.Role.MALL_MANAGER, mall=mall)
    report = ReportFactory(mall=mall)
    deliver(PUSH)
    services.report_reject(report=report, by=coordinator, reason="Bukan wewenang.")
    [call] = deliver()
    assert call.operation == FOLLOWUP and not fake.returns


def test_the_coordinator_names_the_institution_on_the_report_page(client, forwarded, fake):
    report, complaint_id, coordinator = forwarded
    client.force_login(coordinator)
    url = reverse("backoffice:report", args=[report.tracking_id])
    assert 'name="lapor_institution"' in client.get(url).content.decode()
    client.post(
        reverse("backoffice:report-act", args=[report.tracking_id]),
        {"action": "reject", "text": "Wewenang pusat.", "lapor_institution": "42"},
    )
    [call] = deliver(RETURN)
    assert call.status == OutboundCall.Status.DONE and fake.returns[0]["reason"] == "42"


def test_forwarded_reports_are_read_in_either_listing_form(mall):
    # A Laravel paginator at results.data, rows without their text, and a listing that
    # ignores the institution filter: the pull still files exactly the mall's reports.
    with FakeLapor(listing="paginator", summaries=True, filters=False) as server:
        integration = _integration(mall, server.base_url)
        ids = [
            server.forward(
                title=f"Laporan {n}", content=f"Isi {n}.", institution_id=FakeLapor.institution_id
            )
            for n in range(3)
        ]
        server.forward(title="Lain", content="Bukan untuk kita.", institution_id=999)
        synced = lapor_sync(integration=integration)
        assert (synced.failed, synced.received) == ("", 3)
        texts = sorted(Report.objects.values_list("text", flat=True))
        assert texts == ["Isi 0.", "Isi 1.", "Isi 2."]
        assert {link.complaint_id for link in LaporLink.objects.all()} == {str(i) for i in ids}
        listing = [r for r in server.requests if r.path == PREFIX + "/complaints/complaint"]
        assert len(listing) == 2  # page_size 2: two pages of four rows


def test_a_gateway_refusing_the_fresh_token_too_fails_after_one_refetch(mall, lapor, fake):
    ReportFactory(mall=mall)
    deliver()
    assert fake.tokens_issued == 1
    fake.refuse_every_token = True
    synced = lapor_sync(integration=lapor)
    assert synced.failed == "SP4N-LAPOR! refused the credentials (HTTP 401 900901)"
    assert fake.tokens_issued == 2  # refreshed once, not in a loop
    logged = IntegrationEvent.objects.filter(integration=lapor, operation="lapor.sync").last()
    assert not logged.ok and "900901" in logged.message


# --- LAPOR!'s institutions to send a report back to -------------------------------------------


def _report_page(client, report):
    return client.get(reverse("backoffice:report", args=[report.tracking_id]))


@pytest.mark.parametrize("listing", ["flat", "paginator"])
def test_the_coordinator_picks_the_institution_from_lapors_list(
    client, forwarded, lapor, fake, listing
):
    fake.listing = listing
    report, complaint_id, coordinator = forwarded
    client.force_login(coordinator)
    page = _report_page(client, report).content.decode()
    assert 'data-lapor="institutions"' in page
    assert '<option value="8801">Kementerian ESDM (fake) (8801)</option>' in page
    answer = client.post(
        reverse("backoffice:report-act", args=[report.tracking_id]),
        {"action": "reject", "text": "Wewenang kementerian.", "lapor_institution": "8801"},
    )
    assert answer.status_code == 302
    [call] = deliver(RETURN)
    assert call.status == OutboundCall.Status.DONE, call.last_error
    assert fake.returns[0]["reason"] == "8801"
    assert fake.complaints[complaint_id]["disposition_id"] == 8801


def test_lapor_down_leaves_the_typed_field_and_the_page_opens_quickly(
    client, forwarded, lapor, fake, monkeypatch
):
    from satupintu.complaints.lapor import services as lapor_services

    monkeypatch.setattr(lapor_services, "INSTITUTIONS_TIMEOUT", 0.3)
    fake.institutions_delay = 2.0
    report, _complaint_id, coordinator = forwarded
    client.force_login(coordinator)
    started = time.monotonic()
    page = _report_page(client, report)
    assert time.monotonic() - started < 1.8
    text = page.content.decode()
    assert page.status_code == 200
    assert 'data-lapor="institutions"' not in text
    assert 'id="lapor-institution" name="lapor_institution" inputmode="numeric"' in text
    assert IntegrationEvent.objects.filter(operation="lapor.institutions", ok=False).exists()


def test_lapors_list_is_read_leniently_and_kept_a_while(client, forwarded, lapor, fake):
    fake.institutions = [
        {"id": 8800, "name": "Provinsi\x00 <b>X</b>"},
        {"id": "abc", "name": "Bukan angka"},
        {"id": 8802},
        "not a row",
        {"id": 8803, "name": "  Kota   Y  "},
    ]
    report, _complaint_id, coordinator = forwarded
    client.force_login(coordinator)
    page = _report_page(client, report).content.decode()
    assert '<option value="8803">Kota Y (8803)</option>' in page
    assert "Provinsi &lt;b&gt;X&lt;/b&gt; (8800)" in page  # escaped, NUL gone
    assert "Bukan angka" not in page and 'value="8802"' not in page
    asked = len(lapor_requests(fake, "/masters/institutions/external"))
    _report_page(client, report)
    assert len(lapor_requests(fake, "/masters/institutions/external")) == asked == 1
