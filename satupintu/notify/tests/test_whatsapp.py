"""WhatsApp against a local server speaking the Cloud API, and its webhook."""

import hashlib
import hmac
import json

import pytest
from django.urls import reverse

from satupintu.malls.tests.factories import MallFactory, UserFactory
from satupintu.notify import bot
from satupintu.notify.models import Channel, Event, Message
from satupintu.notify.services import Recipient, message_deliver, notify

pytestmark = pytest.mark.django_db
CONTEXT = {
    "name": "Siti",
    "tracking": "MPP-2026-000123",
    "service": "PBG",
    "mall": "MPP",
    "link": "https://mpp.example.go.id/lacak/MPP-2026-000123",
}


def _whatsapp(**extra):
    return notify(
        event=Event.APPLICATION_RECEIVED,
        context=CONTEXT,
        recipient=Recipient(
            phone="+6281234567890", channels=(Channel.WHATSAPP, Channel.INAPP), **extra
        ),
    )


def test_whatsapp_template_message_reaches_the_cloud_api(whatsapp_api):
    message = message_deliver(message_id=_whatsapp().pk)

    assert message.status == Message.Status.SENT and message.provider_id == "wamid.TEST000001"
    [sent] = whatsapp_api.received
    assert sent["to"] == "6281234567890" and sent["type"] == "template"
    template = sent["template"]
    assert template["name"] == "satupintu_application_received"
    assert template["language"] == {"code": "id"}
    parameters = {p["parameter_name"]: p["text"] for p in template["components"][0]["parameters"]}
    assert parameters["tracking"] == "MPP-2026-000123" and parameters["name"] == "Siti"


def test_rate_limit_is_retried_and_a_bad_number_falls_back(whatsapp_api):
    whatsapp_api.fail_with = [(429, {"error": {"code": 130429, "message": "Rate limit"}})]
    message = message_deliver(message_id=_whatsapp(user=UserFactory()).pk)
    assert message.status == Message.Status.QUEUED and "130429" in message.last_error

    whatsapp_api.fail_with = [(400, {"error": {"code": 131026, "message": "Undeliverable"}})]
    Message.objects.filter(pk=message.pk).update(next_attempt_at=message.created_at)
    message = message_deliver(message_id=message.pk)
    assert message.status == Message.Status.FAILED
    assert message.fallbacks.get().channel == Channel.INAPP


def test_unconfigured_whatsapp_falls_back_at_once(settings):
    settings.WHATSAPP_PHONE_NUMBER_ID = ""
    message = message_deliver(message_id=_whatsapp(user=UserFactory()).pk)
    assert message.status == Message.Status.FAILED
    assert message.fallbacks.get().channel == Channel.INAPP


def _signed_post(client, payload, secret="test-app-secret"):
    body = json.dumps(payload).encode()
    signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return client.post(
        reverse("notify:whatsapp-webhook"),
        body,
        content_type="application/json",
        headers={"x-hub-signature-256": f"sha256={signature}"},
    )


def _change(value):
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}],
    }


def test_verification_handshake(client, whatsapp_api):
    url = reverse("notify:whatsapp-webhook")
    ok = client.get(
        url,
        {
            "hub.mode": "subscribe",
            "hub.verify_token": "test-verify-token",
            "hub.challenge": "1158201444",
        },
    )
    assert ok.status_code == 200 and ok.text == "1158201444"
    assert (
        client.get(
            url, {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "x"}
        ).status_code
        == 403
    )


def test_delivery_receipt_marks_the_message_delivered(client, whatsapp_api):
    message = message_deliver(message_id=_whatsapp().pk)
    response = _signed_post(
        client,
        _change(
            {
                "statuses": [
                    {
                        "id": message.provider_id,
                        "status": "delivered",
                        "timestamp": "1775000000",
                        "recipient_id": "6281234567890",
                    }
                ]
            }
        ),
    )
    assert response.status_code == 200
    message.refresh_from_db()
    assert message.status == Message.Status.DELIVERED and message.delivered_at


