"""The outbox keeps its promise against a real SMTP server on loopback.

The default templates come from migration 0002.
"""

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.template import Context, Engine, Template
from django.utils import timezone

from satupintu.malls.tests.factories import MallFactory, UserFactory
from satupintu.notify.events import EXAMPLES
from satupintu.notify.models import Channel, Event, Message, MessageTemplate
from satupintu.notify.services import (
    Recipient,
    deliver_due,
    message_deliver,
    message_resend,
    notify,
    outbox_sweep,
)
from satupintu.notify.tests.factories import MessageTemplateFactory, ensure_default_template

pytestmark = pytest.mark.django_db
CONTEXT = {"name": "Siti <Aminah>", "tracking": "MPP-2026-000123"}


def _notify(**recipient):
    return notify(
        event=Event.APPLICATION_RECEIVED,
        context=CONTEXT,
        recipient=Recipient(**{"email": "siti@example.id", **recipient}),
    )


def test_committed_message_reaches_the_mail_server(smtp_server, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = _notify()

    message.refresh_from_db()
    assert message.status == Message.Status.SENT and message.handed_over_at
    [received] = smtp_server.inbox.messages
    assert received["To"] == "siti@example.id"
    assert received["Subject"] == "Permohonan MPP-2026-000123 diterima"
    assert received["Message-ID"] == message.provider_id
    parts = {
        p.get_content_type(): p.get_payload(decode=True).decode()
        for p in received.walk()
        if not p.is_multipart()
    }
    assert "Yth. Siti <Aminah>," in parts["text/plain"]
    assert "Siti &lt;Aminah&gt;" in parts["text/html"]  # escaped in HTML only


def test_visit_messages_carry_a_calendar_file(smtp_server, django_capture_on_commit_callbacks):
    ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            event=Event.APPLICATION_RECEIVED,
            context=CONTEXT,
            calendar=ics,
            recipient=Recipient(email="siti@example.id"),
        )
    [received] = smtp_server.inbox.messages
    calendars = [p for p in received.walk() if p.get_content_type() == "text/calendar"]
    assert calendars and "BEGIN:VCALENDAR" in calendars[0].get_payload(decode=True).decode()


