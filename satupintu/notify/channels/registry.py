"""Which sender serves which channel."""

from satupintu.notify.channels.base import PermanentError, Sender
from satupintu.notify.channels.email import EmailSender
from satupintu.notify.channels.inapp import InAppSender
from satupintu.notify.channels.sms import SmsSender
from satupintu.notify.channels.whatsapp import WhatsAppSender
from satupintu.notify.models import Channel

_SENDERS: dict[str, Sender] = {
    Channel.EMAIL: EmailSender(),
    Channel.INAPP: InAppSender(),
    Channel.WHATSAPP: WhatsAppSender(),
    Channel.SMS: SmsSender(),
}


def sender_for(channel: str) -> Sender:
    try:
        return _SENDERS[channel]
    except KeyError as exc:
        raise PermanentError(f"no provider configured for channel {channel}") from exc
