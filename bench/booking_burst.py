"""Booking burst: 2,000 citizens at once for 300 places, against gunicorn in production mode.

Starts gunicorn (production settings, PostgreSQL, the Redis cache) on a free port, seeds one
service with 300 places in 10 slots and 2,000 citizens with API tokens, first counts in-process
the queries of one booking made and of one refused (each with a token not used before, as in
the burst), then lets 2,000 concurrent clients (an asyncio client, one connection each) POST
/api/v1/bookings/ at once, then 2,000 GET /healthz the same way. Prints bookings made, places
over capacity, server errors, confirmations queued, p50/p99 latency and throughput beside
/healthz's. The bars (DESIGN.md): booking requests answered per second >= 0.5 x /healthz's,
booking p99 <= 2 x /healthz's p99, exactly the capacity booked, 0 over, 0 server errors, a
queued confirmation per booking; exit 1 when one fails.
Then (``--spread``, 20 s by default; 0 skips it) the same 300 places again for 2,000 new
clients arriving at an even pace, to show what a booking costs when it is not queued.

Uses its own database (DATABASE_URL's name + "_bench_booking") and one Redis database (the
cache and the broker of the queued confirmations; no worker runs), emptied before and after:
BENCH_BOOKING_REDIS_URL, by default redis://127.0.0.1:6379/11. Run with `make bench`.
"""

import argparse
import asyncio
import os
import random
import sys
import time
from collections import Counter

import harness

REDIS_URL = os.environ.get("BENCH_BOOKING_REDIS_URL", "redis://127.0.0.1:6379/11")
# As in production: the cache every worker shares (throttles, tokens, full slots) is a Redis.
os.environ["CACHE_URL"] = REDIS_URL
harness.setup("booking", broker_url=REDIS_URL)
ROOT = harness.ROOT

import redis  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count, F  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from satupintu.accounts.models import User  # noqa: E402
from satupintu.accounts.services import api_token_create  # noqa: E402
from satupintu.booking.models import Booking, ServiceVisit, Slot  # noqa: E402
from satupintu.booking.services.slots import slots_open  # noqa: E402
from satupintu.catalog.models import Service  # noqa: E402
from satupintu.malls.models import Agency  # noqa: E402
from satupintu.notify.models import Event, Message  # noqa: E402

THROUGHPUT_BAR, P99_BAR = 0.5, 2.0
CLIENTS, PLACES, SLUG, PROBE = 2000, 300, "bench-booking", "bench-booking-probe"


def visit_service(slug: str) -> Service:
    """A fresh mall with one service visited in 30-minute slots of 30 places (08:00-13:00)."""
    mall = harness.visit_mall(slug=slug, name=f"MPP {slug}", closes="13:00", seats=1000)
    agency = Agency.objects.create(
        mall=mall, name="Disdukcapil Bench", slug="disdukcapil", kind=Agency.Kind.LOCAL
    )
    service = Service.objects.create(
        agency=agency,
        name="Perekaman KTP-el",
        slug="perekaman-ktp-el",
        duration_working_days=1,
        product="KTP-el",
        complaint_handling="SP4N-LAPOR!",
        channel=Service.Channel.IN_PERSON,
    )
    ServiceVisit.objects.create(service=service, slot_minutes=30, minutes_per_visitor=1)
    return service


def seed() -> tuple[list[int], list[str]]:
    """One service, 10 slots of 30 places on the next open day, 2,000 citizens with tokens."""
    service = visit_service(SLUG)
    # The probe's bookings of an earlier run too: its citizens go with the burst's.
    Booking.objects.filter(service__agency__mall__slug=PROBE).delete()
    Message.objects.filter(user__username__startswith="bench-pemesan-").delete()
    User.objects.filter(username__startswith="bench-pemesan-").delete()
    day = harness.next_open_day()
    slots = slots_open(service=service, day=day).slots
    assert len(slots) == 10 and all(s.capacity == 30 for s in slots), slots
    citizens = User.objects.bulk_create(
        User(
            username=f"bench-pemesan-{n}",
            nik=f"32730145019{n:05d}",
            email=f"p{n}@example.id",
            notification_channels=["email"],
        )
        for n in range(CLIENTS)
    )
    secrets = [api_token_create(user=u)[1] for u in citizens]
    return [s.pk for s in slots], secrets


async def burst(port: int, calls: list[tuple], spread: float = 0.0) -> tuple[list, float]:
    """Every call at once, or (``spread`` seconds) one after another at an even pace."""

    async def paced(n: int, call: tuple) -> tuple:
        await asyncio.sleep(n * spread / len(calls))
        return await harness.request(port, *call)

    started = time.perf_counter()
    results = await asyncio.gather(*(paced(n, call) for n, call in enumerate(calls)))
    return results, time.perf_counter() - started