def test_failed_receipt_after_hand_over_falls_back(client, whatsapp_api):
    message = message_deliver(message_id=_whatsapp(user=UserFactory()).pk)
    _signed_post(
        client,
        _change(
            {
                "statuses": [
                    {
                        "id": message.provider_id,
                        "status": "failed",
                        "errors": [{"code": 131026, "title": "Message undeliverable"}],
                    }
                ]
            }
        ),
    )
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED
    assert message.last_error == "Message undeliverable"
    assert message.fallbacks.get().channel == Channel.INAPP


def test_unsigned_or_forged_webhooks_change_nothing(client, whatsapp_api):
    message = message_deliver(message_id=_whatsapp().pk)
    payload = _change({"statuses": [{"id": message.provider_id, "status": "delivered"}]})
    assert _signed_post(client, payload, secret="forged").status_code == 403
    unsigned = client.post(
        reverse("notify:whatsapp-webhook"), json.dumps(payload), content_type="application/json"
    )
    assert unsigned.status_code == 403
    message.refresh_from_db()
    assert message.status == Message.Status.SENT


def test_a_form_posted_to_the_webhook_is_refused_not_a_server_error(client, whatsapp_api):
    """The form is parsed (its stream read) before the view: the webhook takes only JSON."""
    url = reverse("notify:whatsapp-webhook")
    assert client.post(url, {"entry": "[]"}).status_code == 415
    urlencoded = client.post(url, "entry=1", content_type="application/x-www-form-urlencoded")
    assert urlencoded.status_code == 415


def _inbound(client, text, sender="6281234567890"):
    _signed_post(
        client,
        _change(
            {
                "messages": [
                    {
                        "from": sender,
                        "id": "wamid.IN1",
                        "timestamp": "1775000000",
                        "type": "text",
                        "text": {"body": text},
                    }
                ]
            }
        ),
    )
    reply = Message.objects.filter(event=Event.BOT_REPLY).latest("pk")
    return message_deliver(message_id=reply.pk)


def test_bot_lists_commands_and_replies_as_free_text(client, whatsapp_api):
    reply = _inbound(client, "bantuan")
    assert reply.status == Message.Status.SENT and reply.to == "+6281234567890"
    [sent] = whatsapp_api.received
    assert sent["type"] == "text" and "STATUS" in sent["text"]["body"]
    assert "ANTREAN" in sent["text"]["body"]


def test_bot_answers_status_only_to_the_number_the_case_was_filed_with(
    client, whatsapp_api, monkeypatch
):
    cases = {"MPP-2026-000123": ("+6281234567890", "Permohonan PBG: verifikasi berkas")}

    def lookup(code, phone):
        owner, status = cases.get(code, (None, None))
        return status if owner == phone else None

    monkeypatch.setitem(bot.LOOKUPS, "STATUS", [lookup])
    owner_reply = _inbound(client, "status mpp-2026-000123")
    stranger_reply = _inbound(client, "STATUS MPP-2026-000123", sender="6281299998888")
    assert owner_reply.body == "Permohonan PBG: verifikasi berkas"
    assert "verifikasi" not in stranger_reply.body and "MPP-2026-000123" in stranger_reply.body


def test_bot_helps_with_anything_else_and_gives_the_malls_contacts(client, whatsapp_api):
    MallFactory(name="MPP Kota Bogor", whatsapp="+6281110001234")
    reply = _inbound(client, "halo, KTP saya hilang")
    assert "BANTUAN" in reply.body and "+6281110001234" in reply.body


def test_logs_name_no_phone_number_or_email(client, whatsapp_api, caplog):
    """A message nobody can be told about and a sender nobody can answer are logged without
    the addresses (personal data stay out of the logs)."""
    caplog.set_level("INFO")
    nobody = Recipient(
        email="siti@example.id", phone="+6281234567890", channels=(Channel.WHATSAPP,)
    )
    assert notify(event="no_such_event", context=CONTEXT, recipient=nobody) is None
    _signed_post(
        client,
        _change({"messages": [{"from": "62812345678901234567890", "type": "text", "text": {}}]}),
    )
    logged = caplog.text
    assert "no channel and template" in logged and "ignoring a WhatsApp message" in logged
    for personal in ("siti@example.id", "81234567890", "812345678901234567890"):
        assert personal not in logged
