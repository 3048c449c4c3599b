import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from satupintu.notify.models import Message
from satupintu.notify.selectors import UNDELIVERED

pytestmark = pytest.mark.django_db
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
# Nothing listens on port 1: the connection is refused at once.
CLOSED_BROKER = "redis://:broker-pass-123@127.0.0.1:1/0"


def _message(status: str, age: timedelta, to: str = "budi@example.id") -> Message:
    now = timezone.now()
    message = Message.objects.create(
        event="booking_confirmed",
        channel="email",
        language="id",
        to=to,
        subject="Kunjungan Anda",
        body="Kode kunjungan RAHASIA-123",
        status=status,
        next_attempt_at=now,
        give_up_at=now + timedelta(days=1),
    )
    Message.objects.filter(pk=message.pk).update(created_at=now - age)
    return message


def test_health_and_readiness(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    answer = client.get("/readyz")
    assert answer.status_code == 200
    # The demo and the tests run background work in-process: no broker to check.
    assert answer.json() == {
        "status": "ok",
        "database": "up",
        "broker": "not configured",
        "outbox": {"oldest_undelivered_seconds": None},
    }


def test_readiness_checks_the_broker(client, settings):
    settings.CELERY_BROKER_URL = REDIS_URL
    settings.CELERY_TASK_ALWAYS_EAGER = False
    answer = client.get("/readyz")
    assert answer.status_code == 200
    assert answer.json()["status"] == "ok"
    assert answer.json()["broker"] == "up"


def test_a_broker_down_degrades_readiness_without_naming_it(client, settings):
    """The site still works without the broker (messages wait in the outbox): 200, degraded."""
    settings.CELERY_BROKER_URL = CLOSED_BROKER
    settings.CELERY_TASK_ALWAYS_EAGER = False
    answer = client.get("/readyz")
    assert answer.status_code == 200
    assert answer.json()["status"] == "degraded"
    assert answer.json()["broker"] == "down"
    body = answer.content.decode()
    assert "broker-pass-123" not in body
    assert "127.0.0.1" not in body


def test_a_message_waiting_over_ten_minutes_degrades_readiness(client):
    _message("sent", timedelta(hours=2))  # handed over long ago: not waiting
    _message("queued", timedelta(minutes=9))
    answer = client.get("/readyz").json()
    assert answer["status"] == "ok"
    assert 540 <= answer["outbox"]["oldest_undelivered_seconds"] < 600

    _message("sending", timedelta(minutes=11), to="+6281234567890")
    answer = client.get("/readyz")
    assert answer.status_code == 200
    assert answer.json()["status"] == "degraded"
    assert answer.json()["outbox"]["oldest_undelivered_seconds"] >= 660
    body = answer.content.decode()
    for secret in ("budi@example.id", "+6281234567890", "RAHASIA", "Kunjungan"):
        assert secret not in body


def test_failed_and_delivered_messages_are_not_waiting(client):
    _message("failed", timedelta(days=1))
    _message("delivered", timedelta(days=1))
    answer = client.get("/readyz").json()
    assert answer["status"] == "ok"
    assert answer["outbox"]["oldest_undelivered_seconds"] is None


def test_the_oldest_waiting_message_is_found_by_its_index():
    """/readyz stays cheap however long the outbox: the query can use message_undelivered."""
    query = (
        Message.objects.filter(status__in=UNDELIVERED)
        .order_by("created_at")
        .values_list("created_at", flat=True)[:1]
    )
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "message_undelivered" in plan


def test_readiness_fails_when_the_database_is_gone():
    """A process whose database does not answer is up (healthz) but not ready (readyz)."""
    script = (
        "from django.test import Client; c = Client(); r = c.get('/readyz'); "
        "print(c.get('/healthz').status_code, r.status_code); print(r.content.decode())"
    )
    env = {**os.environ, "DATABASE_URL": "postgres://dbuser:db-pass-123@127.0.0.1:1/none"}
    env.pop("CELERY_BROKER_URL", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", script],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    codes, body = result.stdout.splitlines()
    assert codes.split() == ["200", "503"]
    assert '"status": "unavailable"' in body
    assert '"database": "down"' in body
    for secret in ("dbuser", "db-pass-123", "127.0.0.1", "none"):
        assert secret not in body


def test_a_flood_of_probes_opens_one_broker_connection_per_window(client, settings):
    """/readyz is public: each request must not open a connection to the broker."""
    import socket
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted = []

    def accept() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            accepted.append(conn)
            conn.close()  # not a broker: the probe sees it down

    threading.Thread(target=accept, daemon=True).start()
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
    settings.CELERY_TASK_ALWAYS_EAGER = False
    try:
        answers = [client.get("/readyz").json()["broker"] for _ in range(20)]
    finally:
        listener.close()
    assert answers == ["down"] * 20
    assert 1 <= len(accepted) <= 2  # the probe may retry its connection once
