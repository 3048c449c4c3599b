"""Booking burst: 2,000 citizens at once for 300 places, against gunicorn in production mode.

Starts gunicorn (production settings, PostgreSQL) on a free port, seeds one service with 300
places in 10 slots and 2,000 citizens with API tokens, then lets 2,000 concurrent clients (an
asyncio client, one connection each) POST /api/v1/bookings/ at once. Prints bookings made,
places over capacity (must be 0), server errors (must be 0), p50/p99 latency, and throughput
as a ratio to the same server's GET /healthz under the same load. Target: p99 < 250 ms.
Then (``--spread``, 20 s by default; 0 skips it) the same 300 places again for 2,000 new
clients arriving at an even pace, to show what a booking costs when it is not queued.

Uses its own database (DATABASE_URL's name + "_bench_booking") and Redis database 11 for the
queued confirmations (no worker runs). Run with `make bench`.
"""

import argparse
import asyncio
import os
import random
import time
from collections import Counter

import harness

REDIS_URL = os.environ.get("BENCH_BOOKING_REDIS_URL", "redis://127.0.0.1:6379/11")
harness.setup("booking", broker_url=REDIS_URL)
ROOT = harness.ROOT

import redis  # noqa: E402
from django.db.models import Count, F  # noqa: E402

from satupintu.accounts.models import User  # noqa: E402
from satupintu.accounts.services import api_token_create  # noqa: E402
from satupintu.booking.models import Booking, ServiceVisit, Slot  # noqa: E402
from satupintu.booking.services.slots import slots_open  # noqa: E402
from satupintu.catalog.models import Service  # noqa: E402
from satupintu.malls.models import Agency  # noqa: E402
from satupintu.notify.models import Message  # noqa: E402

TARGET_P99_MS = 250.0
CLIENTS, SLUG = 2000, "bench-booking"


def seed() -> tuple[list[int], list[str]]:
    """One service, 10 slots of 30 places on the next open day, 2,000 citizens with tokens."""
    mall = harness.visit_mall(slug=SLUG, name="MPP Bench Booking", closes="13:00", seats=1000)
    Message.objects.filter(user__username__startswith="bench-pemesan-").delete()
    User.objects.filter(username__startswith="bench-pemesan-").delete()
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
        report(results, booking_seconds, health, health_seconds, args.workers)
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


def _checked() -> tuple[int, int]:
    """(bookings made, slots over capacity) in the database after a run."""
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
) -> None:
    statuses = [status for status, _t, _b in results]
    latencies = [seconds * 1000 for _s, seconds, _b in results]
    made, over = _checked()
    errors = sum(1 for status in statuses if status >= 500 or status == 0)
    p50, p99 = harness.percentile(latencies, 50), harness.percentile(latencies, 99)
    booking_rate = len(results) / booking_seconds
    health_rate = len(health) / health_seconds
    print(
        f"{CLIENTS} clients at once, {workers} gunicorn workers: {made} bookings made "
        f"for 300 places; 201: {statuses.count(201)}, 409: {statuses.count(409)}, "
        f"other: {len(statuses) - statuses.count(201) - statuses.count(409)}"
    )
    others = [(status, body) for status, _t, body in results if status not in (201, 409)]
    if others:
        counted = Counter(status for status, _b in others)
        print(f"other answers: {dict(counted)}; the first: {others[0][1][:300]!r}")
    print(f"over capacity: {over}; server errors: {errors}")
    print(f"booking latency p50 = {p50:.0f} ms, p99 = {p99:.0f} ms")
    health_p99 = harness.percentile([seconds * 1000 for _s, seconds, _b in health], 99)
    print(f"/healthz latency p99 under the same burst = {health_p99:.0f} ms (the queueing floor)")
    print(
        f"throughput {booking_rate:.0f} bookings/s vs {health_rate:.0f} /healthz/s "
        f"= {booking_rate / health_rate:.2f} of the bare server"
    )
    print(
        f"p99 / target ({TARGET_P99_MS:.0f} ms) = {p99 / TARGET_P99_MS:.2f} "
        f"({'PASS' if p99 < TARGET_P99_MS and not errors and not over else 'FAIL'})"
    )


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
