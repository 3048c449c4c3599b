"""Writes of the notification outbox: persist a message with the change that causes it, then
deliver it, retrying with backoff for up to a day and falling back to the next channel."""

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.template import Context, Template
from django.utils import timezone

from satupintu.accounts.models import User
from satupintu.malls.models import Mall
from satupintu.notify.channels.base import PermanentError, TransientError
from satupintu.notify.channels.registry import sender_for
from satupintu.notify.events import EXAMPLES
from satupintu.notify.models import Channel, DeliveryAttempt, Message, MessageTemplate

logger = logging.getLogger(__name__)

RETRY_FOR = timedelta(hours=24)
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=1)
STUCK_AFTER = timedelta(minutes=10)
DEFAULT_CHANNELS = (Channel.EMAIL, Channel.WHATSAPP, Channel.SMS, Channel.INAPP)


@dataclass
class Recipient:
    """Who a message is for, on which addresses, in which language and order of channels."""

    user: User | None = None
    email: str = ""
    phone: str = ""
    language: str = "id"
    channels: tuple[str, ...] = field(default=DEFAULT_CHANNELS)

    def address(self, channel: str) -> str:
        if channel == Channel.EMAIL:
            return self.email
        if channel in (Channel.WHATSAPP, Channel.SMS):
            return self.phone
        return str(self.user.pk) if self.user else ""


def template_for(
    *, event: str, channel: str, language: str, mall: Mall | None
) -> MessageTemplate | None:
    """The mall's own wording if it has one, else the default; Indonesian if the language lacks."""
    candidates = MessageTemplate.objects.filter(
        Q(mall=mall) | Q(mall__isnull=True),
        event=event,
        channel=channel,
        language__in=[language, "id"],
    )

    def rank(t: MessageTemplate) -> tuple[bool, bool]:
        return (t.mall_id is None, t.language != language)

    return min(candidates, key=rank, default=None)


def _render(source: str, context: dict[str, Any], *, html: bool = False) -> str:
    if not source:
        return ""
    if not html:
        source = "{% autoescape off %}" + source + "{% endautoescape %}"
    return Template(source).render(Context(context)).strip()


def render_preview(*, template: MessageTemplate) -> tuple[str, str]:
    """The template's subject and text filled with the event's example values."""
    example = EXAMPLES.get(template.event, {})
    return _render(template.subject, example), _render(template.body, example)


def _build(
    *,
    event: str,
    channel: str,
    to: str,
    language: str,
    mall: Mall | None,
    context: dict[str, Any],
    user: User | None,
    calendar: str,
    fallbacks: list[list[str]],
    fallback_of: Message | None = None,
) -> Message | None:
    template = template_for(event=event, channel=channel, language=language, mall=mall)
    if template is None:
        return None
    return Message(
        mall=mall,
        user=user,
        event=event,
        channel=channel,
        language=language,
        to=to,
        subject=_render(template.subject, context),
        body=_render(template.body, context),
        html_body=_render(template.html_body, context, html=True),
        calendar=calendar if channel == Channel.EMAIL else "",
        next_attempt_at=timezone.now(),
        give_up_at=timezone.now() + RETRY_FOR,
        fallback_channels=fallbacks,
        fallback_of=fallback_of,
        context=context,
        template=template,
    )


def notify(
    *,
    event: str,
    recipient: Recipient,
    context: dict[str, Any],
    mall: Mall | None = None,
    calendar: str = "",
) -> Message | None:
    """Write the message for ``event`` to the outbox, in the caller's transaction.

    It goes to the first of the recipient's channels that has an address and a template; the
    others, in order, are its fallbacks. Delivery is queued only once the caller's transaction
    commits, so a rolled-back change sends nothing and a committed one loses nothing.
    """
    routes = [[ch, recipient.address(ch)] for ch in recipient.channels if recipient.address(ch)]
    for index, (channel, to) in enumerate(routes):
        message = _build(
            event=event,
            channel=channel,
            to=to,
            language=recipient.language,
            mall=mall,
            context=context,
            user=recipient.user,
            calendar=calendar,
            fallbacks=routes[index + 1 :],
        )
        if message is not None:
            message.save()
            transaction.on_commit(partial(queue_delivery, message.pk))
            return message
    logger.warning("no channel and template for %s to %s", event, recipient)
    return None


def queue_delivery(message_id: int) -> None:
    """Ask a worker to deliver; if the broker is down the sweep will queue it later."""
    from satupintu.notify import tasks

    try:
        tasks.deliver.delay(message_id)
    except Exception:  # broker down: the row is safe in the outbox
        logger.warning(
            "could not queue message %s; the sweep will retry", message_id, exc_info=True
        )


