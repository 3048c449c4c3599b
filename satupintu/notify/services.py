"""Writes of the notification outbox: persist a message with the change that causes it, then
deliver it, retrying with backoff for up to a day and falling back to the next channel."""

import json
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from html import escape as escape_html
from typing import Any

import redis
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.formats import localize
from django.utils.html import conditional_escape

from satupintu.accounts.models import User
from satupintu.batches import in_batches
from satupintu.copying import built, copy_create
from satupintu.malls.models import Mall
from satupintu.notify.channels.base import PermanentError, TransientError
from satupintu.notify.channels.registry import sender_for
from satupintu.notify.events import EXAMPLES
from satupintu.notify.links import html_from_text, linkify_html
from satupintu.notify.models import Channel, DeliveryAttempt, Message, MessageTemplate
from satupintu.templating import TemplateRefused, check, from_django, render

logger = logging.getLogger(__name__)

RETRY_FOR = timedelta(hours=24)
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=1)
STUCK_AFTER = timedelta(minutes=10)
DEFAULT_CHANNELS = (Channel.EMAIL, Channel.WHATSAPP, Channel.SMS, Channel.INAPP)
# The channels a citizen may choose, the inbox aside (``Channel.values`` builds a list per read).
_OUTSIDE_CHANNELS = frozenset(Channel.values) - {Channel.INAPP}


@dataclass
class Recipient:
    """Who a message is for, on which addresses, in which language and order of channels."""

    user: User | None = None
    email: str = ""
    phone: str = ""
    language: str = "id"
    channels: tuple[str, ...] = field(default=DEFAULT_CHANNELS)

    @classmethod
    def for_user(cls, user: User) -> "Recipient":
        """A signed-up citizen, on the channels they chose, in their order; the portal's inbox
        comes last, so a message every outside channel refused still reaches them."""
        chosen = [c for c in user.notification_channels if c in _OUTSIDE_CHANNELS]
        return cls(
            user=user,
            email=user.email,
            phone=user.phone,
            language=user.language,
            channels=(*chosen, Channel.INAPP),
        )

    def __str__(self) -> str:
        """How a log names the recipient: by account number, never by an address."""
        return f"user {self.user.pk}" if self.user else "a recipient without an account"

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


# The wording of each (channel, language) of one event, or None where there is none.
Wordings = dict[tuple[str, str], MessageTemplate | None]

_PLACEHOLDER = re.compile(r"{{\s*(\w+)\s*}}")
_ANY_TAG = re.compile(r"{%|{#|{{")


@lru_cache(maxsize=256)
def _plain_placeholders(source: str) -> bool:
    """Whether ``source`` holds only plain {{ name }} placeholders, filled by substitution: the
    default wording is all such, and a burst of ten thousand notices renders three texts each."""
    return not _ANY_TAG.search(_PLACEHOLDER.sub("", source))


@lru_cache(maxsize=256)
def _pieces(source: str) -> tuple[str, ...]:
    """``source`` split once into literal text (even places) and placeholder names (odd)."""
    return tuple(_PLACEHOLDER.split(source))


def _value(value: Any, *, html: bool) -> str:
    text = value if type(value) is str else localize(value)
    if not html:
        return str(text)
    if type(text) is str:  # the common case, without conditional_escape's checks
        return escape_html(text)
    return str(conditional_escape(text))


def _substitute(source: str, context: dict[str, Any], *, html: bool) -> str:
    pieces = _pieces(source)
    out = list(pieces)
    for index in range(1, len(pieces), 2):
        out[index] = _value(context.get(pieces[index], ""), html=html)
    return "".join(out)


def _render(source: str, context: dict[str, Any], *, html: bool = False) -> str:
    """A message template's text over the event's values, in the sandbox (``templating``);
    HTML is escaped, plain text (WhatsApp, SMS, subjects) is not."""
    if not source:
        return ""
    if _plain_placeholders(source):
        return _substitute(source, context, html=html).strip()
    try:
        return render(source, context, html=html).strip()
    except TemplateRefused as broken:
        # Saving checks a template, so this is one stored before the check, perhaps in Django's
        # syntax: it is read as the sandbox's, else the message still goes with its
        # placeholders filled and the rest as written.
        logger.warning("message template refused by the sandbox: %s", broken.message)
    try:
        return render(from_django(source), context, html=html).strip()
    except TemplateRefused:
        return _substitute(source, context, html=html).strip()


