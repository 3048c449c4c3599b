"""Webhooks: each change of an application is posted, signed, to a real receiver on loopback;
failures are retried with growing delays; scopes hold; nothing personal leaves."""

import hashlib
import hmac
import json
import threading
from datetime import timedelta
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from satupintu import outbox
from satupintu.api import tasks, webhooks
from satupintu.api.models import Webhook, WebhookDelivery
from satupintu.cases.models import Step
from satupintu.cases.services.workflow import application_act, application_submit
from satupintu.cases.tests.factories import ApplicationFactory, WorkflowServiceFactory
from satupintu.celery import app
from satupintu.malls.tests.factories import AgencyFactory, MallFactory, UserFactory, staff_member

pytestmark = pytest.mark.django_db
NIK = "3271014501900001"
PHONE = "+6281234567890"
PERSONAL = ["Siti", "Aminah", "siti@example.id", NIK, PHONE, "Jl. Pajajaran 7"]


class Receiver:
    """An HTTP server on 127.0.0.1 that records each POST and answers the statuses queued in
    ``answers`` (200 once they run out)."""

    def __init__(self) -> None:
        self.received: list[tuple[Message, bytes]] = []
        self.answers: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((self.headers, body))  # case-insensitive
                self.send_response(receiver.answers.pop(0) if receiver.answers else 200)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/satupintu"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def bodies(self) -> list[dict]:
        return [json.loads(body) for _headers, body in self.received]


@pytest.fixture
def receiver():
    receiver = Receiver()
    receiver.thread.start()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


@pytest.fixture
def service():
    return WorkflowServiceFactory(
        name="Persetujuan Bangunan Gedung",
        workflow=((Step.DOCUMENT_CHECK, "verifier"), Step.VERIFICATION, Step.DECISION),
        form_schema=[
            {"name": "nik", "label": "NIK", "type": "nik", "required": True},
            {"name": "alamat", "label": "Alamat", "type": "text"},
        ],
    )
    return service


@pytest.fixture
def verifier(service):
    return staff_member("verifier", agency=service.agency)


@pytest.fixture
def draft(service):
    applicant = UserFactory(
        first_name="Siti", last_name="Aminah", email="siti@example.id", phone=PHONE, nik=NIK
    )
    return ApplicationFactory(
        applicant=applicant, service=service, form_data={"nik": NIK, "alamat": "Jl. Pajajaran 7"}
    )


def _submit(draft, run_on_commit):
    with run_on_commit(execute=True):
        return application_submit(application=draft)


