"""The outbox of calls to outside systems, and each system's log and state.

A change writes its call in its own transaction (``call_enqueue``); once it commits a worker
makes it (``call_attempt``); a failure is retried with growing delays; a broker that is down
loses nothing, since the sweep queues what is due. A call whose outcome is unknown (a timeout)
and must not be made twice is held for a person, who checks and replays it in the admin.
"""

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Min, Q
from django.utils import timezone

from satupintu import outbox
from satupintu.integrations import registry
from satupintu.integrations.http import FetchRules, fetch_rules
from satupintu.integrations.models import Integration, IntegrationEvent, OutboundCall
from satupintu.integrations.registry import CallFailed
from satupintu.malls.models import Agency, Mall

logger = logging.getLogger(__name__)

ANSWER_LIMIT = 2000


def integration_for(
    kind: str, *, mall: Mall | None = None, agency: Agency | None = None
) -> Integration | None:
    """The active integration of ``kind`` that applies: the agency's own, else its mall's,
    else the deployment's."""
    if agency is not None and mall is None:
        mall = agency.mall
    scope = Q(mall__isnull=True, agency__isnull=True)
    if mall is not None:
        scope |= Q(mall=mall, agency__isnull=True)
    if agency is not None:
        scope |= Q(mall=mall, agency=agency)
    candidates = list(Integration.objects.filter(scope, kind=kind, is_active=True))
    candidates.sort(key=lambda i: (i.agency_id is None, i.mall_id is None, i.pk))
    return candidates[0] if candidates else None


def integration_fetch_rules(integration: Integration) -> FetchRules:
    """Where the links ``integration``'s system hands us may point: its base URL's host, and
    the hosts of its option ``file_hosts`` (a list, or one string separated by commas)."""
    hosts = integration.option("file_hosts", [])
    if isinstance(hosts, str):
        hosts = hosts.split(",")
    if not isinstance(hosts, list):
        hosts = []
    return fetch_rules(integration.base_url, [h for h in hosts if isinstance(h, str)])


def call_enqueue(
    *,
    integration: Integration,
    operation: str,
    payload: dict[str, Any],
    subject: str = "",
    key: str | None = None,
    retry: bool = True,
) -> OutboundCall:
    """Write a call in the caller's transaction; it is queued once that commits. With a
    ``key`` already used, the call written then is returned and nothing new is written."""
    if registry.operation_for(operation) is None:
        raise ValueError(f"no operation registered as {operation!r}")
    if key is not None:
        existing = OutboundCall.objects.filter(key=key).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            call = OutboundCall.objects.create(
                integration=integration,
                operation=operation,
                payload=payload,
                subject=subject,
                key=key,
                retry=retry,
            )
    except IntegrityError:
        if key is None:
            raise
        return OutboundCall.objects.get(key=key)
    call_id = str(call.pk)
    transaction.on_commit(lambda: queue_calls([call_id]))
    return call


def queue_calls(ids: list[str]) -> None:
    """Ask a worker to make each call; if the broker is down the sweep asks again later."""
    from satupintu.integrations import tasks

    outbox.queue_each(tasks.call_deliver, ids, what="outbound call")


def call_attempt(*, call_id: str) -> OutboundCall | None:
    """Make one due call and record the answer. Returns it in its new state, or None when it
    was not due or another worker holds it."""
    if not outbox.claim(OutboundCall, call_id, lease_seconds=settings.INTEGRATIONS_TIMEOUT + 60):
        return None
    call = OutboundCall.objects.select_related("integration").get(pk=call_id)
    integration = call.integration
    operation = registry.operation_for(call.operation)
    try:
        if not integration.is_active:
            raise CallFailed("integration turned off", retry=False)
        if operation is None:
            raise CallFailed(f"no operation registered as {call.operation}", retry=False)
        result = operation(call)
    except CallFailed as failure:
        _failed(call, failure)
    else:
        with transaction.atomic():
            call.status = OutboundCall.Status.DONE
            call.done_at = timezone.now()
            call.result = result
            call.last_error = ""
            call.save(update_fields=["status", "done_at", "result", "last_error"])
            for hook in registry.done_hooks(call.operation):
                hook(call)
        event_record(
            integration=integration,
            kind=integration.kind,
            direction=IntegrationEvent.Direction.OUT,
            operation=call.operation,
            ok=True,
        )
    return call


