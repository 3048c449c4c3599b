"""What the benchmarks share: their own database, a broker, free ports, percentiles.

Each benchmark calls ``setup()`` before importing anything of Django's.
"""

import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from satupintu.catalog.models import Service
    from satupintu.malls.models import Agency, Mall

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BROKER_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
# gunicorn's SECRET_KEY: a benchmark that signs a session in process sets it there too.
SECRET_KEY = "bench-" + "k" * 60


def setup(name: str, *, broker_url: str = "") -> None:
    """Use DATABASE_URL's database name + "_bench_" + ``name`` (each benchmark its own, created
    and migrated when needed), and ``broker_url`` for Celery when given; then start Django."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "satupintu.settings")
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/satupintu")
    os.environ["DATABASE_URL"] = f"{base.rstrip('/')}_bench_{name}"
    if broker_url:
        os.environ["CELERY_BROKER_URL"] = broker_url

    import django

    django.setup()

    from django.core.management import call_command
    from django.db import connection

    name = connection.settings_dict["NAME"]
    with connection._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    call_command("migrate", verbosity=0, interactive=False)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def visit_mall(*, slug: str, name: str, closes: str, seats: int) -> "Mall":
    """A fresh mall for a visits benchmark (the one of an earlier run, with its bookings, goes):
    open weekdays 08:00 to ``closes``, ``seats`` seats without distancing, nothing kept back."""
    from satupintu.booking.models import Booking, Closure, VisitPolicy
    from satupintu.malls.models import Mall, OpeningHours  # noqa: F811 - after Django starts
    from satupintu.notify.models import Message

    old = Mall.objects.filter(slug=slug).first()
    if old is not None:
        Booking.objects.filter(service__agency__mall=old).delete()
        Message.objects.filter(mall=old).delete()
        Closure.objects.filter(mall=old).delete()
        old.delete()
    mall = Mall.objects.create(
        slug=slug, name=name, kind=Mall.Kind.CITY, region_code="32.71", address="Jl. Bench"
    )
    OpeningHours.objects.bulk_create(
        OpeningHours(mall=mall, weekday=d, opens="08:00", closes=closes) for d in range(5)
    )
    VisitPolicy.objects.create(
        mall=mall,
        waiting_room_seats=seats,
        distancing_factor="1.00",
        walk_in_percent=0,
        priority_percent=0,
    )
    return mall


def agencies_and_services(
    malls: list["Mall"], *, agencies_per_mall: int, services_per_agency: int
) -> tuple[list["Agency"], list["Service"]]:
    """A bench catalog in two bulk inserts: ``agencies_per_mall`` local agencies in each mall,
    ``services_per_agency`` services (online and at the counter, 5 working days and up) each."""
    from satupintu.catalog.models import Service  # noqa: F811 - after Django starts
    from satupintu.malls.models import Agency  # noqa: F811

    agencies = Agency.objects.bulk_create(
        Agency(
            mall=mall,
            name=f"Dinas Bench {a}",
            short_name=f"DB{a}",
            slug=f"dinas-bench-{a}",
            kind=Agency.Kind.LOCAL,
        )
        for mall in malls
        for a in range(agencies_per_mall)
    )
    services = Service.objects.bulk_create(
        Service(
            agency=agency,
            name=f"Izin Bench {agency.short_name}-{s}",
            slug=f"izin-bench-{s}",
            channel=Service.Channel.BOTH,
            duration_working_days=5 + s,
            product="Surat izin",
            complaint_handling="SP4N-LAPOR!",
        )
        for agency in agencies
        for s in range(services_per_agency)
    )
    return agencies, services


def next_open_day() -> date:
    """The first weekday at least two days ahead that is no national holiday."""
    from django.utils import timezone

    from satupintu.malls.calendar import national_holiday

    day = timezone.localdate() + timedelta(days=2)
    while day.weekday() >= 5 or national_holiday(day):
        day += timedelta(days=1)
    return day


def start_gunicorn(port: int, workers: int, log: Path, **env: str) -> subprocess.Popen[bytes]:
    """gunicorn with the production settings on ``port`` (``env`` added to the environment),
    once it accepts connections."""
    environment = {
        **os.environ,
        "DJANGO_ENV": "production",
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "EMAIL_URL": "smtp://127.0.0.1:25",
        # Production refuses to start without a broker: the benchmark's own (setup's
        # broker_url), else Redis database 13, emptied by the benchmarks that queue there.
        "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL") or DEFAULT_BROKER_URL,
        "LOG_LEVEL": "WARNING",
        **env,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "satupintu.wsgi", "-w", str(workers)]
        + ["-b", f"127.0.0.1:{port}", "--backlog", "4096", "--log-level", "warning"],
        cwd=ROOT,
        env=environment,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                sys.exit(f"gunicorn did not start:\n{log.read_text()}")
            time.sleep(0.2)


async def request(port: int, method: str, path: str, body: dict | None, headers: dict) -> tuple:
    """One HTTP/1.1 request on its own connection; returns (status, seconds, body)."""
    payload = json.dumps(body).encode() if body is not None else b""
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    if body is not None:
        lines += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + payload)
    await writer.drain()
    raw = await reader.read()
    elapsed = time.perf_counter() - started
    writer.close()
    head, _sep, content = raw.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1]) if head else 0
    return status, elapsed, content


HEALTHZ = ("GET", "/healthz", None, {})


async def at_concurrency(port: int, calls: list[tuple], concurrency: int) -> list[tuple]:
    """Every call (``request``'s arguments after the port), ``concurrency`` in flight at any
    moment; their (status, seconds, body) in the order given."""
    gate = asyncio.Semaphore(concurrency)

    async def one(call: tuple) -> tuple:
        async with gate:
            return await request(port, *call)

    return await asyncio.gather(*(one(call) for call in calls))


def beside_healthz(
    port: int, calls: list[tuple], *, concurrency: int, rounds: int = 10
) -> tuple[list[tuple], list[tuple]]:
    """``calls`` at ``concurrency`` and, after each of ``rounds`` equal parts of them, as many
    ``GET /healthz`` at the same concurrency on the same server: the floor under the same client
    load. Alternating keeps both sides under the same background load when it drifts (other
    work on the machine starting or stopping). Returns (results of the calls, of /healthz)."""
    results: list[tuple] = []
    health: list[tuple] = []
    size = -(-len(calls) // rounds)
    for start in range(0, len(calls), size):
        part = calls[start : start + size]
        results += asyncio.run(at_concurrency(port, part, concurrency))
        health += asyncio.run(at_concurrency(port, [HEALTHZ] * len(part), concurrency))
    return results, health


def milliseconds(results: list[tuple]) -> list[float]:
    """The latencies of ``request`` results, in ms."""
    return [seconds * 1000 for _status, seconds, _body in results]


def copy_floor(sources: dict[str, tuple[str, list]], *, repeat: int = 5) -> tuple[float, int]:
    """What the same machine takes to write given rows in bulk: (median seconds, rows).

    ``sources`` maps a table to a query selecting rows of it (SQL and parameters), e.g. the rows
    a benchmark has just written. They are read first (not timed); then, ``repeat`` times, one
    transaction writes each table's rows with one ``COPY`` (psycopg ``cursor.copy``, row by row
    from Python values) into a fresh scratch table of the same shape (``LIKE`` the table: its
    columns, defaults and indexes) and commits; that is timed. Not inside a transaction: the
    commit is part of the write. The scratch tables are dropped after.
    """
    from django.db import connection, transaction

    read: dict[str, tuple[list[str], list[tuple]]] = {}
    with connection.cursor() as cursor:
        for table, (sql, params) in sources.items():
            cursor.execute(sql, params)
            read[table] = ([column.name for column in cursor.description], cursor.fetchall())
    scratch = {table: f"bench_scratch_{table}" for table in read}
    timings = []
    try:
        for _ in range(repeat):
            with connection.cursor() as cursor:
                for table, copy_table in scratch.items():
                    cursor.execute(f'DROP TABLE IF EXISTS "{copy_table}"')
                    cursor.execute(
                        f'CREATE TABLE "{copy_table}" '
                        f'(LIKE "{table}" INCLUDING DEFAULTS INCLUDING INDEXES)'
                    )
            started = time.perf_counter()
            with transaction.atomic(), connection.cursor() as cursor:
                for table, (columns, rows) in read.items():
                    names = ", ".join(f'"{name}"' for name in columns)
                    with cursor.copy(f'COPY "{scratch[table]}" ({names}) FROM STDIN') as copy:
                        for row in rows:
                            copy.write_row(row)
            timings.append(time.perf_counter() - started)
    finally:
        with connection.cursor() as cursor:
            for copy_table in scratch.values():
                cursor.execute(f'DROP TABLE IF EXISTS "{copy_table}"')
    return statistics.median(timings), sum(len(rows) for _columns, rows in read.values())


def judge(benchmark: str, figure: str, floor: str, ratio: float, bar: float, what: str) -> bool:
    """Print and ``record`` one bar, ``ratio`` ≤ ``bar`` (``what`` names the ratio, e.g. "search
    p95 / /healthz p95"); True when it holds."""
    passed = ratio <= bar
    print(f"{what} = {ratio:.2f} (bar ≤ {bar:g}: {'PASS' if passed else 'FAIL'})")
    record(benchmark, figure, floor, ratio, f"≤ {bar:g} ×", passed)
    return passed


RESULTS = ROOT / "var" / "bench-results.jsonl"


def record(benchmark: str, figure: str, floor: str, ratio: float, bar: str, passed: bool) -> None:
    """One row of ``make bench``'s closing table (``bench/summary.py`` prints them): the
    benchmark's figure, the same machine's floor in the same run, their ratio and the bar."""
    RESULTS.parent.mkdir(exist_ok=True)
    row = {
        "benchmark": benchmark,
        "figure": figure,
        "floor": floor,
        "ratio": round(ratio, 3),
        "bar": bar,
        "passed": passed,
    }
    with RESULTS.open("a") as out:
        out.write(json.dumps(row) + "\n")
