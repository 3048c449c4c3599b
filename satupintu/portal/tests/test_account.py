"""A citizen signs in, reads their inbox and chooses how they are told."""

import pytest
from django.urls import reverse

from satupintu.malls.tests.factories import UserFactory
from satupintu.notify.models import Channel, Event, Message
from satupintu.notify.services import Recipient, message_deliver, notify

pytestmark = pytest.mark.django_db
CONTEXT = {"name": "Siti", "tracking": "MPP-2026-000123"}


@pytest.fixture
def siti():
    return UserFactory(
        username="siti",
        email="siti@example.id",
        phone="+6281234567890",
        notification_channels=["email", "whatsapp"],
    )


def _tell(user):
    return notify(
        event=Event.APPLICATION_RECEIVED, context=CONTEXT, recipient=Recipient.for_user(user)
    )


def test_a_citizen_signs_in_on_the_portal_and_lands_in_the_inbox(client, siti):
    page = client.get(reverse("portal:login"))
    assert "Masuk" in page.text
    wrong = client.post(reverse("portal:login"), {"username": "siti", "password": "nope"})
    assert "tidak cocok" in wrong.text
    response = client.post(
        reverse("portal:login"), {"username": "siti", "password": "secret-pass-123"}
    )
    assert response.status_code == 302 and response.url == reverse("backoffice:start")
    assert client.get(response.url).url == reverse("portal:inbox")  # staff land on their work


def test_the_inbox_needs_a_signed_in_citizen(client):
    response = client.get(reverse("portal:inbox"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("portal:login"))


def test_the_inbox_shows_only_my_messages_and_opening_it_reads_them(client, siti):
    mine = _tell(siti)
    _tell(UserFactory(email="other@example.id", notification_channels=["email"]))
    client.force_login(siti)

    home = client.get("/")
    assert 'class="badge"' in home.text and ">1</span>" in home.text

    inbox = client.get(reverse("portal:inbox"))
    assert mine.subject in inbox.text
    assert "other@example.id" not in inbox.text
    assert inbox.text.count('class="card unread"') == 1
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert 'class="badge"' not in client.get("/").text


def test_a_message_passed_on_to_another_channel_shows_once(client, siti, settings):
    settings.WHATSAPP_PHONE_NUMBER_ID = ""  # WhatsApp unavailable: fails at once
    siti.notification_channels = ["whatsapp"]
    siti.save()
    first = _tell(siti)
    assert first.channel == Channel.WHATSAPP
    message_deliver(message_id=first.pk)
    first.refresh_from_db()
    assert first.status == Message.Status.FAILED
    passed_on = first.fallbacks.get()
    assert passed_on.channel == Channel.INAPP  # the inbox is always the last resort

    client.force_login(siti)
    inbox = client.get(reverse("portal:inbox"))
    assert inbox.text.count('class="card unread"') == 1
    assert "lewat Kotak masuk" in inbox.text


def test_preferences_order_the_channels_and_reach_notify(client, siti):
    client.force_login(siti)
    response = client.post(
        reverse("portal:profile"),
        {
            "full_name": "Siti",
            "channels": ["email", "whatsapp", "sms"],
            "first": "sms",
            "language": "en",
            "email": "siti@example.id",
            "phone": "0812-3456-7890",
        },
    )
    assert response.status_code == 302
    siti.refresh_from_db()
    assert siti.notification_channels == ["sms", "whatsapp", "email"]
    assert siti.phone == "+6281234567890"
    assert siti.language == "en"

    message = _tell(siti)
    assert message.channel == Channel.SMS and message.language == "en"
    assert [c for c, _to in message.fallback_channels] == ["whatsapp", "email", "inapp"]
    assert "Tersimpan" in client.get(reverse("portal:profile")).text


@pytest.mark.parametrize(
    ("data", "field", "error"),
    [
        ({"channels": ["whatsapp"], "first": "whatsapp", "phone": ""}, "phone", "nomor ponsel"),
        ({"channels": ["sms"], "first": "sms", "phone": "12ab"}, "phone", "nomor telepon"),
        ({"channels": ["email"], "first": "email", "email": ""}, "email", "alamat email"),
        ({"channels": ["email"], "first": "sms", "email": "a@b.id"}, "first", "Centang"),
    ],
)
def test_bad_preferences_are_explained_in_indonesian_and_change_nothing(
    client, siti, data, field, error
):
    client.force_login(siti)
    page = client.post(reverse("portal:profile"), {"full_name": "Siti", "language": "id", **data})
    assert page.status_code == 200
    assert error in str(page.context["form"].errors[field])
    siti.refresh_from_db()
    assert siti.notification_channels == ["email", "whatsapp"]


def test_inbox_only_is_a_choice(client, siti):
    client.force_login(siti)
    client.post(
        reverse("portal:profile"),
        {"full_name": "Siti", "language": "id", "email": "siti@example.id"},
    )
    siti.refresh_from_db()
    assert siti.notification_channels == []
    assert _tell(siti).channel == Channel.INAPP
