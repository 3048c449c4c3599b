"""Report filing: 2,000 complaints filed through the API at concurrency 50, against gunicorn in
production mode, beside the same server's /healthz under the same load.

Starts gunicorn (production settings, PostgreSQL, connections kept: DB_CONN_MAX_AGE's production
default) on a free port, with the reports throttle lifted (every client is 127.0.0.1), then 50
clients at a time (an asyncio client, one connection per request) POST /api/v1/reports/ until
2,000 are filed and GET /healthz 2,000 times the same way, in ten alternating rounds of 200
(``--rounds``), so that other work on the machine weighs on both alike. Prints filings/s
beside /healthz/s and their ratio (bar: >= 0.3), p50/p99 of both, server errors (must be 0),
and that the 2,000 tracking IDs are distinct and consecutive. A filing's email confirmation is
queued, not sent.
Before the run, one filing made in this process through the test client prints its queries (the
test of their number: satupintu/complaints/api/tests/test_reports.py), and the floor: what one
request costs in this process, one at a time through the whole middleware stack, for /healthz,
for the least a write can be (an anonymous DRF POST of one validated field writing one row, on
a URL of this script's own) and for a filing; /healthz's cost over the others' is the ratio the
server could reach were it bound by this process's work alone. The figure goes to
``make bench``'s closing table (``harness.record``).

Uses its own database (DATABASE_URL's name + "_bench_reports") and Redis database 10 as the
broker (``BENCH_REPORT_REDIS_URL``; emptied before and after; no worker runs). Run with
`make bench`.
"""

import argparse
import asyncio
import os
import sys
import time

import harness

REDIS_URL = os.environ.get("BENCH_REPORT_REDIS_URL", "redis://127.0.0.1:6379/10")
# Lifted in this process too, for the in-process costs (gunicorn is given it below).
os.environ["REPORT_THROTTLE_RATE"] = "1000000/hour"
harness.setup("reports", broker_url=REDIS_URL)
ROOT = harness.ROOT

import redis  # noqa: E402
from django.urls import path  # noqa: E402
from rest_framework import serializers  # noqa: E402
from rest_framework.permissions import AllowAny  # noqa: E402
from rest_framework.request import Request  # noqa: E402
from rest_framework.response import Response  # noqa: E402
from rest_framework.views import APIView  # noqa: E402

from satupintu import urls as project_urls  # noqa: E402
from satupintu.complaints.models import Report, ReportCounter  # noqa: E402
from satupintu.malls.models import Mall  # noqa: E402
from satupintu.notify.models import Message  # noqa: E402

BAR = 0.3
FILINGS, CONCURRENCY, SLUG = 2000, 50, "bench-reports"


def seed() -> Mall:
    """A fresh mall; the reports (and counters) of an earlier run go."""
    Message.objects.filter(mall__slug=SLUG).delete()
    Report.objects.all().delete()
    ReportCounter.objects.all().delete()
    Mall.objects.filter(slug=SLUG).delete()
    return Mall.objects.create(
        slug=SLUG, name="MPP Bench Pengaduan", kind=Mall.Kind.CITY, region_code="32.71"
    )


async def at_concurrency(port: int, calls: list[tuple], concurrency: int) -> tuple[list, float]:
    """Every call, ``concurrency`` in flight at any moment; (results, seconds)."""
    gate = asyncio.Semaphore(concurrency)

    async def one(call: tuple) -> tuple:
        async with gate:
            return await harness.request(port, *call)

    started = time.perf_counter()
    results = await asyncio.gather(*(one(call) for call in calls))
    return results, time.perf_counter() - started