def test_the_recipients_language_is_used(smtp_server, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _notify(language="en")
    assert smtp_server.inbox.messages[0]["Subject"] == "Application MPP-2026-000123 received"


def test_wording_may_use_django_template_tags_and_filters(smtp_server):
    MessageTemplate.objects.filter(event=Event.APPLICATION_RECEIVED).update(
        subject="{% if tracking %}Nomor {{ tracking|upper }}{% endif %}",
        html_body="<p>{{ name|default:'Warga' }}</p>",
    )
    message = notify(
        event=Event.APPLICATION_RECEIVED,
        context={"tracking": "mpp-1", "name": "Siti <Aminah>"},
        recipient=Recipient(email="siti@example.id", channels=(Channel.EMAIL,)),
    )
    assert message.subject == "Nomor MPP-1"
    assert message.html_body == "<p>Siti &lt;Aminah&gt;</p>"


def test_a_malls_own_wording_wins_over_the_default():
    mall = MallFactory()
    MessageTemplateFactory(mall=mall, subject="MPP kami menerima {{ tracking }}")
    message = notify(
        event=Event.APPLICATION_RECEIVED,
        context=CONTEXT,
        mall=mall,
        recipient=Recipient(email="siti@example.id"),
    )
    assert message.subject == "MPP kami menerima MPP-2026-000123"


def test_rolled_back_change_sends_nothing(smtp_server, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        _notify()
        raise RuntimeError("the booking failed")
    assert not Message.objects.exists()
    assert smtp_server.inbox.messages == []


def test_messages_wait_while_the_mail_server_is_down_and_go_out_once_when_back(
    smtp_server, django_capture_on_commit_callbacks
):
    smtp_server.stop()
    with django_capture_on_commit_callbacks(execute=True):
        message = _notify()
    message.refresh_from_db()
    assert message.status == Message.Status.QUEUED and message.attempts == 1
    assert message.next_attempt_at > timezone.now()
    assert message.delivery_attempts.get().succeeded is False

    smtp_server.start()
    assert outbox_sweep() == 0  # not due yet: backoff
    Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    assert outbox_sweep() == 1
    assert outbox_sweep() == 0

    message.refresh_from_db()
    assert message.status == Message.Status.SENT and message.attempts == 2
    assert len(smtp_server.inbox.messages) == 1


def test_one_transaction_asks_the_broker_once_and_a_batch_uses_one_connection(
    smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        for n in range(5):
            _notify(email=f"warga{n}@example.id")
    assert len(callbacks) == 1
    assert deliver_due(limit=3) == 3
    assert deliver_due(limit=3) == 2
    assert deliver_due(limit=3) == 0
    assert Message.objects.filter(status=Message.Status.SENT).count() == 5
    assert sorted(m["To"] for m in smtp_server.inbox.messages) == [
        f"warga{n}@example.id" for n in range(5)
    ]
    assert smtp_server.inbox.sessions == 2


def test_a_full_batch_calls_for_help_before_sending(smtp_server):
    for n in range(4):
        _notify(email=f"warga{n}@example.id")
    calls = []
    assert deliver_due(limit=2, on_full_batch=lambda: calls.append("help")) == 2
    assert calls == ["help"]
    assert deliver_due(limit=3, on_full_batch=lambda: calls.append("help")) == 2
    assert calls == ["help"]


def test_backoff_grows_and_gives_up_after_a_day(smtp_server, django_capture_on_commit_callbacks):
    smtp_server.stop()
    message = _notify()
    delays = []
    for _ in range(3):
        before = timezone.now()
        message = message_deliver(message_id=message.pk)
        delays.append((message.next_attempt_at - before).total_seconds())
        Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    assert delays[0] < delays[1] < delays[2]

    Message.objects.filter(pk=message.pk).update(give_up_at=timezone.now())
    message = message_deliver(message_id=message.pk)
    assert message.status == Message.Status.FAILED and "Connection" in message.last_error


def test_refused_address_fails_and_falls_back_to_the_next_channel(
    smtp_server, django_capture_on_commit_callbacks
):
    smtp_server.inbox.refuse.add("siti@example.id")
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        message = _notify(user=user)
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED and "refused" in message.last_error
    fallback = message.fallbacks.get()
    assert fallback.channel == Channel.INAPP and fallback.to == str(user.pk)
    assert "MPP-2026-000123" in fallback.body


def test_staff_resend_a_failed_message(smtp_server):
    smtp_server.inbox.refuse.add("siti@example.id")
    message = _notify(channels=(Channel.EMAIL,))
    message = message_deliver(message_id=message.pk)
    assert message.status == Message.Status.FAILED
    smtp_server.inbox.refuse.clear()
    message = message_resend(message=message)
    assert message.status == Message.Status.QUEUED
    assert deliver_due() == 1
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert len(smtp_server.inbox.messages) == 1


def test_nothing_is_written_without_a_template_for_any_channel(smtp_server):
    MessageTemplate.objects.all().delete()
    assert _notify() is None
    assert not Message.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_workers_never_send_one_message_twice(smtp_server):
    ensure_default_template()
    smtp_server.stop()  # in autocommit the first delivery runs at once; let it fail
    message = _notify()
    smtp_server.start()
    Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    barrier = threading.Barrier(4)
    results = []

    def worker():
        barrier.wait()
        try:
            results.append(message_deliver(message_id=message.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len([r for r in results if r is not None]) == 1
    assert len(smtp_server.inbox.messages) == 1


def test_a_message_stuck_in_sending_is_freed_by_the_sweep(smtp_server):
    message = _notify()
    Message.objects.filter(pk=message.pk).update(
        status=Message.Status.SENDING, claimed_at=timezone.now() - timedelta(minutes=30)
    )
    outbox_sweep()
    message.refresh_from_db()
    assert message.status == Message.Status.SENT


def test_every_event_has_default_wording_on_every_channel_in_both_languages():
    have = set(
        MessageTemplate.objects.filter(mall__isnull=True).values_list(
            "event", "channel", "language"
        )
    )
    events = [e for e in Event.values if e != Event.BOT_REPLY]  # bot replies are free text
    assert have == {(e, c, lang) for e in events for c in Channel.values for lang in ("id", "en")}


def test_every_default_template_uses_only_its_events_placeholders():
    strict = Engine(string_if_invalid="MISSING[%s]")
    for template in MessageTemplate.objects.all():
        context = Context(EXAMPLES[template.event])
        for source in (template.subject, template.body, template.html_body):
            rendered = Template(source, engine=strict).render(context)
            assert "MISSING" not in rendered, (template, rendered)


def test_the_demo_delivers_in_process_into_a_mail_folder(
    settings, tmp_path, django_capture_on_commit_callbacks
):
    """The embedded default: no broker (tasks run eagerly), email written as files."""
    from satupintu.celery import app

    assert app.conf.task_always_eager  # no CELERY_BROKER_URL in the test environment
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(tmp_path / "mail")},
        }
    }
    with django_capture_on_commit_callbacks(execute=True):
        message = _notify()
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    [mail_file] = (tmp_path / "mail").iterdir()
    assert "Subject: Permohonan MPP-2026-000123 diterima" in mail_file.read_text()
