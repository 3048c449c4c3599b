"""Real Celery workers over a real Redis broker deliver the outbox to a loopback SMTP server."""

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection, transaction

from satupintu.celery import app
from satupintu.notify import tasks
from satupintu.notify.models import Channel, Event, Message
from satupintu.notify.services import Recipient, notify
from satupintu.notify.tests.factories import ensure_default_template

pytestmark = pytest.mark.django_db(transaction=True)
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
CLOSED_PORT_BROKER = "redis://127.0.0.1:1/0"


def _use_broker(url: str) -> None:
    """Point this process's Celery app at ``url`` (or back to in-process with "")."""
    app.conf.broker_url = url
    app.conf.task_always_eager = not url
    app._pool = None
    app.amqp._producer_pool = None


def _follow(process: subprocess.Popen, log: Path, ready: threading.Event) -> None:
    """Copy the worker's output to ``log`` as it comes; ``ready`` is set when the worker says it
    listens, or when its output ends."""
    with log.open("w") as out:
        for line in process.stdout:
            out.write(line)
            out.flush()
            if "ready." in line:
                ready.set()
    ready.set()


@pytest.fixture
def worker(smtp_server, tmp_path: Path):
    """Two prefork worker processes consuming the "notify" queue, as in production."""
    redis.Redis.from_url(REDIS_URL).flushdb()
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_ENV": "demo",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_BROKER_URL": REDIS_URL,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_server.port}",
    }
    log = tmp_path / "worker.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "satupintu", "worker", "-Q", "notify", "-c", "2"]
        + ["--without-gossip", "--without-mingle", "-n", "test@%h", "-l", "INFO"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    ready = threading.Event()
    follower = threading.Thread(target=_follow, args=(process, log, ready), daemon=True)
    follower.start()
    if not ready.wait(timeout=60) or "ready." not in log.read_text():
        process.kill()
        pytest.fail(f"the worker did not start:\n{log.read_text()}")
    _use_broker(REDIS_URL)
    yield log
    _use_broker("")
    process.terminate()
    process.wait(timeout=30)
    follower.join(timeout=30)


def _wait_until_sent(smtp_server, count: int, timeout: float = 30) -> None:
    """Wait for ``count`` messages to reach the SMTP server, then for the worker to record them
    sent: it writes the rows after the handover, in its own process, so only polling sees it."""
    arrived = smtp_server.inbox.wait_for(count, timeout)
    assert arrived, list(Message.objects.values("status", "last_error"))
    deadline = time.monotonic() + timeout
    while Message.objects.filter(status=Message.Status.SENT).count() < count:
        assert time.monotonic() < deadline, list(Message.objects.values("status", "last_error"))
        time.sleep(0.05)


def _notify(n: int) -> Message:
    return notify(
        event=Event.APPLICATION_RECEIVED,
        context={"name": f"Warga {n}", "tracking": f"MPP-2026-{n:06d}"},
        recipient=Recipient(email=f"warga{n}@example.id", channels=(Channel.EMAIL,)),
    )


@pytest.fixture
def templates():
    ensure_default_template()


def test_workers_deliver_what_a_committed_transaction_wrote(worker, smtp_server, templates):
    with transaction.atomic():
        for n in range(250):  # more than one batch: workers share the work
            _notify(n)
    _wait_until_sent(smtp_server, 250)
    received = sorted(m["To"] for m in smtp_server.inbox.messages)
    assert received == sorted(f"warga{n}@example.id" for n in range(250))  # each exactly once
    assert "notify.deliver_due" in worker.read_text()


def test_a_rolled_back_transaction_sends_nothing_through_the_workers(
    worker, smtp_server, templates
):
    with pytest.raises(RuntimeError), transaction.atomic():
        _notify(1)
        raise RuntimeError("the booking failed")
    _notify(2)  # a committed one after it shows the workers are listening
    _wait_until_sent(smtp_server, 1)
    assert [m["To"] for m in smtp_server.inbox.messages] == ["warga2@example.id"]
    assert Message.objects.count() == 1


def test_with_the_broker_down_nothing_is_lost_and_the_sweep_sends_it(
    worker, smtp_server, templates, caplog
):
    _use_broker(CLOSED_PORT_BROKER)
    started = time.monotonic()
    with transaction.atomic():
        message = _notify(7)
    assert time.monotonic() - started < 10  # the request is not held up by the dead broker
    assert "the sweep will queue delivery" in caplog.text
    message.refresh_from_db()
    assert message.status == Message.Status.QUEUED

    _use_broker(REDIS_URL)
    tasks.sweep.delay()  # what beat runs every minute, run now on a worker
    _wait_until_sent(smtp_server, 1)
    assert [m["To"] for m in smtp_server.inbox.messages] == ["warga7@example.id"]


@pytest.fixture
def broker_without_worker():
    """The real Redis broker, with no worker consuming it: what is queued stays to be counted."""
    store = redis.Redis.from_url(REDIS_URL)
    store.flushdb()
    _use_broker(REDIS_URL)
    yield store
    _use_broker("")
    store.flushdb()


def test_commits_while_a_run_waits_for_a_worker_ask_the_broker_once(
    broker_without_worker, templates
):
    from satupintu.notify.services import delivery_started

    for n in range(5):  # five filings, each its own transaction
        with transaction.atomic():
            _notify(n)
    assert broker_without_worker.llen("notify") == 1  # the one run will claim all five
    delivery_started()  # a worker takes the run: it may have claimed before the next commit
    with transaction.atomic():
        _notify(5)
    assert broker_without_worker.llen("notify") == 2
    assert Message.objects.filter(status=Message.Status.QUEUED).count() == 6