def offered_names(event: str) -> list[str]:
    """The names an event's templates may read (those of its example values)."""
    return sorted(EXAMPLES.get(event, {}))


def message_template_check(*, event: str, subject: str, body: str, html_body: str) -> None:
    """Refuse (ValidationError by field) wording that does not compile in the sandbox or reads
    a name the event does not offer: staff-edited text is checked when it is saved."""
    errors = {}
    for name, source, html in (
        ("subject", subject, False),
        ("body", body, False),
        ("html_body", html_body, True),
    ):
        try:
            check(
                source or "",
                offered=offered_names(event),
                html=html,
                example=EXAMPLES.get(event, {}),
            )
        except TemplateRefused as refused:
            errors[name] = refused.message
    if errors:
        raise ValidationError(errors)


def render_preview(*, template: MessageTemplate) -> tuple[str, str]:
    """The template's subject and text filled with the event's example values."""
    example = EXAMPLES.get(template.event, {})
    return _render(template.subject, example), _render(template.body, example)


def _html_body(template: MessageTemplate, context: dict[str, Any], body: str | None = None) -> str:
    """An email's HTML part: its wording's, or else its text (``body``, when the caller has
    rendered it already) with the links clickable, so no email goes with a link that cannot be
    followed."""
    if template.channel != Channel.EMAIL:
        return _render(template.html_body, context, html=True)
    if template.html_body:
        return linkify_html(_render(template.html_body, context, html=True))
    return str(html_from_text(_render(template.body, context) if body is None else body))


def _build(
    *,
    template: MessageTemplate,
    to: str,
    language: str,
    mall: Mall | None,
    context: dict[str, Any],
    user: User | None,
    calendar: str,
    fallbacks: list[list[str]],
    fallback_of: Message | None = None,
) -> Message:
    event, channel = template.event, template.channel
    body = _render(template.body, context)
    now = timezone.now()
    message = _message(
        mall_id=mall.pk if mall is not None else None,
        user_id=user.pk if user is not None else None,
        event=event,
        channel=channel,
        language=language,
        to=to,
        subject=_render(template.subject, context),
        body=body,
        html_body=_html_body(template, context, body),
        # Kept on every channel's message: a fallback to email attaches it, and the inbox
        # offers it; WhatsApp and SMS carry the signed link the wording holds instead.
        calendar=calendar,
        next_attempt_at=now,
        give_up_at=now + RETRY_FOR,
        fallback_channels=fallbacks,
        fallback_of_id=fallback_of.pk if fallback_of is not None else None,
        context=context,
        template_id=template.pk,
    )
    for descriptor, related in (
        (Message.mall, mall),
        (Message.user, user),
        (Message.fallback_of, fallback_of),
        (Message.template, template),
    ):
        if related is not None:
            descriptor.field.set_cached_value(message, related)
    return message


def _message(**values: Any) -> Message:
    """``Message(**values)`` by attname, built by position (``copying.built``)."""
    return built(Message, values)


@dataclass
class Notice:
    """One person to tell about an event, with the values its wording needs."""

    recipient: Recipient
    context: dict[str, Any]
    calendar: str = ""


def notify(
    *,
    event: str,
    recipient: Recipient,
    context: dict[str, Any],
    mall: Mall | None = None,
    calendar: str = "",
    wordings: Wordings | None = None,
) -> Message | None:
    """Write the message for ``event`` to the outbox, in the caller's transaction.

    It goes to the first of the recipient's channels that has an address and a template; the
    others, in order, are its fallbacks. Delivery is queued only once the caller's transaction
    commits, so a rolled-back change sends nothing and a committed one loses nothing.
    ``wordings`` (from :func:`wordings_for`) spare it the query of each wording they hold.
    """
    notices = [Notice(recipient, context, calendar)]
    return notify_many(event=event, notices=notices, mall=mall, wordings=wordings)[0]


