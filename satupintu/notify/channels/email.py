"""Email over SMTP (or Django's file backend in the demo), one connection per batch."""

import smtplib
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import make_msgid

from satupintu.notify.channels.base import PermanentError, TransientError
from satupintu.notify.models import Message


def _classify(exc: Exception) -> Exception:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return PermanentError(f"recipient refused: {exc.recipients}")
    if isinstance(exc, smtplib.SMTPResponseException):
        if 500 <= exc.smtp_code < 600:
            return PermanentError(f"{exc.smtp_code} {exc.smtp_error!r}")
        return TransientError(f"{exc.smtp_code} {exc.smtp_error!r}")
    return TransientError(f"{type(exc).__name__}: {exc}")


class _Connection:
    def __init__(self, backend: BaseEmailBackend | None, error: Exception | None) -> None:
        self.backend = backend
        self.error = error

    def send(self, message: Message) -> str:
        if self.error is not None:  # the server could not be reached for this batch
            raise self.error
        message_id = make_msgid(domain=settings.EMAIL_MESSAGE_ID_DOMAIN)
        email = EmailMultiAlternatives(
            subject=message.subject,
            body=message.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.to],
            headers={"Message-ID": message_id},
        )
        if message.html_body:
            email.attach_alternative(message.html_body, "text/html")
        if message.calendar:
            email.attach("kunjungan.ics", message.calendar, "text/calendar; method=PUBLISH")
        try:
            self.backend.send_messages([email])
        except (smtplib.SMTPException, OSError) as exc:
            error = _classify(exc)
            if isinstance(exc, smtplib.SMTPServerDisconnected | OSError):
                self.error = error  # the connection is gone: the rest of the batch waits too
            raise error from exc
        return message_id


class EmailSender:
    @contextmanager
    def session(self) -> Iterator[_Connection]:
        backend = mailers["default"]
        try:
            backend.open()
        except (smtplib.SMTPException, OSError) as exc:
            yield _Connection(None, _classify(exc))
            return
        try:
            yield _Connection(backend, None)
        finally:
            backend.close()

    def send(self, message: Message) -> str:
        with self.session() as connection:
            return connection.send(message)
