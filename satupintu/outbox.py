"""The mechanics every outbox of this project shares: webhook deliveries (``api``) and calls
to outside systems (``integrations``).

A row is written in the change's own transaction; once that commits a worker is asked to make
it; a worker claims it by pushing its next attempt past the call's timeout (no other worker, nor
the sweep, takes it meanwhile, and a worker that dies mid-call only delays it); a failure is
retried after growing delays; the sweep asks again for whatever is due, so a broker that was
down loses nothing.
"""

import logging
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.db import models
from django.db.models import Count, F, Min
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

# How long to wait after each failed attempt; after the last one the row has failed.
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=12),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
SWEEP_BATCH = 500
PENDING = "pending"


def retry_delay(attempts: int) -> timedelta | None:
    """How long to wait after the ``attempts``-th failed attempt; None: give up."""
    return BACKOFF[attempts - 1] if 0 < attempts <= len(BACKOFF) else None


class OutboxRow(models.Model):
    """The fields of a row of an outbox; each outbox names its statuses (``status`` with its
    own choices, ``"pending"`` among them) and adds its index of due rows (``status="pending"``
    on ``next_attempt_at``)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    payload = models.JSONField(_("payload"))
    status = models.CharField(_("status"), max_length=10, default=PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    last_status_code = models.PositiveSmallIntegerField(
        _("last HTTP status"), null=True, blank=True
    )
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        abstract = True


def claim(model: type[OutboxRow], pk: Any, *, lease_seconds: float) -> bool:
    """Take the pending row ``pk`` if it is due, counting the attempt; False when it is not
    due or another worker holds it."""
    now = timezone.now()
    return bool(
        model._default_manager.filter(pk=pk, status=PENDING, next_attempt_at__lte=now).update(
            attempts=F("attempts") + 1, next_attempt_at=now + timedelta(seconds=lease_seconds)
        )
    )


def due_ids(model: type[OutboxRow], *, limit: int = SWEEP_BATCH) -> list[str]:
    """The pending rows whose time has come, the longest waiting first."""
    return [
        str(pk)
        for pk in model._default_manager.filter(status=PENDING, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    ]


def queue_each(task: Any, ids: Iterable[str], *, what: str) -> None:
    """Ask a worker to handle each row; when the broker is down, stop: the rows are safe in the
    outbox and the sweep asks again later."""
    for row_id in ids:
        try:
            task.delay(row_id)
        except Exception:  # broker down
            logger.warning("could not queue %s %s", what, row_id, exc_info=True)
            return


def backlog(model: type[OutboxRow]) -> tuple[int, datetime | None]:
    """Rows still to be handled (new or waiting for a retry) and when the oldest was written;
    one query over the partial index of pending rows."""
    row = (
        model._default_manager.filter(status=PENDING)
        .order_by()
        .aggregate(depth=Count("pk"), oldest=Min("created_at"))
    )
    return row["depth"], row["oldest"]
