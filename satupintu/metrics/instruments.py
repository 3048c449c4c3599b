"""The counters and histograms each process keeps; summed over processes at scrape time.

Labels take only values from a closed set (URL names, status classes, error codes, task
names), never a raw path or anything a client typed: each value is a time series kept forever.
"""

from collections.abc import Callable
from functools import wraps
from pathlib import Path

from django.conf import settings
from prometheus_client import Counter, Histogram, disable_created_metrics

from satupintu.errors import DomainError

if settings.PROMETHEUS_MULTIPROC_DIR:
    # Each process writes its counts in a file of its own there, from the first metric made on.
    Path(settings.PROMETHEUS_MULTIPROC_DIR).mkdir(parents=True, exist_ok=True)
# The *_created series double what is stored and say nothing a dashboard uses.
disable_created_metrics()

REQUESTS = Counter(
    "satupintu_http_requests",
    "Requests answered, by URL name (never the raw path) and status class.",
    ["view", "status"],
)
REQUEST_SECONDS = Histogram(
    "satupintu_http_request_duration_seconds",
    "Time from the request entering Django to its response leaving it, by URL name.",
    ["view"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
BOOKINGS_MADE = Counter(
    "satupintu_bookings_made", "Bookings made (counted once their transaction has committed)."
)
BOOKINGS_REFUSED = Counter(
    "satupintu_bookings_refused",
    "Bookings refused by a rule, by the refusal's code (slot_full, already_booked, closed...).",
    ["reason"],
)
TASK_FAILURES = Counter(
    "satupintu_celery_task_failures",
    "Celery tasks that ended in failure (retries exhausted or not retried), by task name.",
    ["task"],
)


def counts_refusals[**P, R](service: Callable[P, R]) -> Callable[P, R]:
    """Count each DomainError ``service`` raises in ``satupintu_bookings_refused``, by its code."""

    @wraps(service)
    def counted(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return service(*args, **kwargs)
        except DomainError as refusal:
            BOOKINGS_REFUSED.labels(refusal.code).inc()
            raise

    return counted