def alternating(
    port: int, calls: list[tuple], concurrency: int, rounds: int
) -> tuple[list, float, list, float]:
    """``calls`` in ``rounds`` equal parts, each followed by as many ``GET /healthz`` at the same
    concurrency on the same server (``harness.beside_healthz``, timed per side): a machine whose
    other work starts or stops during the run weighs on both sides alike, not on whichever ran
    while it did. Returns (filings, their seconds, /healthz answers, their seconds)."""
    filed: list = []
    health: list = []
    filing_seconds = health_seconds = 0.0
    size = -(-len(calls) // rounds)
    for start in range(0, len(calls), size):
        part = calls[start : start + size]
        results, seconds = asyncio.run(at_concurrency(port, part, concurrency))
        filed, filing_seconds = filed + results, filing_seconds + seconds
        results, seconds = asyncio.run(
            at_concurrency(port, [harness.HEALTHZ] * len(part), concurrency)
        )
        health, health_seconds = health + results, health_seconds + seconds
    return filed, filing_seconds, health, health_seconds


def filing_calls(filings: int) -> list[tuple]:
    return [
        (
            "POST",
            "/api/v1/reports/",
            {
                "mall": SLUG,
                "kind": "pengaduan",
                "category": "biaya",
                "title": f"Pungutan di loket {n}",
                "text": "Petugas meminta uang tambahan untuk mempercepat KTP-el saya.",
                "name": "Warga Bench",
                "email": f"warga{n}@example.id",
            },
            # What the TLS-terminating proxy in front of production adds.
            {"X-Forwarded-Proto": "https"},
        )
        for n in range(filings)
    ]


def filing_queries() -> int:
    """The queries of one filing with an email, made in this process through the test client
    (the transaction's BEGIN and COMMIT included), printed one by one; the run's seed() clears
    the report and its number away."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    seed()
    _method, path, body, _headers = filing_calls(1)[0]
    client = Client(REMOTE_ADDR="192.0.2.1")
    client.post(path, body, content_type="application/json")  # the year's counter row is made
    with CaptureQueriesContext(connection) as queries:
        answer = client.post(path, body, content_type="application/json")
    if answer.status_code != 201:
        sys.exit(f"the in-process filing was refused: {answer.status_code} {answer.content!r}")
    for query in queries.captured_queries:
        print(f"  {query['sql'][:110]}")
    return len(queries.captured_queries)


class OneRowView(APIView):
    """The least a write through the API can be: anonymous, one field validated, one row."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []

    class Body(serializers.Serializer):
        year = serializers.IntegerField(min_value=1, max_value=30000)

    def post(self, request: Request) -> Response:
        body = self.Body(data=request.data)
        body.is_valid(raise_exception=True)
        ReportCounter.objects.create(year=body.validated_data["year"])
        return Response({"ok": True}, status=201)


# This script is the URL conf of the in-process costs: the project's URLs and the one above.
urlpatterns = [path("bench/one-row/", OneRowView.as_view()), *project_urls.urlpatterns]


def in_process_costs(rounds: int = 5, per_round: int = 40) -> dict[str, float]:
    """Milliseconds per request, one at a time in this process through the test client (the
    median of ``rounds`` interleaved rounds): /healthz, one row, a filing."""
    from django.test import Client, override_settings

    seed()
    client = Client(REMOTE_ADDR="192.0.2.2")
    _method, path_, body, _headers = filing_calls(1)[0]
    years = iter(range(1, 30000))
    kinds = {
        "/healthz": lambda: client.get("/healthz"),
        "one row": lambda: client.post(
            "/bench/one-row/", {"year": next(years)}, content_type="application/json"
        ),
        "filing": lambda: client.post(path_, body, content_type="application/json"),
    }
    times: dict[str, list[float]] = {kind: [] for kind in kinds}
    with override_settings(ROOT_URLCONF=__name__):
        for kind, call in kinds.items():  # warm: first imports, connections, the counter row
            assert call().status_code in (200, 201), kind
        for _round in range(rounds):
            for kind, call in kinds.items():
                started = time.perf_counter()
                for _ in range(per_round):
                    call()
                times[kind].append((time.perf_counter() - started) / per_round * 1000)
    return {kind: harness.percentile(values, 50) for kind, values in times.items()}


def summary(label: str, results: list, seconds: float) -> tuple[float, float]:
    latencies = [elapsed * 1000 for _s, elapsed, _b in results]
    rate = len(results) / seconds
    p50, p99 = harness.percentile(latencies, 50), harness.percentile(latencies, 99)
    print(f"{label}: {rate:.0f}/s, p50 = {p50:.0f} ms, p99 = {p99:.0f} ms")
    return rate, p99


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 2) + 1)
    parser.add_argument("--filings", type=int, default=FILINGS)
    parser.add_argument("--concurrency", type=int, default=CONCURRENCY)
    parser.add_argument(
        "--rounds", type=int, default=10, help="filings and /healthz alternate this many times"
    )
    args = parser.parse_args()
    broker = redis.Redis.from_url(REDIS_URL)
    broker.flushdb()
    queries = filing_queries()
    print(f"queries per filing: {queries}")
    costs = in_process_costs()
    print(
        "in-process, one request at a time (ms): "
        + ", ".join(f"{kind} {ms:.2f}" for kind, ms in costs.items())
    )
    health = costs["/healthz"]
    print(
        f"floor: /healthz's cost over a one-row write's = {health / costs['one row']:.2f}, "
        f"over a filing's = {health / costs['filing']:.2f}"
    )
    seed()
    broker.flushdb()  # the run starts with no delivery queued
    port = harness.free_port()
    log = ROOT / "var" / "bench-reports-gunicorn.log"
    log.parent.mkdir(exist_ok=True)
    server = harness.start_gunicorn(
        port, args.workers, log, REPORT_THROTTLE_RATE="1000000/hour", CELERY_BROKER_URL=REDIS_URL
    )
    try:
        warm = [("GET", "/healthz", None, {}) for _ in range(args.concurrency)]
        asyncio.run(at_concurrency(port, warm, args.concurrency))
        load = os.getloadavg()
        filed, filing_seconds, health, health_seconds = alternating(
            port, filing_calls(args.filings), args.concurrency, args.rounds
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    broker.flushdb()

    statuses = [status for status, _t, _b in filed]
    errors = sum(1 for status in statuses if status >= 500 or status == 0)
    others = [(status, body) for status, _t, body in filed if status != 201]
    seqs = sorted(
        int(tracking_id.rsplit("-", 1)[1])
        for tracking_id in Report.objects.values_list("tracking_id", flat=True)
    )
    print(
        f"{args.filings} filings at concurrency {args.concurrency}, "
        f"{args.workers} gunicorn workers, "
        f"load average before {load[0]:.2f}: 201: {statuses.count(201)}, other: {len(others)}, "
        f"server errors: {errors}"
    )
    if others:
        print(f"the first other answer: {others[0][0]} {others[0][1][:300]!r}")
    consecutive = seqs == list(range(1, len(seqs) + 1)) and len(seqs) == statuses.count(201)
    print(f"tracking IDs: {len(seqs)} distinct and consecutive: {consecutive}")
    filing_rate, _p99 = summary("filing", filed, filing_seconds)
    health_rate, _p99 = summary("/healthz under the same load", health, health_seconds)
    ratio = filing_rate / health_rate
    passed = ratio >= BAR and not errors and not others and consecutive
    print(
        f"throughput {filing_rate:.0f} filings/s vs {health_rate:.0f} /healthz/s = {ratio:.2f} "
        f"(bar >= {BAR}) {'PASS' if passed else 'FAIL'}"
    )
    harness.record(
        "report filing throughput",
        f"{filing_rate:.0f} filings/s ({queries} queries each)",
        f"{health_rate:.0f} /healthz/s",
        ratio,
        f">= {BAR}",
        passed,
    )
    if not passed:
        sys.exit(1)


if __name__ == "__main__":
    main()
