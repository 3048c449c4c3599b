"""/metrics: who may read it, and that what it shows follows what happened."""

import json
import os
import re
import subprocess
import sys
from datetime import timedelta

import pytest
from celery import shared_task
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from satupintu.api.models import Webhook, WebhookDelivery
from satupintu.booking.errors import BookingError
from satupintu.booking.services.bookings import booking_create
from satupintu.booking.services.slots import slots_open
from satupintu.booking.tests.factories import citizen, open_day, visit_service
from satupintu.notify.models import Message

pytestmark = pytest.mark.django_db

TOKEN = "rahasia-prometheus-0123456789"
OUTSIDE = "203.0.113.7"


def scrape(client: Client | None = None) -> tuple[str, dict[tuple[str, tuple], float]]:
    """The body of /metrics read from loopback, and its samples by (name, sorted labels)."""
    response = (client or Client()).get("/metrics")
    assert response.status_code == 200
    text = response.content.decode()
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
    return text, samples


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


# --- who may read it ------------------------------------------------------------------------


def test_metrics_are_a_missing_page_from_outside_without_the_token(settings):
    settings.METRICS_TOKEN = TOKEN
    outside = Client(REMOTE_ADDR=OUTSIDE)
    assert outside.get("/metrics").status_code == 404
    assert outside.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
    assert outside.get("/metrics", headers={"Authorization": TOKEN}).status_code == 404
    shown = outside.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert shown.status_code == 200
    assert b"satupintu_http_requests_total" in shown.content


def test_no_token_configured_means_no_token_opens_it(settings):
    settings.METRICS_TOKEN = ""
    outside = Client(REMOTE_ADDR=OUTSIDE)
    assert outside.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404


def test_the_internal_network_reads_them_without_a_token(settings):
    settings.METRICS_ALLOWED_NETS = ["10.0.0.0/8"]
    assert Client(REMOTE_ADDR="10.1.2.3").get("/metrics").status_code == 200
    assert Client(REMOTE_ADDR="127.0.0.1").get("/metrics").status_code == 404
    assert Client(REMOTE_ADDR=OUTSIDE).get("/metrics").status_code == 404


def test_loopback_is_the_default_network():
    assert Client(REMOTE_ADDR="127.0.0.1").get("/metrics").status_code == 200
    assert Client(REMOTE_ADDR="::1").get("/metrics").status_code == 200


def test_a_forged_forwarded_for_does_not_open_them(settings):
    """Without a trusted proxy, X-Forwarded-For is the client's word; and a request that came
    through a proxy nobody declared shows only the proxy's (loopback) address: refused too."""
    settings.NUM_PROXIES = 0
    forged = Client(REMOTE_ADDR=OUTSIDE, headers={"X-Forwarded-For": "127.0.0.1"})
    assert forged.get("/metrics").status_code == 404
    undeclared_proxy = Client(REMOTE_ADDR="127.0.0.1", headers={"X-Forwarded-For": OUTSIDE})
    assert undeclared_proxy.get("/metrics").status_code == 404


def test_behind_a_trusted_proxy_the_address_it_saw_decides(settings):
    settings.NUM_PROXIES = 1
    settings.METRICS_ALLOWED_NETS = ["10.0.0.0/8"]
    via_proxy = {"REMOTE_ADDR": "127.0.0.1"}
    public = Client(**via_proxy, headers={"X-Forwarded-For": f"10.0.0.9, {OUTSIDE}"})
    assert public.get("/metrics").status_code == 404  # the client wrote the first entry
    internal = Client(**via_proxy, headers={"X-Forwarded-For": "10.0.0.9"})
    assert internal.get("/metrics").status_code == 200


