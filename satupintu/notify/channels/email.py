"""Email: HTML and plain text, with an .ics attachment for visits.

With an SMTP server configured (EMAIL_URL), a batch of messages goes over one SMTP connection
opened here with smtplib, and each message's MIME is written directly (Django's and the email
package's generators cost more per message than the SMTP exchange, which a burst of ten
thousand notices feels). Any other mailer (the demo's folder, tests' memory box) goes through
Django's mail API.
"""

import base64
import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from email.header import Header
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from functools import lru_cache
from typing import Any
from uuid import uuid4

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers

from satupintu.notify.channels.base import PermanentError, TransientError
from satupintu.notify.models import Message

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
CALENDAR_FILE = "kunjungan.ics"


def _classify(exc: Exception) -> Exception:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return PermanentError(f"recipient refused: {exc.recipients}")
    if isinstance(exc, smtplib.SMTPResponseException):
        if 500 <= exc.smtp_code < 600:
            return PermanentError(f"{exc.smtp_code} {exc.smtp_error!r}")
        return TransientError(f"{exc.smtp_code} {exc.smtp_error!r}")
    return TransientError(f"{type(exc).__name__}: {exc}")


def calendar_method(ics: str) -> str:
    """The METHOD of an iCalendar text (PUBLISH when it names none): its MIME type says it too,
    so that a cancellation is read as one."""
    for line in ics.splitlines():
        if line.startswith("METHOD:"):
            method = line.removeprefix("METHOD:").strip().upper()
            if method.isalpha():
                return method
    return "PUBLISH"


def _part(content_type: str, text: str, *extra_headers: str) -> bytes:
    lines = [
        f'Content-Type: {content_type}; charset="utf-8"',
        "Content-Transfer-Encoding: base64",
        *extra_headers,
    ]
    payload = base64.encodebytes(text.encode()).replace(b"\n", b"\r\n")
    return "\r\n".join(lines).encode() + b"\r\n\r\n" + payload


def _multipart(subtype: str, parts: list[bytes]) -> bytes:
    # Parts are base64, so a random boundary cannot occur inside them.
    boundary = f"=_satupintu_{uuid4().hex}"
    out = [f'Content-Type: multipart/{subtype}; boundary="{boundary}"\r\n\r\n'.encode()]
    for part in parts:
        out.append(f"--{boundary}\r\n".encode() + part + b"\r\n")
    out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out)


def _header(value: str) -> str:
    return value if value.isascii() else Header(value, "utf-8").encode()


@lru_cache(maxsize=8)
def _from_header(sender: str) -> str:
    """The From header of a "Name <address>" sender, worked out once: parsing and encoding it
    cost more than the rest of a message's headers, and a worker sends hundreds in a batch."""
    return formataddr(parseaddr(sender), charset="utf-8")


@lru_cache(maxsize=8)
def _address(sender: str) -> str:
    """The envelope address of a "Name <address>" sender."""
    return parseaddr(sender)[1]


def mime_bytes(message: Message, message_id: str) -> bytes:
    """The message as sent: text and HTML as multipart/alternative, inside multipart/mixed
    with the calendar file when there is one. Written directly rather than with the email
    package, whose generator costs more per message than the whole SMTP exchange."""
    body = _part("text/plain", message.body)
    if message.html_body:
        body = _multipart("alternative", [body, _part("text/html", message.html_body)])
    if message.calendar:
        calendar = _part(
            f"text/calendar; method={calendar_method(message.calendar)}",
            message.calendar,
            f'Content-Disposition: attachment; filename="{CALENDAR_FILE}"',
        )
        body = _multipart("mixed", [body, calendar])
    headers = [
        f"Subject: {_header(message.subject)}",
        f"From: {_from_header(settings.DEFAULT_FROM_EMAIL)}",
        f"To: {message.to}",
        f"Date: {formatdate(localtime=True)}",
        f"Message-ID: {message_id}",
        "MIME-Version: 1.0",
    ]
    return "\r\n".join(headers).encode() + b"\r\n" + body


class _Smtp:
    """One SMTP connection for a batch; once it breaks, the rest of the batch waits."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.connection: smtplib.SMTP | None = None
        self.error: Exception | None = None
        host, port = options.get("host", "localhost"), options.get("port", 25)
        timeout = options.get("timeout")
        try:
            if options.get("use_ssl"):
                context = ssl.create_default_context()
                # The ignores: a timeout of None (wait for ever) works; typeshed wants a float.
                self.connection = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)  # type: ignore[arg-type]
            else:
                self.connection = smtplib.SMTP(host, port, timeout=timeout)  # type: ignore[arg-type]
                if options.get("use_tls"):
                    self.connection.starttls(context=ssl.create_default_context())
            if options.get("username"):
                self.connection.login(options["username"], options.get("password", ""))
        except (smtplib.SMTPException, OSError) as exc:
            self.error = _classify(exc)

    def send(self, message: Message) -> str:
        if self.error is not None:
            raise self.error
        assert self.connection is not None  # set whenever no error is
        message_id = make_msgid(domain=settings.EMAIL_MESSAGE_ID_DOMAIN)
        sender = _address(settings.DEFAULT_FROM_EMAIL)
        try:
            self.connection.sendmail(sender, [message.to], mime_bytes(message, message_id))
        except (smtplib.SMTPException, OSError) as exc:
            error = _classify(exc)
            # SMTPException is an OSError too: only a broken connection (not a refusal of this
            # one message, after which smtplib has reset the exchange) stops the batch.
            if isinstance(exc, smtplib.SMTPServerDisconnected) or not isinstance(
                exc, smtplib.SMTPException
            ):
                self.error = error
            raise error from exc
        return message_id

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.quit()
            except (smtplib.SMTPException, OSError):
                self.connection.close()


class _DjangoMailer:
    """Django's mail API, for mailers other than SMTP (the demo's folder of files)."""

    def send(self, message: Message) -> str:
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
            email.attach(
                CALENDAR_FILE,
                message.calendar,
                f"text/calendar; method={calendar_method(message.calendar)}",
            )
        try:
            mailers["default"].send_messages([email])
        except (smtplib.SMTPException, OSError) as exc:
            raise _classify(exc) from exc
        return message_id


class EmailSender:
    @contextmanager
    def session(self) -> Iterator[_Smtp | _DjangoMailer]:
        config = settings.MAILERS["default"]
        if config.get("BACKEND", SMTP_BACKEND) != SMTP_BACKEND:
            yield _DjangoMailer()
            return
        smtp = _Smtp(config.get("OPTIONS", {}))
        try:
            yield smtp
        finally:
            smtp.close()

    def send(self, message: Message) -> str:
        with self.session() as session:
            return session.send(message)