def wordings_for(*, event: str, recipient: Recipient, mall: Mall | None = None) -> Wordings:
    """The wordings ``notify`` would read for ``recipient``, looked up ahead: a caller that
    holds a lock while it writes the message (the tracking number of a report) passes them
    to ``notify`` and looks them up before it takes the lock."""
    channels = [channel for channel in recipient.channels if recipient.address(channel)]
    if not channels:
        return {}
    language = recipient.language
    # One query for every channel (a reporter with an email and a phone has three), chosen
    # among as template_for chooses; written out, as the ORM's building of this filter cost a
    # filing more CPU than the query itself.
    table = connection.ops.quote_name(MessageTemplate._meta.db_table)
    marks = ", ".join(["%s"] * len(channels))
    candidates = list(
        MessageTemplate.objects.raw(
            f"SELECT * FROM {table} WHERE event = %s AND channel IN ({marks}) "  # noqa: S608
            "AND language IN (%s, %s) AND (mall_id = %s OR mall_id IS NULL)",
            [event, *channels, language, "id", mall.pk if mall else None],
        )
    )

    def rank(t: MessageTemplate) -> tuple[bool, bool]:
        return (t.mall_id is None, t.language != language)

    return {
        (channel, language): min(
            (t for t in candidates if t.channel == channel), key=rank, default=None
        )
        for channel in channels
    }


def notify_many(
    *,
    event: str,
    notices: Iterable[Notice],
    mall: Mall | None = None,
    wordings: Wordings | None = None,
) -> list[Message | None]:
    """``notify`` for many people at once (a closure moving every booking of a day): one query
    per wording (none for those in ``wordings``, from :func:`wordings_for`), one insert, one
    call to the broker. Returns each notice's message, or None where no channel had both an
    address and a wording."""
    templates: Wordings = dict(wordings or {})

    def wording(channel: str, language: str) -> MessageTemplate | None:
        if (channel, language) not in templates:
            templates[channel, language] = template_for(
                event=event, channel=channel, language=language, mall=mall
            )
        return templates[channel, language]

    results = [_routed(event, notice, mall, wording) for notice in notices]
    written = [m for m in results if m is not None]
    _insert(written)
    if written:
        queue_delivery_on_commit()
    return results


def _routed(
    event: str,
    notice: Notice,
    mall: Mall | None,
    wording: Callable[[str, str], MessageTemplate | None],
) -> Message | None:
    """The (unsaved) message of ``notice`` on the first of its recipient's channels that has
    an address and a wording, with the others as its fallbacks; None where none has both."""
    recipient = notice.recipient
    routes = [[ch, recipient.address(ch)] for ch in recipient.channels if recipient.address(ch)]
    for index, (channel, to) in enumerate(routes):
        template = wording(channel, recipient.language)
        if template is not None:
            return _build(
                template=template,
                to=to,
                language=recipient.language,
                mall=mall,
                context=notice.context,
                user=recipient.user,
                calendar=notice.calendar,
                fallbacks=routes[index + 1 :],
            )
    logger.warning("no channel and template for %s to %s", event, recipient)
    return None


def wordings_fill_verbatim(wordings: Wordings) -> bool:
    """Whether every wording in ``wordings`` holds only plain {{ name }} placeholders, so each
    value lands in its texts as given (digits, letters and dashes unchanged by the escaping):
    a value may then be written into them later, by replacing a stand-in (``message_prepare``)."""
    return all(
        template is None
        or all(
            _plain_placeholders(source or "")
            for source in (template.subject, template.body, template.html_body)
        )
        for template in wordings.values()
    )