def test_a_mistyped_network_stops_the_process_at_start():
    env = {**os.environ, "METRICS_ALLOWED_NETS": "10.0.0.0/33"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "METRICS_ALLOWED_NETS" in result.stderr


def test_metrics_only_answer_reads():
    assert Client().post("/metrics").status_code == 405


# --- what they show -------------------------------------------------------------------------


def test_requests_are_counted_by_url_name_never_by_path():
    code = "ZXQW-8K7M"
    _text, before = scrape()
    Client().get(f"/kunjungan/{code}/")
    Client().get(f"/tidak-ada/{code}/")
    text, after = scrape()
    name = "satupintu_http_requests_total"
    assert value(after, name, view="portal:booking", status="3xx") == (
        value(before, name, view="portal:booking", status="3xx") + 1
    )  # a visitor not signed in is sent to sign in
    assert value(after, name, view="<unmatched>", status="4xx") == (
        value(before, name, view="<unmatched>", status="4xx") + 1
    )
    assert value(after, "satupintu_http_request_duration_seconds_count", view="portal:booking") > 0
    assert code not in text and "kunjungan" not in text


def test_outbox_gauges_count_the_messages_waiting_per_channel():
    now = timezone.now()

    def message(channel: str, status: str, age: timedelta) -> None:
        row = Message.objects.create(
            channel=channel,
            event="booking_confirmed",
            language="id",
            to="warga@example.id",
            body="Halo",
            status=status,
            next_attempt_at=now,
            give_up_at=now + timedelta(days=1),
        )
        Message.objects.filter(pk=row.pk).update(created_at=now - age)

    message("email", "queued", timedelta(minutes=10))
    message("email", "queued", timedelta(minutes=1))
    message("sms", "sending", timedelta(seconds=30))  # in a worker's hands: not out yet
    message("email", "sent", timedelta(hours=3))  # gone: not waiting any more
    _text, samples = scrape()
    assert value(samples, "satupintu_outbox_messages", channel="email") == 2
    assert value(samples, "satupintu_outbox_messages", channel="sms") == 1
    assert ("satupintu_outbox_messages", (("channel", "whatsapp"),)) in samples  # shown as 0
    assert value(samples, "satupintu_outbox_messages", channel="whatsapp") == 0
    email_age = value(samples, "satupintu_outbox_oldest_age_seconds", channel="email")
    assert 600 <= email_age < 700
    assert value(samples, "satupintu_backlog_scrape_ok") == 1


def test_a_booking_made_is_counted_once_committed_and_a_refusal_by_its_reason(
    django_capture_on_commit_callbacks,
):
    service = visit_service(places=1)
    slot = slots_open(service=service, day=open_day()).slots[0]
    _text, before = scrape()
    with django_capture_on_commit_callbacks(execute=True):
        booking_create(citizen=citizen(), slot=slot)
    with pytest.raises(BookingError):
        booking_create(citizen=citizen(), slot=slot)
    _text, after = scrape()
    made = "satupintu_bookings_made_total"
    assert value(after, made) == value(before, made) + 1
    refused = "satupintu_bookings_refused_total"
    assert (
        value(after, refused, reason="slot_full") == value(before, refused, reason="slot_full") + 1
    )


def test_a_booking_rolled_back_is_not_counted(django_capture_on_commit_callbacks):
    service = visit_service()
    slot = slots_open(service=service, day=open_day()).slots[0]
    _text, before = scrape()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        booking_create(citizen=citizen(), slot=slot)
    assert callbacks  # the count waits for the commit, which the test never makes
    _text, after = scrape()
    assert value(after, "satupintu_bookings_made_total") == value(
        before, "satupintu_bookings_made_total"
    )


def test_webhook_backlog_counts_pending_deliveries():
    hook = Webhook.objects.create(name="SiCantik", url="http://127.0.0.1:9/hook")
    old = WebhookDelivery.objects.create(
        webhook=hook, event="application.status_changed", payload={}
    )
    WebhookDelivery.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=1))
    WebhookDelivery.objects.create(webhook=hook, event="application.status_changed", payload={})
    WebhookDelivery.objects.create(
        webhook=hook, event="application.status_changed", payload={}, status="delivered"
    )
    _text, samples = scrape()
    assert value(samples, "satupintu_webhook_deliveries_pending") == 2
    assert 3600 <= value(samples, "satupintu_webhook_oldest_pending_age_seconds") < 3700


@shared_task(name="metrics_tests.fails")
def _fails() -> None:
    raise RuntimeError("broken on purpose")


def test_a_failed_celery_task_is_counted_by_name():
    _text, before = scrape()
    result = _fails.apply()
    assert result.failed()
    _text, after = scrape()
    name = "satupintu_celery_task_failures_total"
    assert value(after, name, task="metrics_tests.fails") == (
        value(before, name, task="metrics_tests.fails") + 1
    )


# --- many processes -------------------------------------------------------------------------


def _url_of(db: dict) -> str:
    """DATABASE_URL of the test database, for the processes the test starts."""
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


COUNT_ONE = "from django.test import Client; Client().get('/healthz')"
SCRAPE = "from django.test import Client; print(Client().get('/metrics').content.decode())"


def test_counts_of_several_processes_add_up_and_backlog_is_reported_once(tmp_path):
    """Two processes (two gunicorn workers) count a request each; the process answering the
    scrape reports their sum, and the backlog gauges once, not once per process."""
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus"),
        "DATABASE_URL": _url_of(connection.settings_dict),
    }

    def run(script: str) -> str:
        return subprocess.run(
            [sys.executable, "manage.py", "shell", "-v", "0", "-c", script],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        ).stdout

    run(COUNT_ONE)
    run(COUNT_ONE)
    text = run(SCRAPE)
    samples = [
        sample for family in text_string_to_metric_families(text) for sample in family.samples
    ]
    healthz = [
        s.value
        for s in samples
        if s.name == "satupintu_http_requests_total"
        and s.labels == {"view": "healthz", "status": "2xx"}
    ]
    assert healthz == [2.0]
    email = [
        s
        for s in samples
        if s.name == "satupintu_outbox_messages" and s.labels == {"channel": "email"}
    ]
    assert len(email) == 1


def test_the_grafana_dashboard_plots_only_metrics_that_exist():
    dashboard = json.loads(
        (settings.BASE_DIR / "deploy" / "grafana" / "satupintu.json").read_text()
    )
    exprs = [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])]
    plotted = {name for expr in exprs for name in re.findall(r"satupintu_\w+", expr)}
    Client().get("/healthz")
    text, _samples = scrape()
    # Samples, and the names of labelled counters that nothing has counted yet.
    shown = set(re.findall(r"^(?:# HELP )?(satupintu_\w+)", text, re.MULTILINE))
    assert plotted and plotted <= shown, plotted - shown
