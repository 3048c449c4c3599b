"""The in-app inbox: the message row is the inbox entry, so hand-over is immediate."""

from satupintu.notify.channels.base import OneByOne
from satupintu.notify.models import Message


class InAppSender(OneByOne):
    def send(self, message: Message) -> str:
        return f"inapp-{message.pk}"