@dataclass
class Prepared:
    """A message built before a value it shows exists (a report's tracking ID, taken by the
    statement that writes the report): its texts and context hold ``stand_in`` where the value
    goes. ``insert_sql`` writes it in that statement, with the value put in."""

    message: Message
    stand_in: str

    def insert_sql(self, *, value_sql: str, source: str) -> tuple[str, list[Any]]:
        """``INSERT INTO notify_message ... SELECT ... FROM {source}``, where ``value_sql`` is
        an SQL expression over ``source`` (e.g. a CTE's column) that replaces the stand-in in
        the subject, the texts and the context; and its two parameters. The row goes as one
        JSON parameter (``jsonb_populate_record``): a statement with a parameter per column
        would have too many for psycopg to keep its parsing. Delivery is queued with
        ``queue_delivery_on_commit`` once that statement is run."""
        quote = connection.ops.quote_name
        fields = [f for f in Message._meta.local_concrete_fields if not f.primary_key]
        row: dict[str, Any] = {}
        columns, expressions = [], []
        for f in fields:
            column = quote(str(f.column))
            columns.append(column)
            value = f.pre_save(self.message, True)
            row[str(f.column)] = value.isoformat() if isinstance(value, datetime) else value
            if f.name in ("subject", "body", "html_body"):
                expressions.append(f"replace(r.{column}, %(s)s, {value_sql})")
            elif f.name == "context":
                expressions.append(f"replace(r.{column}::text, %(s)s, {value_sql})::jsonb")
            else:
                expressions.append(f"r.{column}")
        table = quote(Message._meta.db_table)
        sql = (
            f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608 (the model's columns)
            f"SELECT {', '.join(expressions)} FROM {source}, "
            f"jsonb_populate_record(NULL::{table}, %(r)s::jsonb) AS r"
        )
        stand_in = self.stand_in
        return sql.replace("%(s)s", "%s").replace("%(r)s", "%s"), _ordered(
            sql, {"s": stand_in, "r": json.dumps(row)}
        )


def _ordered(sql: str, named: dict[str, Any]) -> list[Any]:
    """The values of ``sql``'s %(name)s placeholders, in the order they appear."""
    return [named[name] for name in re.findall(r"%\((\w+)\)s", sql)]


def message_prepare(
    *,
    event: str,
    recipient: Recipient,
    context: dict[str, Any],
    stand_in: str,
    wordings: Wordings,
    mall: Mall | None = None,
) -> Prepared | None:
    """``notify``'s message, built but not written, its texts holding ``stand_in`` (which
    ``context`` holds) for a value that its caller's statement will make (PostgreSQL). Only for
    wordings that ``wordings_fill_verbatim``, and ``wordings`` from :func:`wordings_for`: no
    query. None where no channel has both an address and a wording."""
    if not wordings_fill_verbatim(wordings):
        raise ValueError("a wording with tags or filters may not show the stand-in verbatim")

    def wording(channel: str, language: str) -> MessageTemplate | None:
        return wordings.get((channel, language))

    message = _routed(event, Notice(recipient, context), mall, wording)
    return Prepared(message, stand_in) if message is not None else None


# From this many messages on, PostgreSQL takes them with one COPY rather than INSERTs.
COPY_FROM = 200


def _insert(messages: list[Message]) -> None:
    """Write new messages in the current transaction: with one ``COPY`` on PostgreSQL for a
    burst (``copy_create``), since an INSERT of ten thousand rows costs several times what the
    COPY does; else with ``bulk_create``."""
    if len(messages) < COPY_FROM or connection.vendor != "postgresql":
        Message.objects.bulk_create(messages, batch_size=1000)
        return
    copy_create(messages)


def message_queue_text(
    *, event: str, channel: str, to: str, body: str, language: str, context: dict[str, Any]
) -> Message:
    """Write a message whose text the caller already has (the WhatsApp bot's answers) to the
    outbox, in the caller's transaction; delivery is queued once it commits."""
    message = Message.objects.create(
        event=event,
        channel=channel,
        language=language,
        to=to,
        body=body,
        context=context,
        next_attempt_at=timezone.now(),
        give_up_at=timezone.now() + RETRY_FOR,
    )
    queue_delivery_on_commit()
    return message


BATCH_SIZE = 500


# Set in the broker's Redis while a delivery run is queued and no worker has started it: a
# commit that finds it set asks nothing, since that run will claim its message too (the worker
# clears the flag before it claims). A run lost with the flag set is queued again by the
# sweep, or by a commit once the flag has expired.
DELIVERY_QUEUED = "satupintu:notify:delivery-queued"
DELIVERY_QUEUED_SECONDS = 60
_flag_stores: dict[str, redis.Redis] = {}


def _flag_store() -> redis.Redis | None:
    """The broker's Redis, for the flag; None when there is no such broker (in-process tasks)."""
    from satupintu.celery import app

    url = str(app.conf.broker_url or "")
    if app.conf.task_always_eager or not url.startswith(("redis://", "rediss://")):
        return None
    if url not in _flag_stores:
        _flag_stores[url] = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    return _flag_stores[url]


def queue_delivery(*, always: bool = False) -> None:
    """Ask a worker to deliver what is due, unless a run already queued will (``always``: ask
    anyway); if the broker is down the sweep asks again later."""
    from satupintu.notify import tasks

    store = None
    try:
        store = _flag_store()
        flag = store is not None and store.set(
            DELIVERY_QUEUED, 1, nx=True, ex=DELIVERY_QUEUED_SECONDS
        )
        if store is not None and not flag and not always:
            return
        tasks.deliver_due.delay()
    except Exception:  # broker down: the rows are safe in the outbox
        logger.warning("could not reach the broker; the sweep will queue delivery", exc_info=True)
        if store is not None:
            _forget_queued(store)


def _forget_queued(store: redis.Redis | None) -> None:
    try:
        if store is not None:
            store.delete(DELIVERY_QUEUED)
    except Exception:  # the flag expires by itself
        logger.warning("could not clear the delivery flag", exc_info=True)


def delivery_started() -> None:
    """A worker starts a delivery run: the next commit asks for another (this one may have
    claimed before that commit's message was there)."""
    _forget_queued(_flag_store())


def queue_delivery_on_commit() -> None:
    """Queue one delivery run when the current transaction commits (at once outside one),
    however many messages it wrote: a closure that moves ten thousand bookings asks the broker
    once, not 10,000 times."""
    connection = transaction.get_connection()
    if not any(func is queue_delivery for _sids, func, _robust in connection.run_on_commit):
        transaction.on_commit(queue_delivery)


_CLAIM = """
    UPDATE notify_message SET status = %(sending)s, attempts = attempts + 1, claimed_at = %(now)s
    WHERE id IN (
        SELECT id FROM notify_message
        WHERE status = %(queued)s AND next_attempt_at <= %(now)s {only}
        ORDER BY next_attempt_at LIMIT %(limit)s
        FOR UPDATE SKIP LOCKED
    )
    RETURNING *
"""


def _claim(limit: int, *, message_id: int | None = None) -> list[Message]:
    """Lock up to ``limit`` due messages that no other worker holds and mark them sending, in
    one statement (SKIP LOCKED: two workers never claim the same message)."""
    if connection.vendor != "postgresql":  # the embedded demo (SQLite): one worker
        return _claim_portably(limit, message_id=message_id)
    params = {
        "sending": Message.Status.SENDING,
        "queued": Message.Status.QUEUED,
        "now": timezone.now(),
        "limit": limit,
        "id": message_id,
    }
    sql = _CLAIM.format(only="AND id = %(id)s" if message_id is not None else "")
    batch = list(Message.objects.raw(sql, params))
    batch.sort(key=lambda m: (m.next_attempt_at, m.pk))
    return batch


def _claim_portably(limit: int, *, message_id: int | None) -> list[Message]:
    now = timezone.now()
    due = Message.objects.filter(status=Message.Status.QUEUED, next_attempt_at__lte=now)
    if message_id is not None:
        due = due.filter(pk=message_id)
    with transaction.atomic():
        batch = list(due.select_for_update(skip_locked=True).order_by("next_attempt_at")[:limit])
        Message.objects.filter(pk__in=[m.pk for m in batch]).update(
            status=Message.Status.SENDING, attempts=F("attempts") + 1, claimed_at=now
        )
    for message in batch:
        message.status = Message.Status.SENDING
        message.attempts += 1
        message.claimed_at = now
    return batch


def message_deliver(*, message_id: int) -> Message | None:
    """Claim one due message (no other worker can take it) and hand it to its channel.

    Returns the message in its new state, or None when it was not due or already taken.
    """
    batch = _claim(1, message_id=message_id)
    if not batch:
        return None
    _hand_over(batch)
    return batch[0]


def deliver_due(*, limit: int = BATCH_SIZE, on_full_batch: Callable[[], None] | None = None) -> int:
    """Claim up to ``limit`` due messages and hand them over, one connection per channel.

    ``on_full_batch`` is called before sending when the batch is full, so that another worker
    can start on what is left while this one sends. Returns how many were claimed.
    """
    batch = _claim(limit)
    if len(batch) == limit and on_full_batch is not None:
        on_full_batch()
    if batch:
        _hand_over(batch)
    return len(batch)


def _hand_over(batch: list[Message]) -> None:
    sent: list[Message] = []
    attempts: list[DeliveryAttempt] = []
    by_channel: dict[str, list[Message]] = {}
    for message in batch:
        by_channel.setdefault(message.channel, []).append(message)
    for channel, messages in by_channel.items():
        try:
            sender = sender_for(channel)
        except PermanentError as exc:
            for message in messages:
                _fail(message, timezone.now(), str(exc))
            continue
        with sender.session() as session:
            for message in messages:
                started = timezone.now()
                try:
                    provider_id = session.send(message)
                except TransientError as exc:
                    _retry_or_fail(message, started, str(exc))
                    continue
                except PermanentError as exc:
                    _fail(message, started, str(exc))
                    continue
                now = timezone.now()
                attempts.append(
                    DeliveryAttempt(
                        message=message,
                        started_at=started,
                        finished_at=now,
                        succeeded=True,
                        provider_id=provider_id,
                    )
                )
                message.status = Message.Status.SENT
                message.handed_over_at = now
                message.provider_id = provider_id
                message.last_error = ""
                sent.append(message)
    _record_sent(sent, attempts)


def _record_sent(sent: list[Message], attempts: list[DeliveryAttempt]) -> None:
    # One UPDATE for the whole batch, its values as arrays: a statement per row (or
    # bulk_update's CASE expressions) costs more than the sending itself in a burst.
    sql = """
        UPDATE notify_message AS m
        SET status = %s, handed_over_at = s.handed_over_at, provider_id = s.provider_id,
            last_error = ''
        FROM unnest(%s::bigint[], %s::timestamptz[], %s::text[])
            AS s (id, handed_over_at, provider_id)
        WHERE m.id = s.id
    """
    with transaction.atomic():
        DeliveryAttempt.objects.bulk_create(attempts)
        if not sent:
            return
        if connection.vendor != "postgresql":  # the embedded demo (SQLite)
            for m in sent:
                Message.objects.filter(pk=m.pk).update(
                    status=m.status,
                    handed_over_at=m.handed_over_at,
                    provider_id=m.provider_id,
                    last_error="",
                )
            return
        with connection.cursor() as cursor:
            cursor.execute(
                sql,
                [
                    Message.Status.SENT,
                    [m.pk for m in sent],
                    [m.handed_over_at for m in sent],
                    [m.provider_id for m in sent],
                ],
            )


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
        template = template_for(
            event=message.event, channel=channel, language=message.language, mall=message.mall
        )
        if template is None:
            continue
        fallback = _build(
            template=template,
            to=to,
            language=message.language,
            mall=message.mall,
            context=message.context,
            user=message.user,
            calendar=message.calendar,
            fallbacks=message.fallback_channels[index + 1 :],
            fallback_of=message,
        )
        fallback.save()
        queue_delivery_on_commit()
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


def inbox_mark_read(*, user: User) -> int:
    """Mark every unread message of ``user`` read; returns how many were unread."""
    return Message.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())