def _claim(message_id: int) -> Message | None:
    with transaction.atomic():
        message = (
            Message.objects.select_for_update(skip_locked=True)
            .filter(
                pk=message_id, status=Message.Status.QUEUED, next_attempt_at__lte=timezone.now()
            )
            .first()
        )
        if message is None:
            return None
        message.status = Message.Status.SENDING
        message.attempts += 1
        message.claimed_at = timezone.now()
        message.save(update_fields=["status", "attempts", "claimed_at"])
    return message


def message_deliver(*, message_id: int) -> Message | None:
    """Claim a due message (no other worker can take it) and hand it to its channel.

    Returns the message in its new state, or None when it was not due or already taken.
    """
    message = _claim(message_id)
    if message is None:
        return None
    started = timezone.now()
    try:
        provider_id = sender_for(message.channel).send(message)
    except TransientError as exc:
        return _retry_or_fail(message, started, str(exc))
    except PermanentError as exc:
        return _fail(message, started, str(exc))
    now = timezone.now()
    with transaction.atomic():
        DeliveryAttempt.objects.create(
            message=message,
            started_at=started,
            finished_at=now,
            succeeded=True,
            provider_id=provider_id,
        )
        message.status = Message.Status.SENT
        message.handed_over_at = now
        message.provider_id = provider_id
        message.last_error = ""
        message.save(update_fields=["status", "handed_over_at", "provider_id", "last_error"])
    return message


def _retry_or_fail(message: Message, started: Any, error: str) -> Message:
    delay = min(FIRST_RETRY * 2 ** (message.attempts - 1), LONGEST_RETRY)
    next_attempt = timezone.now() + delay
    if next_attempt > message.give_up_at:
        return _fail(message, started, error)
    with transaction.atomic():
        DeliveryAttempt.objects.create(
            message=message,
            started_at=started,
            finished_at=timezone.now(),
            succeeded=False,
            error=error,
        )
        message.status = Message.Status.QUEUED
        message.next_attempt_at = next_attempt
        message.last_error = error
        message.save(update_fields=["status", "next_attempt_at", "last_error"])
    return message


@transaction.atomic
def _fail(message: Message, started: Any, error: str) -> Message:
    DeliveryAttempt.objects.create(
        message=message,
        started_at=started,
        finished_at=timezone.now(),
        succeeded=False,
        error=error,
    )
    message.status = Message.Status.FAILED
    message.last_error = error
    message.save(update_fields=["status", "last_error"])
    for index, (channel, to) in enumerate(message.fallback_channels):
        fallback = _build(
            event=message.event,
            channel=channel,
            to=to,
            language=message.language,
            mall=message.mall,
            context=message.context,
            user=message.user,
            calendar=message.calendar,
            fallbacks=message.fallback_channels[index + 1 :],
            fallback_of=message,
        )
        if fallback is not None:
            fallback.save()
            transaction.on_commit(partial(queue_delivery, fallback.pk))
            break
    return message


@transaction.atomic
def message_receipt(*, channel: str, provider_id: str, status: str, error: str = "") -> bool:
    """Apply a provider's delivery receipt ("delivered", "read" or "failed") to its message.

    A failure reported after hand-over falls back to the next channel. Returns whether the
    receipt matched a message.
    """
    message = (
        Message.objects.select_for_update().filter(channel=channel, provider_id=provider_id).first()
    )
    if message is None:
        return False
    if status in ("delivered", "read") and message.status == Message.Status.SENT:
        message.status = Message.Status.DELIVERED
        message.delivered_at = timezone.now()
        message.save(update_fields=["status", "delivered_at"])
    elif status == "failed" and message.status in (Message.Status.SENT, Message.Status.DELIVERED):
        _fail(message, timezone.now(), error or "failed after hand-over")
    return True


@transaction.atomic
def message_resend(*, message: Message) -> Message:
    """Staff put a failed message back in the queue, with a fresh day of retries."""
    Message.objects.filter(pk=message.pk, status=Message.Status.FAILED).update(
        status=Message.Status.QUEUED,
        next_attempt_at=timezone.now(),
        give_up_at=timezone.now() + RETRY_FOR,
    )
    transaction.on_commit(partial(queue_delivery, message.pk))
    message.refresh_from_db()
    return message


def outbox_sweep(*, limit: int = 1000) -> int:
    """Queue due messages again (the broker may have lost them) and free ones stuck in sending.

    Returns how many were queued.
    """
    now = timezone.now()
    # A worker that died mid-send leaves its message in "sending"; sending it again risks a
    # duplicate, which is better than losing it.
    Message.objects.filter(status=Message.Status.SENDING, claimed_at__lt=now - STUCK_AFTER).update(
        status=Message.Status.QUEUED
    )
    due = list(
        Message.objects.filter(status=Message.Status.QUEUED, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    for message_id in due:
        queue_delivery(message_id)
    return len(due)
