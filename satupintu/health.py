"""Liveness and readiness probes, and uploaded public files where no proxy serves them."""

import threading
import time
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.http import HttpRequest, JsonResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.views.static import serve
from kombu import Connection

from satupintu.db import REPLICA, replica_configured
from satupintu.notify import selectors as notify
from satupintu.security import protect_file

# An outbox whose oldest message waits longer than this is stuck (workers, broker or provider).
OUTBOX_DEGRADED_AFTER_SECONDS = 600
# Seconds a probe waits for the broker: a probe must answer fast, even when the broker does not.
BROKER_TIMEOUT = 1
# A probe answer about the broker is reused this long: a flood of /readyz requests opens at most
# one broker connection per process and window, not one each.
BROKER_STATE_SECONDS = 5.0
_broker_state: dict[str, tuple[str, float]] = {}
_broker_lock = threading.Lock()


def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up."""
    return JsonResponse({"status": "ok"})


def _database(alias: str) -> str:
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return "down"
    return "up"


def _broker() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER or not settings.CELERY_BROKER_URL:
        return "not configured"
    url = settings.CELERY_BROKER_URL
    # One probe at a time per process; the others wait for its answer and reuse it.
    with _broker_lock:
        state, until = _broker_state.get(url, ("", 0.0))
        if time.monotonic() >= until:
            state = _probe_broker(url)
            _broker_state[url] = (state, time.monotonic() + BROKER_STATE_SECONDS)
    return state


def _probe_broker(url: str) -> str:
    options = {"socket_timeout": BROKER_TIMEOUT, "socket_connect_timeout": BROKER_TIMEOUT}
    try:
        # Opening a channel on Redis sends PING; on AMQP it is the protocol's handshake.
        with Connection(url, connect_timeout=BROKER_TIMEOUT, transport_options=options) as broker:
            broker.ensure_connection(max_retries=1, interval_start=0, timeout=BROKER_TIMEOUT)
    except Exception:  # whatever the transport raises, the broker cannot take work
        return "down"
    return "up"


def _outbox_oldest_seconds() -> int | None:
    oldest = notify.outbox_oldest_undelivered()
    return None if oldest is None else max(0, int((timezone.now() - oldest).total_seconds()))


def readyz(request: HttpRequest) -> JsonResponse:
    """Whether the process can serve, and how well (README "Probes").

    ``unavailable`` (503) when the database does not answer: take the process out of rotation.
    ``degraded`` (200) when the broker or the replica is down or the outbox's oldest message has
    waited over ten minutes: every process shares these, so taking them out of rotation would
    only turn late messages into a closed site; monitors alert on the status instead. The answer
    names states and a number, never a host, an address or a message.
    """
    answer: dict[str, Any] = {"status": "ok", "database": _database(DEFAULT_DB_ALIAS)}
    if replica_configured():
        answer["replica"] = _database(REPLICA)
    answer["broker"] = _broker()
    age = None
    if answer["database"] == "up":
        try:
            age = _outbox_oldest_seconds()
        except DatabaseError:
            answer["database"] = "down"
    answer["outbox"] = {"oldest_undelivered_seconds": age}
    if answer["database"] == "down":
        answer["status"] = "unavailable"
        return JsonResponse(answer, status=503)
    if (
        answer.get("replica") == "down"
        or answer["broker"] == "down"
        or (age is not None and age > OUTBOX_DEGRADED_AFTER_SECONDS)
    ):
        answer["status"] = "degraded"
    return JsonResponse(answer)


def media(request: HttpRequest, path: str) -> HttpResponseBase:
    """Uploaded public documents (downloadable forms) from MEDIA_ROOT: PDFs may open in the
    browser, anything else is a download; sandboxed either way."""
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    if response.status_code != 200:
        return response
    return protect_file(
        response, content_type=response.get("Content-Type", ""), filename=path.rsplit("/", 1)[-1]
    )
