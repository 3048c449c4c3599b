"""Closing an account tells the person on their channels, through the outbox, although their
addresses are erased in the same transaction: the message keeps the address it was written to.

The default wording comes from migration 0008.
"""

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError

from satupintu.accounts.own_data import account_close
from satupintu.malls.tests.factories import UserFactory
from satupintu.notify.models import Channel, Event, Message
from satupintu.notify.services import message_deliver

pytestmark = pytest.mark.django_db
PASSWORD = "secret-pass-123"  # UserFactory's


def _citizen(**fields):
    return UserFactory(
        first_name="Siti",
        last_name="Aminah",
        email="siti@example.id",
        phone="+6281234567890",
        **fields,
    )


def test_the_closing_is_mailed_once_committed_to_the_erased_address(
    smtp_server, django_capture_on_commit_callbacks
):
    siti = _citizen(notification_channels=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        account_close(user=siti, password=PASSWORD)

    siti.refresh_from_db()
    assert (siti.email, siti.phone, siti.first_name) == ("", "", "")
    message = Message.objects.get(event=Event.ACCOUNT_CLOSED)
    assert message.status == Message.Status.SENT and message.user is None
    [received] = smtp_server.inbox.messages
    assert received["To"] == "siti@example.id"
    assert received["Subject"] == "Akun Satu Pintu Anda telah ditutup"
    text = next(
        p.get_payload(decode=True).decode()
        for p in received.walk()
        if p.get_content_type() == "text/plain"
    )
    assert "Yth. Siti Aminah," in text and f"{settings.SITE_URL}/verify/" in text


def test_the_closing_goes_first_on_the_chosen_channel_in_the_persons_language(whatsapp_api):
    siti = _citizen(notification_channels=["whatsapp", "email"], language="en")
    account_close(user=siti, password=PASSWORD)

    message = Message.objects.get(event=Event.ACCOUNT_CLOSED)
    assert (message.channel, message.to, message.language) == (
        Channel.WHATSAPP,
        "+6281234567890",
        "en",
    )
    assert message.fallback_channels == [["email", "siti@example.id"], ["sms", "+6281234567890"]]
    delivered = message_deliver(message_id=message.pk)
    assert delivered.status == Message.Status.SENT
    [sent] = whatsapp_api.received
    assert sent["to"] == "6281234567890"
    assert sent["template"]["name"] == "satupintu_account_closed"
    assert sent["template"]["language"] == {"code": "en"}


def test_a_wrong_password_writes_no_message():
    siti = _citizen()
    with pytest.raises(ValidationError):
        account_close(user=siti, password="wrong")
    assert not Message.objects.filter(event=Event.ACCOUNT_CLOSED).exists()
