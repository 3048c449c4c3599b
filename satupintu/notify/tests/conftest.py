"""A real SMTP server on loopback (aiosmtpd) that can be stopped and started again."""

import socket
import threading
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller


class Inbox:
    """What the SMTP server received; a recipient listed in ``refuse`` gets a 550."""

    def __init__(self) -> None:
        self.messages: list = []
        self.arrived = threading.Condition()
        self.refuse: set[str] = set()
        self.sessions = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802
        self.sessions += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        with self.arrived:
            self.messages.append(message_from_bytes(envelope.content))
            self.arrived.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float) -> bool:
        """Wait until ``count`` messages have arrived; False if they had not within ``timeout``."""
        with self.arrived:
            return self.arrived.wait_for(lambda: len(self.messages) >= count, timeout)


class SMTPServer:
    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.inbox = Inbox()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def whatsapp_api(settings):
    from satupintu.notify.tests.fake_whatsapp import PHONE_NUMBER_ID, TOKEN, FakeCloudAPI

    api = FakeCloudAPI()
    api.start()
    settings.WHATSAPP_API_URL = api.url
    settings.WHATSAPP_PHONE_NUMBER_ID = PHONE_NUMBER_ID
    settings.WHATSAPP_TOKEN = TOKEN
    settings.WHATSAPP_APP_SECRET = "test-app-secret"
    settings.WHATSAPP_VERIFY_TOKEN = "test-verify-token"
    yield api
    api.stop()
