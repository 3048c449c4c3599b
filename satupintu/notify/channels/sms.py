"""SMS through a configurable HTTP gateway speaking JSON: {"to", "from", "text"} -> {"id"}."""

from django.conf import settings

from satupintu.notify.channels.base import OneByOne, PermanentError, TransientError
from satupintu.notify.channels.http import post_json
from satupintu.notify.models import Message


class SmsSender(OneByOne):
    def send(self, message: Message) -> str:
        if not settings.SMS_GATEWAY_URL:
            raise PermanentError("no SMS gateway is configured")
        answer = post_json(
            settings.SMS_GATEWAY_URL,
            {"to": message.to, "from": settings.SMS_SENDER_ID, "text": message.body},
            token=settings.SMS_GATEWAY_TOKEN,
            timeout=settings.SMS_GATEWAY_TIMEOUT,
        )
        if not answer.get("id"):
            raise TransientError(f"gateway gave no message id: {answer!r}")
        return str(answer["id"])
