"""Queue tickets on an ESC/POS thermal printer (python-escpos), when ``TICKET_PRINTER`` names
one; the browser's print path (the kiosk's print stylesheet) works without it."""

import logging
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from satupintu.booking.models import Ticket
from satupintu.booking.selectors import Position
from satupintu.malls.calendar import in_mall_time

logger = logging.getLogger(__name__)

# A printer that does not answer must not keep the visitor at the kiosk.
PRINTER_TIMEOUT_SECONDS = 3


def printer_from_setting(spec: str) -> Any | None:
    """The printer ``spec`` names: ``tcp://host[:port]`` (a network printer, port 9100 by
    default) or ``file:///dev/usb/lp0`` (a device file); None for an empty spec."""
    if not spec:
        return None
    from escpos.printer import File, Network

    where = urlsplit(spec)
    if where.scheme == "tcp" and where.hostname:
        return Network(where.hostname, port=where.port or 9100, timeout=PRINTER_TIMEOUT_SECONDS)
    if where.scheme == "file" and where.path:
        return File(where.path)
    raise ValueError(f"TICKET_PRINTER must be tcp://host:port or file:///device, not {spec!r}")


def ticket_print(*, ticket: Ticket, place: Position | None, printer: Any) -> None:
    """Write the ticket's slip to ``printer``: the mall, the number large, the agency and the
    service, the people before, the time; then cut."""
    mall = ticket.agency.mall
    printer.set(align="center", normal_textsize=True)
    printer.textln(mall.name)
    printer.set(align="center", bold=True, double_width=True, double_height=True)
    printer.textln(ticket.label)
    printer.set(align="center", normal_textsize=True)
    printer.textln(ticket.agency.name)
    printer.textln(ticket.service.name)
    if place is not None:
        printer.textln(
            _("%(n)s before you, about %(minutes)s minutes.")
            % {"n": place.ahead, "minutes": place.minutes}
        )
    printer.textln(in_mall_time(ticket.created_at, mall).strftime("%d-%m-%Y %H.%M"))
    printer.cut()


def ticket_print_if_configured(*, ticket: Ticket, place: Position | None) -> bool:
    """Print on the printer of ``TICKET_PRINTER``, if any; whether it printed. A printer out
    of paper or off the network is logged, never shown as a failure: the screen has the ticket."""
    try:
        printer = printer_from_setting(settings.TICKET_PRINTER)
        if printer is None:
            return False
        try:
            ticket_print(ticket=ticket, place=place, printer=printer)
        finally:
            printer.close()
    except Exception:  # the printer's library raises its own errors, OSError and more
        logger.exception("ticket %s was not printed on %s", ticket.pk, settings.TICKET_PRINTER)
        return False
    return True
