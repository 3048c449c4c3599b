"""WhatsApp through the WhatsApp Business Cloud API: template messages out, status webhooks in."""

import hashlib
import hmac
import re
from typing import Any

from django.conf import settings

from satupintu.notify.channels.base import OneByOne, PermanentError, TransientError
from satupintu.notify.channels.http import post_json
from satupintu.notify.models import Message

_PLACEHOLDER = re.compile(r"{{\s*(\w+)\s*}}")
# Cloud API error codes worth retrying: rate limits, throttling, temporary service errors.
_TRANSIENT_CODES = {4, 80007, 130429, 131000, 131016, 131048, 131056, 133004}


def _is_transient(status: int, body: dict[str, Any]) -> bool:
    return body.get("error", {}).get("code") in _TRANSIENT_CODES


def _post(payload: dict[str, Any]) -> dict[str, Any]:
    url = f"{settings.WHATSAPP_API_URL.rstrip('/')}/{settings.WHATSAPP_PHONE_NUMBER_ID}/messages"
    return post_json(
        url,
        payload,
        token=settings.WHATSAPP_TOKEN,
        timeout=settings.WHATSAPP_TIMEOUT,
        is_transient=_is_transient,
    )


def template_payload(message: Message) -> dict[str, Any]:
    """A template message whose named body parameters are the placeholders of our wording."""
    template = message.template
    source = template.body if template else ""
    names = list(dict.fromkeys(_PLACEHOLDER.findall(source)))
    parameters = [
        {"type": "text", "parameter_name": name, "text": str(message.context.get(name, "-"))}
        for name in names
    ]
    return {
        "messaging_product": "whatsapp",
        "to": message.to.lstrip("+"),
        "type": "template",
        "template": {
            "name": (template.whatsapp_template if template else "")
            or f"satupintu_{message.event}",
            "language": {"code": message.language},
            "components": [{"type": "body", "parameters": parameters}],
        },
    }


def text_payload(to: str, body: str) -> dict[str, Any]:
    """A free-form text, allowed within 24 hours of the citizen's own message (bot replies)."""
    return {
        "messaging_product": "whatsapp",
        "to": to.lstrip("+"),
        "type": "text",
        "text": {"preview_url": False, "body": body},
    }


class WhatsAppSender(OneByOne):
    def send(self, message: Message) -> str:
        if not settings.WHATSAPP_PHONE_NUMBER_ID:
            raise PermanentError("WhatsApp is not configured")
        # Bot replies answer the citizen's own message, so free text is allowed; everything
        # else is a business-initiated message and must use an approved template.
        payload = (
            text_payload(message.to, message.body)
            if message.template_id is None
            else template_payload(message)
        )
        answer = _post(payload)
        try:
            return answer["messages"][0]["id"]
        except (KeyError, IndexError, TypeError) as exc:
            raise TransientError(f"unexpected answer: {answer!r}") from exc


def signature_valid(body: bytes, header: str) -> bool:
    """Meta signs each webhook with HMAC-SHA256 of the raw body under the app secret."""
    if not settings.WHATSAPP_APP_SECRET or not header.startswith("sha256="):
        return False
    expected = hmac.new(settings.WHATSAPP_APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.removeprefix("sha256="))
