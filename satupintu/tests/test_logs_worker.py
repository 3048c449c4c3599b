"""A real Celery worker over a real Redis broker logs JSON lines with the id of the request
that queued the task."""

import json
import os
import re
import subprocess
import sys
import threading
import time

import pytest
import redis
from celery import Celery
from django.conf import settings
from django.db import connection

from satupintu import logs

pytestmark = pytest.mark.django_db(transaction=True)
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
QUEUE = "logs-test"
END = "(the worker's output ended)"


class Worker:
    """A prefork worker as in production, its output kept line by line."""

    def __init__(self) -> None:
        db = connection.settings_dict
        env = {
            **os.environ,
            "DJANGO_ENV": "demo",
            "LOG_FORMAT": "json",
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "CELERY_BROKER_URL": REDIS_URL,
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "satupintu", "--quiet", "worker"]
            + ["-Q", QUEUE, "-c", "1", "--without-gossip", "--without-mingle", "-n", "logs@%h"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self.changed = threading.Condition()
        threading.Thread(target=self._follow, daemon=True).start()

    def _follow(self) -> None:
        for line in self.process.stdout:
            with self.changed:
                self.lines.append(line.rstrip("\n"))
                self.changed.notify_all()
        with self.changed:
            self.lines.append(END)
            self.changed.notify_all()

    def wait_for(self, test, timeout: float) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: any(test(line) for line in self.lines), timeout)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def _json(line: str) -> dict:
    try:
        return json.loads(line)
    except ValueError:
        return {}


@pytest.fixture
def worker():
    redis.Redis.from_url(REDIS_URL).flushdb()
    process = Worker()
    ready = process.wait_for(lambda line: " ready." in line or line == END, timeout=60)
    if not ready or not any(" ready." in line for line in process.lines):
        process.stop()
        pytest.fail("the worker did not start:\n" + "\n".join(process.lines))
    yield process
    process.stop()


def test_a_worker_logs_json_lines_with_the_id_of_the_request_that_queued_the_task(worker):
    probe = Celery("probe", broker=REDIS_URL, set_as_current=False)
    with logs.request_id_set("req-worker-1234"):
        probe.send_task("notify.sweep", queue=QUEUE)

    def done(line: str) -> bool:
        record = _json(line)
        return record.get("logger") == "celery.app.trace" and "succeeded" in record["message"]

    assert worker.wait_for(done, timeout=30), "\n".join(worker.lines)
    succeeded = next(_json(line) for line in worker.lines if done(line))
    assert succeeded["request_id"] == "req-worker-1234"
    assert succeeded["task_name"] == "notify.sweep" and succeeded["task_id"]
    assert re.search(r"succeeded in [\d.]+s", succeeded["message"])
    # Once the task is over, the worker's lines are no longer the request's.
    time.sleep(0.5)
    with logs.request_id_set(None):
        probe.send_task("notify.sweep", queue=QUEUE)
    assert worker.wait_for(lambda line: sum(map(done, worker.lines)) == 2, timeout=30)
    second = [_json(line) for line in worker.lines if done(line)][1]
    assert second["request_id"] is None
    logged = [line for line in worker.lines if line.startswith("{")]
    assert all(_json(line) for line in logged) and len(logged) >= 4
