"""Webhooks: every change of an application, signed and posted to the outside systems.

A change writes one delivery row per matching webhook inside the change's own transaction (an
outbox: a broker that is down loses nothing), and delivery is queued once it commits. A delivery
that fails is retried with growing delays, then marked failed. The signature follows Stripe's:
``X-SatuPintu-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">``.
"""

import hashlib
import hmac
import http.client
import json
import logging
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from satupintu import outbox
from satupintu.api.models import Webhook, WebhookDelivery
from satupintu.cases.models import Application, Transition

logger = logging.getLogger(__name__)

EVENT = "application.status_changed"
SIGNATURE_HEADER = "X-SatuPintu-Signature"


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The signature header's value for ``body`` sent at ``timestamp`` (Unix seconds)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(
    secret: str, body: bytes, header: str, *, tolerance: int = 300, now: float | None = None
) -> bool:
    """Whether ``header`` signs ``body`` with ``secret`` less than ``tolerance`` seconds ago:
    what a receiver checks (the README shows the same in a few lines)."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = sign(secret, body, timestamp).rsplit("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


@dataclass(frozen=True)
class Outcome:
    """What the receiver answered: its HTTP status, or why there was none."""

    status_code: int | None
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not a new address to send the signed body to."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def post(url: str, body: bytes, headers: dict[str, str], *, timeout: float) -> Outcome:
    """POST ``body`` to ``url``; any answer but 2xx, and no answer, is a failure."""
    # The URL is one the administrators registered, http(s) only (URLField).
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with _opener.open(request, timeout=timeout) as response:
            response.read(1024)
            return Outcome(response.status)
    except urllib.error.HTTPError as exc:
        return Outcome(exc.code, f"HTTP {exc.code}")
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
        return Outcome(None, f"{type(exc).__name__}: {exc}"[:500])


def payload_for(
    application: Application, transition: Transition, delivery_id: str
) -> dict[str, Any]:
    """What a receiver is told: the case and the change, never who the applicant is."""
    agency = application.service.agency
    return {
        "event": EVENT,
        "id": delivery_id,
        "occurred_at": transition.created_at.isoformat(),
        "application": {
            "id": application.pk,
            "tracking_number": application.tracking_number,
            "service": {"id": application.service_id, "name": application.service.name},
            "agency": {"id": agency.pk, "name": agency.name},
            "mall": agency.mall.slug,
            "status": application.status,
            "step": application.step,
            "due_date": application.due_date.isoformat() if application.due_date else None,
        },
        "transition": {
            "action": transition.action,
            "from_status": transition.from_status,
            "to_status": transition.to_status,
            "from_step": transition.from_step,
            "to_step": transition.to_step,
            "at": transition.created_at.isoformat(),
        },
    }


def webhooks_for(application: Application) -> list[Webhook]:
    """The active webhooks whose mall and agency (when set) are the application's."""
    agency = application.service.agency
    return list(
        Webhook.objects.filter(is_active=True)
        .filter(Q(mall__isnull=True) | Q(mall_id=agency.mall_id))
        .filter(Q(agency__isnull=True) | Q(agency_id=agency.pk))
    )


def record_change(
    sender: Any, *, application: Application, transition: Transition, **kwargs: Any
) -> list[WebhookDelivery]:
    """The receiver of ``application_changed``: one delivery per matching webhook, written in
    the change's transaction and queued once it commits."""
    deliveries = []
    for webhook in webhooks_for(application):
        delivery_id = uuid.uuid4()
        deliveries.append(
            WebhookDelivery(
                id=delivery_id,
                webhook=webhook,
                event=EVENT,
                payload=payload_for(application, transition, str(delivery_id)),
            )
        )
    if deliveries:
        WebhookDelivery.objects.bulk_create(deliveries)
        ids = [str(d.pk) for d in deliveries]
        transaction.on_commit(lambda: queue_delivery(ids))
    return deliveries


def queue_delivery(ids: list[str]) -> None:
    """Ask a worker to deliver each; if the broker is down the sweep asks again later."""
    from satupintu.api import tasks

    outbox.queue_each(tasks.webhook_deliver, ids, what="webhook delivery")


def body_of(delivery: WebhookDelivery) -> bytes:
    return json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()


def delivery_attempt(*, delivery_id: str) -> WebhookDelivery | None:
    """Send one due delivery and record the answer. Returns it in its new state, or None when
    it was not due or another worker holds it."""
    if not outbox.claim(WebhookDelivery, delivery_id, lease_seconds=settings.WEBHOOK_TIMEOUT + 60):
        return None
    delivery = WebhookDelivery.objects.select_related("webhook").get(pk=delivery_id)
    webhook = delivery.webhook
    if webhook.is_active:
        body = body_of(delivery)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "SatuPintu-Webhooks/1",
            "X-SatuPintu-Event": delivery.event,
            "X-SatuPintu-Delivery": str(delivery.pk),
            SIGNATURE_HEADER: sign(webhook.secret, body, int(time.time())),
        }
        outcome = post(webhook.url, body, headers, timeout=settings.WEBHOOK_TIMEOUT)
        delay = None if outcome.ok else outbox.retry_delay(delivery.attempts)
    else:
        outcome, delay = Outcome(None, "webhook deactivated"), None
    delivery.last_status_code = outcome.status_code
    delivery.last_error = outcome.error
    if outcome.ok:
        delivery.status = WebhookDelivery.Status.DELIVERED
        delivery.delivered_at = timezone.now()
    elif delay is None:
        delivery.status = WebhookDelivery.Status.FAILED
    else:
        delivery.next_attempt_at = timezone.now() + delay
    if not outcome.ok:
        logger.info("webhook delivery %s failed: %s", delivery.pk, outcome.error)
    delivery.save(
        update_fields=[
            "status",
            "delivered_at",
            "next_attempt_at",
            "last_status_code",
            "last_error",
        ]
    )
    return delivery


def deliveries_sweep(*, limit: int = outbox.SWEEP_BATCH) -> int:
    """Queue the pending deliveries whose time has come (retries, and those a broker lost).
    Returns how many were queued."""
    ids = outbox.due_ids(WebhookDelivery, limit=limit)
    queue_delivery(ids)
    return len(ids)


def deliveries_backlog() -> tuple[int, datetime | None]:
    """Deliveries still to be made (pending, new or waiting for a retry) and when the oldest of
    them was written."""
    return outbox.backlog(WebhookDelivery)