def _failed(call: OutboundCall, failure: CallFailed) -> None:
    call.last_status_code = failure.status_code
    call.last_error = failure.message[:500]
    call.last_answer = failure.answer[:ANSWER_LIMIT]
    if failure.unknown_outcome and not call.retry:
        # It may have been carried out: making it again could do it twice (a second permit
        # number, a second signature). A person checks, then replays it.
        call.status = OutboundCall.Status.HELD
    else:
        # A call that must not be made twice is still retried after a failure that shows it
        # was not carried out (no connection, an outage answered before doing anything).
        delay = outbox.retry_delay(call.attempts) if failure.retry else None
        if delay is None:
            call.status = OutboundCall.Status.FAILED
        else:
            call.next_attempt_at = timezone.now() + delay
    with transaction.atomic():
        call.save(
            update_fields=[
                "status",
                "next_attempt_at",
                "last_status_code",
                "last_error",
                "last_answer",
            ]
        )
        if call.status != OutboundCall.Status.PENDING:
            for hook in registry.failed_hooks(call.operation):
                hook(call)
    logger.info("outbound call %s (%s) failed: %s", call.pk, call.operation, failure.message)
    event_record(
        integration=call.integration,
        kind=call.integration.kind,
        direction=IntegrationEvent.Direction.OUT,
        operation=call.operation,
        ok=False,
        message=failure.message,
    )


def calls_sweep(*, limit: int = outbox.SWEEP_BATCH) -> int:
    """Queue the pending calls whose time has come (retries, and those a broker lost)."""
    ids = outbox.due_ids(OutboundCall, limit=limit)
    queue_calls(ids)
    return len(ids)


def call_replay(*, call: OutboundCall) -> OutboundCall:
    """Make a failed or held call again (a person decided it should be)."""
    OutboundCall.objects.filter(pk=call.pk).exclude(status=OutboundCall.Status.DONE).update(
        status=OutboundCall.Status.PENDING, next_attempt_at=timezone.now(), attempts=0
    )
    call.refresh_from_db()
    if call.status == OutboundCall.Status.PENDING:
        call_id = str(call.pk)
        transaction.on_commit(lambda: queue_calls([call_id]))
    return call


def event_record(
    *,
    integration: Integration | None,
    kind: str,
    direction: str,
    operation: str,
    ok: bool,
    message: str = "",
) -> IntegrationEvent:
    """Log what happened; the integration's state shows the last success and the last error.
    ``message`` must hold no secret and no personal data."""
    event = IntegrationEvent.objects.create(
        integration=integration,
        kind=kind,
        direction=direction,
        operation=operation[:80],
        ok=ok,
        message=message[:500],
    )
    if integration is not None:
        if ok:
            Integration.objects.filter(pk=integration.pk).update(last_success_at=event.created_at)
        else:
            Integration.objects.filter(pk=integration.pk).update(
                last_error_at=event.created_at, last_error=message[:500]
            )
    return event


@dataclass(frozen=True)
class IntegrationState:
    last_success_at: datetime | None
    last_error_at: datetime | None
    last_error: str
    pending: int
    held: int
    failed: int
    oldest_pending_at: datetime | None


def integration_state(integration: Integration) -> IntegrationState:
    """What the admin shows of one integration: its last success and error, its queue."""
    counts = OutboundCall.objects.filter(integration=integration).aggregate(
        pending=Count("pk", filter=Q(status=OutboundCall.Status.PENDING)),
        held=Count("pk", filter=Q(status=OutboundCall.Status.HELD)),
        failed=Count("pk", filter=Q(status=OutboundCall.Status.FAILED)),
        oldest=Min("created_at", filter=Q(status=OutboundCall.Status.PENDING)),
    )
    return IntegrationState(
        last_success_at=integration.last_success_at,
        last_error_at=integration.last_error_at,
        last_error=integration.last_error,
        pending=counts["pending"],
        held=counts["held"],
        failed=counts["failed"],
        oldest_pending_at=counts["oldest"],
    )
