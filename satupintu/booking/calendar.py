"""The iCalendar file of a visit, attached to its messages and downloadable (signed in, or by a
signed link for channels that cannot carry a file)."""

from datetime import UTC, timedelta
from email.utils import parseaddr
from functools import lru_cache

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from satupintu.booking.models import Booking, Slot

# A calendar client takes a file with the same UID and a higher SEQUENCE as the new state of the
# event it already holds: METHOD:CANCEL removes it.
ENDED = (Booking.Status.CANCELLED, Booking.Status.RELEASED)
LINK_SALT = "satupintu.booking.calendar"
# The link goes in a message; the visit is at most the booking horizon ahead, so this is ample.
LINK_VALID_FOR = timedelta(days=120)


@lru_cache(maxsize=8)
def _address(sender: str) -> str:
    """The address of a "Name <address>" sender (a closure writes ten thousand files)."""
    return parseaddr(sender)[1]


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def visit_ics(
    booking: Booking,
    *,
    slot: Slot | None = None,
    sequence: int | None = None,
    cancelled: bool | None = None,
) -> str:
    """The visit as an iCalendar file: its time (``slot``, when the caller knows a new one the
    row does not hold yet), its ``sequence`` (the booking's own unless given) and whether it is
    called off (from the booking's status unless given)."""
    slot = slot or booking.slot
    service = booking.service
    mall = service.agency.mall
    sequence = booking.sequence if sequence is None else sequence
    if cancelled is None:
        cancelled = booking.status in ENDED
    stamp = "%Y%m%dT%H%M%SZ"
    organizer = _address(settings.DEFAULT_FROM_EMAIL)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Satu Pintu//Kunjungan//ID",
        f"METHOD:{'CANCEL' if cancelled else 'PUBLISH'}",
        "BEGIN:VEVENT",
        f"UID:{booking.code}@satupintu.id",
        f"SEQUENCE:{sequence}",
        f"DTSTAMP:{timezone.now().astimezone(UTC).strftime(stamp)}",
        f"DTSTART:{slot.start.astimezone(UTC).strftime(stamp)}",
        f"DTEND:{slot.end.astimezone(UTC).strftime(stamp)}",
        f"ORGANIZER;CN={_escape(mall.name)}:mailto:{organizer}",
        f"STATUS:{'CANCELLED' if cancelled else 'CONFIRMED'}",
        f"SUMMARY:{_escape(f'{service.name} ({booking.code})')}",
        f"LOCATION:{_escape(f'{mall.name}, {mall.address}')}",
        f"DESCRIPTION:{_escape(f'{service.agency.name}. Kode booking {booking.code}.')}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(lines) + "\r\n"


def calendar_link(booking: Booking) -> str:
    """A link to the visit's calendar file that works without signing in, for WhatsApp and SMS
    (which cannot carry the file itself): signed, so only the holder's message has it, and
    short-lived. It shows what the message itself says (service, place, time, code)."""
    token = signing.dumps(booking.code, salt=LINK_SALT, compress=True)
    return settings.SITE_URL + reverse("portal:booking-ics-signed", args=[token])


def calendar_link_code(token: str) -> str | None:
    """The booking code a calendar link was signed for, or None when it is forged or expired."""
    try:
        code = signing.loads(token, salt=LINK_SALT, max_age=LINK_VALID_FOR)
    except signing.BadSignature:
        return None
    return code if isinstance(code, str) else None