def floor_costs(slot_id: int, secret: str, rounds: int = 100) -> dict[str, float]:
    """Median in-process milliseconds of /healthz, of the booking view refusing a request without
    a token (401: DRF's own cost, no round trip), of an authenticated no-op (POST
    /api/v1/bookings/ refused 400 by its serializer, the token answered from the cache: one
    Redis round trip, no query) and of a refusal from a full slot's mark (the token from the
    cache, the Idempotency-Key looked up: one Redis round trip more and one query); taken in
    turn so that each meets the same load. What a booking request cannot cost less than."""
    client = Client()
    calls = {
        "/healthz": lambda n: client.get("/healthz"),
        "DRF 401 (no round trip)": lambda n: client.post(
            "/api/v1/bookings/", {"slot": 0}, content_type="application/json"
        ),
        "authenticated no-op": lambda n: client.post(
            "/api/v1/bookings/",
            {"slot": 0},
            content_type="application/json",
            headers={"Authorization": f"Token {secret}"},
        ),
        "refusal from the mark": lambda n: client.post(
            "/api/v1/bookings/",
            {"slot": slot_id},
            content_type="application/json",
            headers={"Authorization": f"Token {secret}", "Idempotency-Key": f"floor-{n}"},
        ),
    }
    spent: dict[str, list[float]] = {name: [] for name in calls}
    with override_settings(ALLOWED_HOSTS=["testserver"]):
        for n in range(rounds):
            for name, call in calls.items():
                started = time.perf_counter()
                call(n)
                spent[name].append((time.perf_counter() - started) * 1000)
    return {name: harness.percentile(times, 50) for name, times in spent.items()}


def queries_per_booking() -> tuple[int, int, int]:
    """Queries of one booking made, of the refusal that finds its slot full in the database,
    and of a refusal after it (the common case of a burst); each by a citizen whose token is
    used for the first time, in a mall of its own (the burst's figures stay whole)."""
    service = visit_service(PROBE)
    slot = slots_open(service=service, day=harness.next_open_day()).slots[0]
    citizens = User.objects.bulk_create(
        User(username=f"bench-pemesan-probe-{n}", nik=f"32730145019{n:05d}", email=f"q{n}@x.id")
        for n in range(5000, 5003)
    )
    client, counts, secret = Client(), [], ""
    with override_settings(ALLOWED_HOSTS=["testserver"]):
        for n, citizen in enumerate(citizens):
            if n == 1:  # the slot fills
                Slot.objects.filter(pk=slot.pk).update(booked=F("capacity"))
            secret = api_token_create(user=citizen)[1]
            with CaptureQueriesContext(connection) as queries:
                response = client.post(
                    "/api/v1/bookings/",
                    {"slot": slot.pk},
                    content_type="application/json",
                    headers={"Authorization": f"Token {secret}", "Idempotency-Key": f"q-{n}"},
                )
            assert response.status_code == (201 if n == 0 else 409), response.content
            counts.append(len(queries))
    made, first_refusal, refusal = counts
    costs = floor_costs(slot.pk, secret)
    print(
        "in-process medians, taken in turn (the floor): "
        + ", ".join(f"{name} {ms:.1f} ms" for name, ms in costs.items())
        + f"; no-op / healthz = {costs['authenticated no-op'] / costs['/healthz']:.1f}"
    )
    return made, first_refusal, refusal


def booking_calls(slot_ids: list[int], tokens: list[str]) -> list[tuple]:
    rng = random.Random(2020)
    return [
        (
            "POST",
            "/api/v1/bookings/",
            {"slot": rng.choice(slot_ids)},
            {
                "Authorization": f"Token {token}",
                "Idempotency-Key": f"bench-{n}",
                # What the TLS-terminating proxy in front of production adds; without it
                # production answers every API call with the HTTPS redirect.
                "X-Forwarded-Proto": "https",
            },
        )
        for n, token in enumerate(tokens)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 2) + 1)
    parser.add_argument(
        "--spread",
        type=float,
        default=20.0,
        help="a second run with the same clients arriving evenly over this many seconds",
    )
    args = parser.parse_args()
    redis.Redis.from_url(REDIS_URL).flushdb()
    slot_ids, tokens = seed()
    made_queries, first_refusal_queries, refusal_queries = queries_per_booking()
    print(
        f"queries per booking made: {made_queries}; per refusal: {refusal_queries} "
        f"(the first refusal of a full slot, from the database: {first_refusal_queries}); "
        "each with a token used for the first time"
    )
    port = harness.free_port()
    log = ROOT / "var" / "bench-booking-gunicorn.log"
    log.parent.mkdir(exist_ok=True)
    server = harness.start_gunicorn(port, args.workers, log, DB_CONN_MAX_AGE="60")
    try:
        warm = [("GET", "/healthz", None, {}) for _ in range(50)]
        asyncio.run(burst(port, warm))
        results, booking_seconds = asyncio.run(burst(port, booking_calls(slot_ids, tokens)))
        health, health_seconds = asyncio.run(
            burst(port, [("GET", "/healthz", None, {}) for _ in range(CLIENTS)])
        )
        passed = report(results, booking_seconds, health, health_seconds, args.workers)
        if args.spread:
            slot_ids, tokens = seed()  # the same 300 places again, for new clients
            paced, _seconds = asyncio.run(
                burst(port, booking_calls(slot_ids, tokens), spread=args.spread)
            )
            report_paced(paced, args.spread)
    finally:
        server.terminate()
        server.wait(timeout=30)

    redis.Redis.from_url(REDIS_URL).flushdb()
    if not passed:
        sys.exit(1)


