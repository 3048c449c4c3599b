"""Email over SMTP (or Django's file/console backends in the demo)."""

import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import make_msgid

from satupintu.notify.channels.base import PermanentError, TransientError
from satupintu.notify.models import Message


class EmailSender:
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
            email.attach("kunjungan.ics", message.calendar, "text/calendar; method=PUBLISH")
        try:
            email.send(using="default")
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentError(f"recipient refused: {exc.recipients}") from exc
        except smtplib.SMTPResponseException as exc:
            if 500 <= exc.smtp_code < 600:
                raise PermanentError(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
            raise TransientError(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise TransientError(f"{type(exc).__name__}: {exc}") from exc
        return message_id
