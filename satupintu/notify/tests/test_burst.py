"""A burst (a closure moving a day's bookings): written with one COPY, delivered in batches over
one SMTP connection each, against a real PostgreSQL and a real SMTP server on loopback."""

import pytest
from django.db import transaction

from satupintu.malls.tests.factories import UserFactory
from satupintu.notify.models import Channel, Event, Message
from satupintu.notify.services import COPY_FROM, Notice, Recipient, deliver_due, notify_many

pytestmark = pytest.mark.django_db


def _notices(count: int, **recipient) -> list[Notice]:
    return [
        Notice(
            Recipient(email=f"warga{n}@example.id", **recipient),
            {"name": f"Warga <{n}>", "tracking": f"MPP-2026-{n:06d}", "count": n},
        )
        for n in range(count)
    ]


def _written(messages: list[Message]) -> list[dict]:
    fields = ["to", "subject", "body", "html_body", "status", "fallback_channels", "context"]
    return list(
        Message.objects.filter(pk__in=[m.pk for m in messages]).order_by("pk").values(*fields)
    )


def test_a_burst_is_written_as_the_same_rows_as_a_few_messages():
    user = UserFactory()
    with transaction.atomic():
        burst = notify_many(
            event=Event.APPLICATION_RECEIVED, notices=_notices(COPY_FROM, user=user)
        )
    with transaction.atomic():
        few = notify_many(event=Event.APPLICATION_RECEIVED, notices=_notices(2, user=user))

    assert len({m.pk for m in burst}) == COPY_FROM and all(m.pk for m in burst)
    rows = _written(burst)
    assert len(rows) == COPY_FROM
    for row in rows[:2]:  # the same notice for the burst and the two: only the ids differ
        row["fallback_channels"] = None
    few_rows = _written(few)
    for row in few_rows:
        row["fallback_channels"] = None
    assert rows[:2] == few_rows  # COPY (the burst) and INSERT (the two) write alike
    first = Message.objects.get(pk=burst[0].pk)
    assert first.created_at and first.next_attempt_at and first.user == user
    assert first.fallback_channels == [[Channel.INAPP, str(user.pk)]]
    assert first.context["name"] == "Warga <0>" and "Warga &lt;0&gt;" in first.html_body


def test_a_refused_recipient_does_not_hold_back_the_rest_of_its_batch(smtp_server):
    smtp_server.inbox.refuse.add("warga3@example.id")
    with transaction.atomic():
        notify_many(
            event=Event.APPLICATION_RECEIVED, notices=_notices(10, channels=(Channel.EMAIL,))
        )

    assert deliver_due(limit=10) == 10

    assert smtp_server.inbox.sessions == 1  # the whole batch over one connection
    received = sorted(m["To"] for m in smtp_server.inbox.messages)
    assert received == sorted(f"warga{n}@example.id" for n in range(10) if n != 3)
    refused = Message.objects.get(to="warga3@example.id")
    assert refused.status == Message.Status.FAILED and "refused" in refused.last_error
    assert Message.objects.filter(status=Message.Status.SENT).count() == 9
    assert not Message.objects.filter(status=Message.Status.SENT, provider_id="").exists()
