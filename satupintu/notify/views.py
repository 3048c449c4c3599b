"""Webhooks of the WhatsApp Cloud API: verification, delivery receipts, inbound messages."""

import json
import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from satupintu.accounts.validators import normalize_phone
from satupintu.notify import bot
from satupintu.notify.channels.whatsapp import signature_valid
from satupintu.notify.models import Channel
from satupintu.notify.services import message_receipt

logger = logging.getLogger(__name__)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def whatsapp_webhook(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        # Meta's subscription handshake: echo the challenge if the verify token matches.
        token = request.GET.get("hub.verify_token", "")
        if (
            request.GET.get("hub.mode") == "subscribe"
            and settings.WHATSAPP_VERIFY_TOKEN
            and constant_time_compare(token, settings.WHATSAPP_VERIFY_TOKEN)
        ):
            return HttpResponse(request.GET.get("hub.challenge", ""), content_type="text/plain")
        return HttpResponseForbidden()
    if request.content_type != "application/json":
        # Meta posts JSON; a form's body is parsed (and its stream read) before this view.
        return HttpResponse(status=415)
    if not signature_valid(request.body, request.headers.get("X-Hub-Signature-256", "")):
        return HttpResponseForbidden()
    try:
        payload = json.loads(request.body)
        changes = [c.get("value", {}) for e in payload.get("entry", []) for c in e["changes"]]
    except (ValueError, KeyError, TypeError, AttributeError):
        return HttpResponse(status=400)
    for value in changes:
        for status in value.get("statuses", []):
            errors = status.get("errors") or [{}]
            message_receipt(
                channel=Channel.WHATSAPP,
                provider_id=status.get("id", ""),
                status=status.get("status", ""),
                error=str(errors[0].get("title", "")),
            )
        for inbound in value.get("messages", []):
            if inbound.get("type") != "text":
                continue
            try:
                phone = normalize_phone("+" + inbound["from"])
            except Exception:  # a sender we cannot reply to
                logger.warning("ignoring a WhatsApp message from a sender that is no phone number")
                continue
            bot.reply(phone=phone, text=inbound.get("text", {}).get("body", ""))
    # Meta retries anything but 200, so answer 200 once the payload is understood.
    return HttpResponse("OK")
