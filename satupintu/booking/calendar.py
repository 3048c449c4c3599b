"""The iCalendar file of a visit, attached to its confirmation and downloadable."""

from datetime import UTC

from satupintu.booking.models import Booking


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def visit_ics(booking: Booking) -> str:
    slot, service = booking.slot, booking.service
    mall = service.agency.mall
    stamp = "%Y%m%dT%H%M%SZ"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Satu Pintu//Kunjungan//ID",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{booking.code}@satupintu.id",
        f"DTSTAMP:{booking.created_at.astimezone(UTC).strftime(stamp)}",
        f"DTSTART:{slot.start.astimezone(UTC).strftime(stamp)}",
        f"DTEND:{slot.end.astimezone(UTC).strftime(stamp)}",
        f"SUMMARY:{_escape(f'{service.name} ({booking.code})')}",
        f"LOCATION:{_escape(f'{mall.name}, {mall.address}')}",
        f"DESCRIPTION:{_escape(f'{service.agency.name}. Kode booking {booking.code}.')}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(lines) + "\r\n"