def test_a_change_is_posted_signed_and_without_personal_data(
    receiver, draft, verifier, django_capture_on_commit_callbacks
):
    hook = Webhook.objects.create(name="SiCantik", url=receiver.url)
    application = _submit(draft, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        application_act(application=application, actor=verifier, action="forward")

    assert len(receiver.received) == 2
    headers, raw = receiver.received[1]
    timestamp, signature = (
        part.split("=", 1)[1] for part in headers["X-SatuPintu-Signature"].split(",")
    )
    expected = hmac.new(
        hook.secret.encode(), f"{timestamp}.".encode() + raw, hashlib.sha256
    ).hexdigest()
    assert hmac.compare_digest(signature, expected)
    assert webhooks.verify(hook.secret, raw, headers["X-SatuPintu-Signature"])
    assert not webhooks.verify(hook.secret, raw + b" ", headers["X-SatuPintu-Signature"])
    assert not webhooks.verify("another-secret", raw, headers["X-SatuPintu-Signature"])
    assert headers["Content-Type"] == "application/json"
    assert headers["X-SatuPintu-Event"] == "application.status_changed"

    body = json.loads(raw)
    delivery = WebhookDelivery.objects.get(pk=headers["X-SatuPintu-Delivery"])
    assert body["id"] == str(delivery.pk) and delivery.webhook == hook
    assert set(body) == {"event", "id", "occurred_at", "application", "transition"}
    assert body["application"] == {
        "id": application.pk,
        "tracking_number": application.tracking_number,
        "service": {"id": application.service_id, "name": "Persetujuan Bangunan Gedung"},
        "agency": {"id": application.service.agency_id, "name": application.service.agency.name},
        "mall": application.service.agency.mall.slug,
        "status": "in_progress",
        "step": "verifikasi",
        "due_date": application.due_date.isoformat(),
    }
    assert {k: v for k, v in body["transition"].items() if k != "at"} == {
        "action": "forward",
        "from_status": "in_progress",
        "to_status": "in_progress",
        "from_step": "pemeriksaan_berkas",
        "to_step": "verifikasi",
    }
    assert [b["transition"]["action"] for b in receiver.bodies()] == ["submit", "forward"]
    for _headers, sent in receiver.received:
        for personal in PERSONAL:
            assert personal.encode() not in sent
    assert delivery.status == WebhookDelivery.Status.DELIVERED
    assert delivery.attempts == 1 and delivery.last_status_code == 200 and delivery.delivered_at


def test_nothing_is_recorded_or_sent_for_a_rolled_back_change(
    receiver, draft, verifier, django_capture_on_commit_callbacks
):
    Webhook.objects.create(name="SiCantik", url=receiver.url)
    application = _submit(draft, django_capture_on_commit_callbacks)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        application_act(application=application, actor=verifier, action="forward")
        raise RuntimeError("the rest of the change failed")
    assert callbacks == []
    assert WebhookDelivery.objects.count() == 1  # the submission's
    assert [b["transition"]["action"] for b in receiver.bodies()] == ["submit"]


def test_a_failing_receiver_is_retried_later_and_later_then_delivered(
    receiver, draft, django_capture_on_commit_callbacks
):
    Webhook.objects.create(name="SiCantik", url=receiver.url)
    receiver.answers = [500, 503]
    _submit(draft, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    waits = []
    for attempts in (1, 2):
        delivery.refresh_from_db()
        assert delivery.status == WebhookDelivery.Status.PENDING
        assert delivery.attempts == attempts and delivery.last_status_code in (500, 503)
        waits.append(delivery.next_attempt_at - timezone.now())
        tasks.webhook_sweep.delay()  # nothing is due yet
        assert len(receiver.received) == attempts
        # Time passes: the retry is due, and the sweep (beat, every minute) sends it.
        WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
        tasks.webhook_sweep.delay()
    assert timedelta(seconds=50) < waits[0] < timedelta(minutes=1)
    assert timedelta(minutes=4) < waits[1] <= timedelta(minutes=5)
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.DELIVERED and delivery.attempts == 3
    assert len(receiver.received) == 3
    assert len({headers["X-SatuPintu-Delivery"] for headers, _body in receiver.received}) == 1


def test_a_delivery_fails_for_good_after_the_last_attempt(
    receiver, draft, django_capture_on_commit_callbacks
):
    Webhook.objects.create(name="SiCantik", url=receiver.url)
    receiver.answers = [500] * outbox.MAX_ATTEMPTS
    _submit(draft, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    for _ in range(outbox.MAX_ATTEMPTS - 1):
        WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
        webhooks.delivery_attempt(delivery_id=str(delivery.pk))
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.FAILED
    assert delivery.attempts == outbox.MAX_ATTEMPTS == len(receiver.received)
    assert delivery.last_error == "HTTP 500"
    assert webhooks.delivery_attempt(delivery_id=str(delivery.pk)) is None


def test_an_unreachable_receiver_is_a_failed_attempt(draft, django_capture_on_commit_callbacks):
    unreachable = Receiver()  # bound, never serving: the connection is refused or times out
    unreachable.server.server_close()
    Webhook.objects.create(name="SiCantik", url=unreachable.url)
    _submit(draft, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.PENDING and delivery.attempts == 1
    assert delivery.last_status_code is None and delivery.last_error


def test_a_receiver_that_answers_garbage_is_a_failed_attempt(
    draft, django_capture_on_commit_callbacks
):
    import socket

    listener = socket.create_server(("127.0.0.1", 0))

    def answer_garbage() -> None:
        conn, _address = listener.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(b"NOT HTTP AT ALL\r\n\r\n")

    thread = threading.Thread(target=answer_garbage, daemon=True)
    thread.start()
    port = listener.getsockname()[1]
    Webhook.objects.create(name="Rusak", url=f"http://127.0.0.1:{port}/hook")
    _submit(draft, django_capture_on_commit_callbacks)
    thread.join(timeout=10)
    listener.close()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.PENDING and delivery.attempts == 1
    assert delivery.last_status_code is None and "BadStatusLine" in delivery.last_error
    assert delivery.next_attempt_at > timezone.now()  # retried later, not at once


def test_only_webhooks_of_the_applications_mall_and_agency_hear_of_it(
    receiver, draft, django_capture_on_commit_callbacks
):
    agency = draft.service.agency
    mine = [
        Webhook.objects.create(name="all", url=receiver.url),
        Webhook.objects.create(name="mall", url=receiver.url, mall=agency.mall),
        Webhook.objects.create(name="agency", url=receiver.url, mall=agency.mall, agency=agency),
    ]
    Webhook.objects.create(name="other mall", url=receiver.url, mall=MallFactory())
    Webhook.objects.create(name="other agency", url=receiver.url, agency=AgencyFactory())
    Webhook.objects.create(name="off", url=receiver.url, is_active=False)
    _submit(draft, django_capture_on_commit_callbacks)
    assert sorted(d.webhook.name for d in WebhookDelivery.objects.all()) == sorted(
        h.name for h in mine
    )
    assert len(receiver.received) == 3


def test_with_the_broker_down_nothing_is_lost_and_the_sweep_sends_it(
    receiver, draft, django_capture_on_commit_callbacks, caplog
):
    Webhook.objects.create(name="SiCantik", url=receiver.url)
    _use_broker("redis://127.0.0.1:1/0")  # a closed port
    try:
        _submit(draft, django_capture_on_commit_callbacks)
    finally:
        _use_broker("")
    assert "could not queue webhook delivery" in caplog.text
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.PENDING and receiver.received == []
    tasks.webhook_sweep.delay()
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.DELIVERED and len(receiver.received) == 1


def _use_broker(url: str) -> None:
    """Point this process's Celery app at ``url`` (or back to in-process with "")."""
    app.conf.broker_url = url
    app.conf.task_always_eager = not url
    app._pool = None
    app.amqp._producer_pool = None


def test_webhook_tasks_are_routed_to_their_queue_and_swept_by_beat(settings):
    assert app.amqp.router.route({}, "api.webhook_deliver")["queue"].name == "webhooks"
    sweeps = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "api.webhook_sweep"]
    assert sweeps and sweeps[0]["options"]["queue"] == "webhooks"


def test_the_retry_delays_grow_and_end():
    delays = [outbox.retry_delay(n) for n in range(1, outbox.MAX_ATTEMPTS + 1)]
    assert delays[-1] is None
    assert all(a < b for a, b in zip(delays[:-2], delays[1:-1], strict=True))


def test_admins_register_webhooks_and_only_look_at_deliveries(
    client, receiver, draft, django_capture_on_commit_callbacks
):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    agency = draft.service.agency
    added = client.post(
        reverse("admin:api_webhook_add"),
        {"name": "SiCantik", "url": receiver.url, "mall": agency.mall.pk, "is_active": "on"},
    )
    assert added.status_code == 302
    hook = Webhook.objects.get()
    assert len(hook.secret) == 64
    assert hook.secret in client.get(reverse("admin:api_webhook_change", args=[hook.pk])).text
    mismatched = client.post(
        reverse("admin:api_webhook_add"),
        {"name": "x", "url": receiver.url, "mall": MallFactory().pk, "agency": agency.pk},
    )
    assert mismatched.status_code == 200 and Webhook.objects.count() == 1

    _submit(draft, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    assert client.get(reverse("admin:api_webhookdelivery_changelist")).status_code == 200
    page = client.get(reverse("admin:api_webhookdelivery_change", args=[delivery.pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.text
    assert client.get(reverse("admin:api_webhookdelivery_add")).status_code == 403
