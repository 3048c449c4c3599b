"""A citizen's own data (UU 27/2022 PDP): a copy of everything about them, and closing their
account."""

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from satupintu.accounts.models import User
from satupintu.accounts.privacy import Kind, record_access
from satupintu.accounts.selectors import is_staff_person
from satupintu.accounts.services import api_tokens_revoke_all
from satupintu.booking.models import Booking
from satupintu.booking.services.bookings import bookings_cancel_for_closed_account
from satupintu.cases.models import Application
from satupintu.cases.services.retention import applications_forget_applicant
from satupintu.complaints.models import Consultation, Report
from satupintu.complaints.services import complaints_forget_citizen
from satupintu.languages import site_url
from satupintu.notify.models import Channel, Event, Message
from satupintu.notify.services import Recipient, messages_forget_user, notify

# The confirmation of a closing goes out of the platform: the account's inbox goes with it.
OUTSIDE_CHANNELS = (Channel.EMAIL, Channel.WHATSAPP, Channel.SMS)


def _when(value: Any) -> str | None:
    return value.isoformat() if value else None


def _profile(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "nik": user.nik,
        "birth_date": _when(user.birth_date),
        "dukcapil_status": user.dukcapil_status,
        "dukcapil_verified_at": _when(user.dukcapil_verified_at),
        "email": user.email,
        "phone": user.phone,
        "language": user.language,
        "notification_channels": user.notification_channels,
        "date_joined": _when(user.date_joined),
        "last_login": _when(user.last_login),
    }


def _bookings(user: User) -> list[dict[str, Any]]:
    bookings = (
        Booking.objects.filter(citizen=user)
        .select_related("service", "service__agency__mall", "slot")
        .order_by("date")
    )
    return [
        {
            "code": b.code,
            "service": b.service.name,
            "mall": b.service.agency.mall.name,
            "start": _when(b.slot.start),
            "status": b.status,
            "priority": b.priority,
            "booked_at": _when(b.created_at),
            "cancelled_at": _when(b.cancelled_at),
        }
        for b in bookings
    ]


def _issued_document(application: Application) -> dict[str, Any] | None:
    document = getattr(application, "issued_document", None)
    if not document:
        return None
    return {
        "number": document.number,
        "title": document.title,
        "holder_name": document.holder_name,
        "valid_until": _when(document.valid_until),
    }


def _applications(user: User) -> list[dict[str, Any]]:
    applications = (
        Application.objects.filter(applicant=user)
        .select_related("service", "service__agency", "issued_document")
        .prefetch_related("documents")
        .order_by("created_at")
    )
    return [
        {
            "tracking_number": a.tracking_number,
            "service": a.service.name,
            "agency": a.service.agency.name,
            "status": a.status,
            "nib": a.nib,
            "form": a.form_data,
            "documents": [d.name for d in a.documents.all()],
            "submitted_at": _when(a.submitted_at),
            "decided_at": _when(a.decided_at),
            "issued_document": _issued_document(a),
        }
        for a in applications
    ]


def _complaints(user: User) -> list[dict[str, Any]]:
    reports = Report.objects.filter(reporter=user, is_anonymous=False).select_related("mall")
    return [
        {
            "tracking_id": r.tracking_id,
            "mall": r.mall.name,
            "title": r.title,
            "text": r.text,
            "status": r.status,
            "name": r.reporter_name,
            "email": r.reporter_email,
            "phone": r.reporter_phone,
            "filed_at": _when(r.created_at),
        }
        for r in reports
    ]


def _consultations(user: User) -> list[dict[str, Any]]:
    consultations = (
        Consultation.objects.filter(citizen=user)
        .select_related("service")
        .prefetch_related("messages")
        .order_by("created_at")
    )
    return [
        {
            "service": c.service.name,
            "subject": c.subject,
            "status": c.status,
            "asked_at": _when(c.created_at),
            "messages": [
                {"from_staff": m.from_staff, "text": m.text, "at": _when(m.created_at)}
                for m in c.messages.all()
            ],
        }
        for c in consultations
    ]


def _messages(user: User) -> list[dict[str, Any]]:
    return [
        {
            "channel": m.channel,
            "to": m.to,
            "subject": m.subject,
            "text": m.body,
            "status": m.status,
            "at": _when(m.created_at),
        }
        for m in Message.objects.filter(user=user).order_by("created_at")
    ]


def personal_data(*, user: User) -> dict[str, Any]:
    """Everything the platform holds about ``user``, as plain values (the JSON download)."""
    return {
        "generated_at": timezone.now().isoformat(),
        "profile": _profile(user),
        "bookings": _bookings(user),
        "applications": _applications(user),
        "complaints": _complaints(user),
        "consultations": _consultations(user),
        "messages": _messages(user),
        "surveys": [],
    }


def personal_data_export(*, user: User, what: str) -> dict[str, Any]:
    """The citizen's own copy, its download recorded like any other look at personal data."""
    record_access(user=user, kind=Kind.DATA_EXPORT, subject=user, obj=user, where=what)
    return personal_data(user=user)


def _tell_closed(*, user: User) -> None:
    """Write the confirmation of the closing to the outbox, in the closing's transaction: to the
    addresses the account has now (they are erased next), on the person's channels in their
    order, then the others. It belongs to no account, so erasing this one's messages leaves it
    and no inbox shows it; the retention job deletes it like any sent message."""
    chosen = [c for c in user.notification_channels if c in OUTSIDE_CHANNELS]
    recipient = Recipient(
        email=user.email,
        phone=user.phone,
        language=user.language or settings.LANGUAGE_CODE,
        channels=(*chosen, *(c for c in OUTSIDE_CHANNELS if c not in chosen)),
    )
    context = {
        "name": user.get_full_name() or user.get_username(),
        "mall": "Satu Pintu",
        "link": site_url("verify:index", language=recipient.language),
    }
    notify(event=Event.ACCOUNT_CLOSED, recipient=recipient, context=context)


@transaction.atomic
def account_close(*, user: User, password: str) -> User:
    """Close the account of ``user`` (who confirms with their password): future bookings are
    given back, open applications withdrawn, and name, NIK, birth date (and the registry's
    verdict on them), phone and email erased. What the law requires to keep stays: issued
    permits and the applications behind them (the permit carries its holder's name). Tokens
    die; sessions die with the password. The confirmation is written to the outbox before the
    addresses are erased, and goes once this commits."""
    if not user.is_active or not user.check_password(password):
        raise ValidationError({"password": _("That is not your password.")})
    if is_staff_person(user=user):
        # A staff account signs cases, answers and decisions: the administrator ends it.
        raise ValidationError(
            {"password": _("A staff account is closed by the administrator, not here.")}
        )
    bookings_cancel_for_closed_account(citizen=user)
    applications_forget_applicant(applicant=user)
    complaints_forget_citizen(citizen=user)
    messages_forget_user(user=user)
    _tell_closed(user=user)
    api_tokens_revoke_all(user=user)
    user.username = f"closed-{user.pk}"
    user.first_name = user.last_name = user.email = user.nik = user.phone = ""
    user.notification_channels = []
    user.birth_date = None
    user.dukcapil_status = User.Dukcapil.UNCHECKED
    user.dukcapil_verified_at = user.dukcapil_checked_at = None
    user.is_active = False
    user.set_unusable_password()
    user.save()
    return user