def _checked() -> tuple[int, int]:
    """(bookings made, slots over capacity) in the burst's mall after a run."""
    made = Booking.objects.filter(service__agency__mall__slug=SLUG).count()
    over = Slot.objects.filter(service__agency__mall__slug=SLUG, booked__gt=F("capacity")).count()
    per_slot = (
        Booking.objects.filter(service__agency__mall__slug=SLUG)
        .values("slot")
        .annotate(n=Count("pk"))
        .filter(n__gt=30)
        .count()
    )
    return made, over + per_slot


def report(
    results: list, booking_seconds: float, health: list, health_seconds: float, workers: int
) -> bool:
    """Print the burst's figures beside /healthz's, record both ratios; whether all bars hold."""
    statuses = [status for status, _t, _b in results]
    latencies = [seconds * 1000 for _s, seconds, _b in results]
    made, over = _checked()
    confirmed = Message.objects.filter(
        mall__slug=SLUG, event=Event.BOOKING_CONFIRMED, user__username__startswith="bench-"
    ).count()
    errors = sum(1 for status in statuses if status >= 500 or status == 0)
    p50, p99 = harness.percentile(latencies, 50), harness.percentile(latencies, 99)
    booking_rate = len(results) / booking_seconds
    health_rate = len(health) / health_seconds
    health_p99 = harness.percentile([seconds * 1000 for _s, seconds, _b in health], 99)
    print(
        f"{CLIENTS} clients at once, {workers} gunicorn workers: {made} bookings made "
        f"for {PLACES} places; 201: {statuses.count(201)}, 409: {statuses.count(409)}, "
        f"other: {len(statuses) - statuses.count(201) - statuses.count(409)}"
    )
    others = [(status, body) for status, _t, body in results if status not in (201, 409)]
    if others:
        counted = Counter(status for status, _b in others)
        print(f"other answers: {dict(counted)}; the first: {others[0][1][:300]!r}")
    whole = made == PLACES and not over and not errors and confirmed == made
    print(
        f"over capacity: {over}; server errors: {errors}; confirmations queued: {confirmed} "
        f"({'PASS' if whole else 'FAIL'}: {PLACES} made, 0 over, 0 errors, one per booking)"
    )
    print(f"booking latency p50 = {p50:.0f} ms, p99 = {p99:.0f} ms")
    print(f"/healthz latency p99 under the same burst = {health_p99:.0f} ms (the queueing floor)")
    throughput = booking_rate / health_rate
    latency = p99 / health_p99
    print(
        f"throughput {booking_rate:.0f} booking requests/s vs {health_rate:.0f} /healthz/s "
        f"= {throughput:.2f} (bar >= {THROUGHPUT_BAR}: "
        f"{'PASS' if throughput >= THROUGHPUT_BAR else 'FAIL'})"
    )
    print(
        f"p99 {p99:.0f} ms vs /healthz p99 {health_p99:.0f} ms = {latency:.2f} "
        f"(bar <= {P99_BAR}: {'PASS' if latency <= P99_BAR else 'FAIL'})"
    )
    harness.record(
        "booking burst throughput",
        f"{booking_rate:.0f} req/s ({made} made, {over} over, {errors} errors)",
        f"{health_rate:.0f} /healthz/s",
        throughput,
        f">= {THROUGHPUT_BAR}, all {PLACES} places, 0 over, 0 errors",
        throughput >= THROUGHPUT_BAR and whole,
    )
    harness.record(
        "booking burst p99",
        f"{p99:.0f} ms",
        f"{health_p99:.0f} ms /healthz p99",
        latency,
        f"<= {P99_BAR}",
        latency <= P99_BAR and whole,
    )
    return whole and throughput >= THROUGHPUT_BAR and latency <= P99_BAR


def report_paced(results: list, spread: float) -> None:
    """The same clients arriving at an even pace: what a booking costs when not queued."""
    statuses = [status for status, _t, _b in results]
    latencies = [seconds * 1000 for _s, seconds, _b in results]
    made, over = _checked()
    errors = sum(1 for status in statuses if status >= 500 or status == 0)
    p50, p99 = harness.percentile(latencies, 50), harness.percentile(latencies, 99)
    print(
        f"paced: {CLIENTS} clients over {spread:.0f} s ({CLIENTS / spread:.0f}/s): {made} made, "
        f"over capacity {over}, server errors {errors}, p50 = {p50:.0f} ms, p99 = {p99:.0f} ms"
    )


if __name__ == "__main__":
    main()
