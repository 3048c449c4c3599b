"""Several machines: two gunicorn web servers and two Celery workers, started from the Procfile's
commands with the production settings, against one PostgreSQL database and one Redis broker.
Capacity holds across both servers, a closure recorded on one while the other books never
over-books, and every notification reaches the SMTP server exactly once."""

import asyncio
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from importlib import import_module
from pathlib import Path

import pytest
import redis
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.db.models import Count, Q
from django.test import Client, override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from satupintu.accounts.services import api_token_create
from satupintu.booking.models import Booking, Slot
from satupintu.booking.services.slots import slots_open
from satupintu.booking.tests.factories import citizen, open_day, visit_service
from satupintu.malls.models import StaffMembership
from satupintu.malls.services import membership_grant
from satupintu.malls.tests.factories import UserFactory
from satupintu.notify.models import Message, MessageTemplate
from satupintu.notify.tests.conftest import SMTPServer

pytestmark = pytest.mark.django_db(transaction=True)
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
START_TIMEOUT = 90  # seconds; a loaded 2-core CI machine starts Django slowly
PROXY = {"X-Forwarded-Proto": "https"}  # what the TLS proxy in front adds
SECRET_KEY = "several-machines-" + "k" * 50


def procfile() -> dict[str, str]:
    """The Procfile's commands by process type."""
    lines = (settings.BASE_DIR / "Procfile").read_text().splitlines()
    return dict(
        (kind.strip(), command.strip())
        for kind, _sep, command in (line.partition(":") for line in lines)
        if kind and not kind.startswith("#")
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Machine:
    """One process of the Procfile, in its own process group, output in ``log``."""

    def __init__(self, command: str, env: dict[str, str], log: Path) -> None:
        self.log = log
        self.process = subprocess.Popen(
            ["/bin/sh", "-c", f"exec {command}"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_until(self, ready, what: str) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while not ready():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"{what} did not start:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=30)


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def smtp():
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def machines(django_db_setup, smtp, tmp_path_factory):
    """Two web servers and two workers; yields the web servers' ports and the worker logs."""
    logs = tmp_path_factory.mktemp("machines")
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    broker = redis.Redis.from_url(REDIS_URL)
    broker.flushdb()
    env = {
        **os.environ,
        "DJANGO_ENV": "production",
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_BROKER_URL": REDIS_URL,
        "CACHE_URL": REDIS_URL,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp.port}",
        "WEB_CONCURRENCY": "2",
        "LOG_LEVEL": "WARNING",
        # The Procfile's commands from this virtualenv, as `make prod` runs them.
        "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
    }
    commands = procfile()
    started: list[Machine] = []
    try:
        ports = []
        for n in (1, 2):
            port = _free_port()
            web = Machine(
                commands["web"],
                {**env, "PORT": str(port)},
                logs / f"web{n}.log",
            )
            started.append(web)
            ports.append(port)
        workers = []
        for n in (1, 2):
            worker = Machine(
                f"{commands['worker']} --hostname worker{n}@%h --concurrency 1",
                {**env, "LOG_LEVEL": "INFO"},
                logs / f"worker{n}.log",
            )
            started.append(worker)
            workers.append(worker)
        for web, port in zip(started[:2], ports, strict=True):
            web.wait_until(lambda port=port: _accepts(port), f"gunicorn on {port}")
        for worker in workers:
            worker.wait_until(lambda w=worker: "ready." in w.log.read_text(), "the worker")
        yield ports, [w.log for w in workers]
    finally:
        for machine in reversed(started):
            machine.stop()
        broker.flushdb()


@pytest.fixture
def inbox(smtp):
    """The SMTP server's inbox, emptied; and the default wording of every message, which a
    transactional test before this one emptied with every table: written again as the
    notify migrations write it."""
    if not MessageTemplate.objects.filter(mall=None).exists():
        folder = Path(import_module("satupintu.notify.migrations").__file__).parent
        for path in sorted(folder.glob("0*.py")):
            migration = import_module(f"satupintu.notify.migrations.{path.stem}")
            for step in ("create", "forward"):
                if hasattr(migration, step):
                    getattr(migration, step)(apps, None)
    smtp.inbox.messages.clear()
    return smtp.inbox


async def _request(port: int, method: str, path: str, body: dict, auth: str) -> tuple[int, dict]:
    """One request on its own connection; ``auth`` a citizen's API token or a staff session's
    headers (_staff_session)."""
    payload = json.dumps(body).encode()
    head = [
        f"{method} {path} HTTP/1.1",
        "Host: 127.0.0.1",
        "Connection: close",
        auth if "\r\n" in auth or auth.startswith("Cookie:") else f"Authorization: Token {auth}",
        "Content-Type: application/json",
        f"Content-Length: {len(payload)}",
        *(f"{k}: {v}" for k, v in PROXY.items()),
    ]
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + payload)
    await writer.drain()
    raw = await asyncio.wait_for(reader.read(), timeout=120)
    writer.close()
    status_line, _sep, content = raw.partition(b"\r\n\r\n")
    status = int(status_line.split(b" ", 2)[1]) if status_line else 0
    try:
        return status, json.loads(content or b"{}")
    except ValueError:
        return status, {"raw": content[:300].decode(errors="replace")}


def _all_at_once(calls: list[tuple]) -> list[tuple[int, dict]]:
    async def run():
        return await asyncio.gather(*(_request(*call) for call in calls))

    return asyncio.run(run())


def _tokens(n: int) -> list[str]:
    return [api_token_create(user=citizen())[1] for _ in range(n)]


def _staff_session(user) -> str:
    """The headers of a staff member signed in with their second factor in a browser: the
    session lives in the shared database, so either server knows it."""
    device = TOTPDevice.objects.create(user=user, name="Telepon", confirmed=True)
    with override_settings(SECRET_KEY=SECRET_KEY):  # the servers' key signs the session
        client = Client()
        client.force_login(user)
        session = client.session
        session["otp_device_id"] = device.persistent_id
        session.save()
    csrf = "c" * 32
    return "\r\n".join(
        [
            f"Cookie: {settings.SESSION_COOKIE_NAME}={session.session_key}; "
            f"{settings.CSRF_COOKIE_NAME}={csrf}",
            f"X-CSRFToken: {csrf}",
            "Origin: https://127.0.0.1",
            "Referer: https://127.0.0.1/",
        ]
    )


def _book(port: int, slot: Slot, token: str) -> tuple:
    return (port, "POST", "/api/v1/bookings/", {"slot": slot.pk}, token)


def _no_slot_over_capacity() -> None:
    """Every slot: its count within capacity, and equal to its active bookings."""
    active = Count("bookings", filter=Q(bookings__status__in=Booking.ACTIVE))
    for slot in Slot.objects.annotate(active=active):
        assert slot.booked <= slot.capacity, slot
        assert slot.booked == slot.active, (slot, slot.booked, slot.active)


def _wait_until_delivered(inbox, timeout: float = 120) -> None:
    """Every message written is handed to the SMTP server and recorded sent, then a few more
    seconds pass for any second copy to show up."""
    deadline = time.monotonic() + timeout
    while True:
        total = Message.objects.count()
        sent = Message.objects.filter(status=Message.Status.SENT).count()
        if total and sent == total and len(inbox.messages) >= total:
            break
        assert time.monotonic() < deadline, (
            total,
            sent,
            len(inbox.messages),
            list(Message.objects.exclude(status=Message.Status.SENT).values("last_error")),
        )
        time.sleep(0.2)
    time.sleep(2)


def test_two_servers_never_book_a_slot_past_its_capacity(machines, inbox):
    (first, second), _logs = machines
    service = visit_service(places=4)
    slot = slots_open(service=service, day=open_day()).slots[0]
    assert slot.capacity == 4
    tokens = _tokens(40)

    answers = _all_at_once(
        [_book(first if n % 2 else second, slot, token) for n, token in enumerate(tokens)]
    )

    statuses = Counter(status for status, _body in answers)
    assert statuses == {201: 4, 409: 36}, answers
    assert all(b["error"]["code"] == "slot_full" for s, b in answers if s == 409)
    slot.refresh_from_db()
    assert slot.booked == 4
    assert Booking.objects.filter(slot=slot).count() == 4
    _no_slot_over_capacity()
    _wait_until_delivered(inbox)
    assert len(inbox.messages) == 4


def test_a_closure_on_one_server_while_the_other_books_never_over_books(machines, inbox):
    (first, second), _logs = machines
    service = visit_service(places=4)
    mall = service.agency.mall
    day = open_day()
    closed = slots_open(service=service, day=day).slots
    after = day + timedelta(days=1)
    while not slots_open(service=service, day=after).slots:
        after += timedelta(days=1)
    following = slots_open(service=service, day=after).slots
    # The closed day half full: 16 bookings the closure must move, into the days after it,
    # where other citizens are booking through the other server at the same moment.
    made = _all_at_once(
        [_book(first, closed[n % len(closed)], token) for n, token in enumerate(_tokens(16))]
    )
    assert [status for status, _body in made] == [201] * 16, made
    manager = UserFactory()
    membership_grant(user=manager, role=StaffMembership.Role.MALL_MANAGER, mall=mall)
    manager_session = _staff_session(manager)
    closure = {
        "kind": "closed",
        "decree_number": "443.1/1215.DPMPTSP",
        "reason": "Pencegahan COVID-19",
        "starts_on": day.isoformat(),
        "ends_on": day.isoformat(),
    }
    # While the closure runs on the first server, citizens book the day after it (where the
    # closure moves bookings to) on the second, and the closed day itself on both.
    rivals = [_book(second, following[n % 4], t) for n, t in enumerate(_tokens(24))]
    late = [
        _book(first if n % 2 else second, closed[n % len(closed)], t)
        for n, t in enumerate(_tokens(16))
    ]
    calls = [(first, "POST", f"/api/v1/malls/{mall.slug}/closures/", closure, manager_session)]
    calls += [call for pair in zip(rivals, late + late[:8], strict=True) for call in pair][:40]

    answers = _all_at_once(calls)

    statuses = [status for status, _body in answers]
    assert statuses[0] == 201, answers[0]
    assert all(status in (201, 400, 409) for status in statuses), answers
    report = answers[0][1]
    assert report["affected"] == report["moved"] + report["released"] >= 16
    _no_slot_over_capacity()
    # Nothing stays on the closed day: not the bookings moved, nor one made while it closed.
    on_closed_day = Booking.objects.filter(slot__in=closed, status__in=Booking.ACTIVE)
    assert not on_closed_day.exists(), list(on_closed_day.values("code", "status"))
    _wait_until_delivered(inbox)  # confirmations and moves, each once
    assert len(inbox.messages) == Message.objects.count()


def test_two_workers_send_every_notification_exactly_once(machines, inbox):
    (first, second), worker_logs = machines
    service = visit_service(places=4)
    slots = slots_open(service=service, day=open_day()).slots
    tokens = _tokens(4 * len(slots))

    answers = _all_at_once(
        [
            _book(first if n % 2 else second, slots[n % len(slots)], token)
            for n, token in enumerate(tokens)
        ]
    )

    assert [status for status, _body in answers] == [201] * len(tokens), answers
    _wait_until_delivered(inbox)
    assert Message.objects.count() == len(tokens)
    received = Counter(m["To"] for m in inbox.messages)
    assert len(inbox.messages) == len(tokens), received.most_common(3)
    assert set(received) == set(Message.objects.values_list("to", flat=True))
    assert len({m["Message-ID"] for m in inbox.messages}) == len(tokens)
    # Both workers took part: the messages were shared out, not sent twice.
    for log in worker_logs:
        assert "notify.deliver_due" in log.read_text(), log.read_text()[-2000:]


def test_the_procfile_runs_a_worker_for_every_queue_a_task_is_sent_to():
    from satupintu.celery import app

    queues = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    queues |= {
        entry.get("options", {}).get("queue", app.conf.task_default_queue)
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
    worker = shlex.split(procfile()["worker"])
    consumed = set(worker[worker.index("-Q") + 1].split(","))
    assert queues <= consumed, queues - consumed
    assert set(procfile()) == {"web", "worker", "beat"}


def test_the_systemd_units_run_the_procfiles_commands():
    units = settings.BASE_DIR / "deploy" / "systemd"
    for kind, command in procfile().items():
        unit = (units / f"satupintu-{kind}.service").read_text()
        start = next(line for line in unit.splitlines() if line.startswith("ExecStart="))
        words = shlex.split(command)
        program = words[: next(n for n, w in enumerate(words) if w.startswith("--"))]
        assert f"/.venv/bin/{' '.join(program)} " in start, (kind, start)  # celery -A ... -Q ...
