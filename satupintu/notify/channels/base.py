"""What every channel provider implements, and the two ways a hand-over can fail."""

from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol

from satupintu.notify.models import Message


class TransientError(Exception):
    """The provider could not take the message now (down, busy, 4xx); try again later."""


class PermanentError(Exception):
    """The provider will never take this message (bad address, refused); fall back."""


class Session(Protocol):
    def send(self, message: Message) -> str:
        """Hand ``message`` to the provider; return the provider's id for it."""
        ...


class Sender(Session, Protocol):
    def session(self) -> AbstractContextManager[Session]:
        """A context in which a batch of messages is sent (one connection where it helps)."""
        ...


class OneByOne(ABC):
    """A sender whose messages share nothing: its session is itself."""

    @abstractmethod
    def send(self, message: Message) -> str: ...

    @contextmanager
    def session(self) -> Iterator[Session]:
        yield self