@transaction.atomic
def message_resend(*, message: Message) -> Message:
    """Staff put a failed message back in the queue, with a fresh day of retries."""
    Message.objects.filter(pk=message.pk, status=Message.Status.FAILED).update(
        status=Message.Status.QUEUED,
        next_attempt_at=timezone.now(),
        give_up_at=timezone.now() + RETRY_FOR,
    )
    queue_delivery_on_commit()
    message.refresh_from_db()
    return message


def outbox_sweep() -> int:
    """Queue delivery of due messages again (the broker may have lost them) and free ones stuck
    in sending. Returns how many are due."""
    now = timezone.now()
    # A worker that died mid-send leaves its message in "sending"; sending it again risks a
    # duplicate, which is better than losing it.
    Message.objects.filter(status=Message.Status.SENDING, claimed_at__lt=now - STUCK_AFTER).update(
        status=Message.Status.QUEUED
    )
    due = Message.objects.filter(status=Message.Status.QUEUED, next_attempt_at__lte=now).count()
    if due:
        queue_delivery(always=True)
    return due


# Personal data (UU 27/2022 PDP): messages carry addresses and names, so they do not stay.
UNFINISHED = (Message.Status.QUEUED, Message.Status.SENDING)


def messages_purge_older_than(*, cutoff: datetime, dry_run: bool = False) -> int:
    """Delete the messages written before ``cutoff`` that are no longer on their way."""
    old = Message.objects.filter(created_at__lt=cutoff).exclude(status__in=UNFINISHED)
    return in_batches(old, lambda batch: batch.delete(), dry_run=dry_run)


def messages_forget_user(*, user: User) -> int:
    """A closed account's messages go, those not sent yet too (a worker holding one in its
    hands finishes it)."""
    mine = Message.objects.filter(user=user).exclude(status=Message.Status.SENDING)
    return in_batches(mine, lambda batch: batch.delete())
