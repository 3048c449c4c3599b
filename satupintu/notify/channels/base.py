"""What every channel provider implements, and the two ways a hand-over can fail."""

from typing import Protocol

from satupintu.notify.models import Message


class TransientError(Exception):
    """The provider could not take the message now (down, busy, 4xx); try again later."""


class PermanentError(Exception):
    """The provider will never take this message (bad address, refused); fall back."""


class Sender(Protocol):
    def send(self, message: Message) -> str:
        """Hand ``message`` to the provider; return the provider's id for it."""
        ...
