"""Queue tickets on an ESC/POS thermal printer (python-escpos), when ``TICKET_PRINTER`` names
one; the browser's print path (the kiosk's print stylesheet) works without it. The kiosk only
queues the print (``ticket_print_queue``); a worker on the ``printing`` queue talks to the
printer, so a slow or absent printer never holds the visitor's screen."""

import logging
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from satupintu.booking.models import Ticket
from satupintu.booking.selectors import Position, position
from satupintu.malls.calendar import in_mall_time

logger = logging.getLogger(__name__)

# A printer that does not answer must not keep the printing worker from the next slip.
PRINTER_TIMEOUT_SECONDS = 3
# A slip not printed within this many seconds of the ticket (no worker, a queue backed up) is
# dropped: the visitor has long left the kiosk with the ticket on the screen.
PRINT_EXPIRES_SECONDS = 60


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


def ticket_print_by_id(*, ticket_id: int) -> bool:
    """The printing worker's job: print the ticket as it stands now (its place in the queue
    counted at printing time); whether it printed. A ticket gone meanwhile prints nothing."""
    ticket = Ticket.objects.select_related("agency__mall", "service").filter(pk=ticket_id).first()
    if ticket is None:
        return False
    return ticket_print_if_configured(ticket=ticket, place=position(ticket=ticket))


def ticket_print_queue(*, ticket: Ticket) -> None:
    """Ask the printing worker for the ticket's slip once the ticket is committed, when a
    printer is configured (in-process, at once, without a broker: the demo and the tests)."""
    if settings.TICKET_PRINTER:
        ticket_id = ticket.pk
        transaction.on_commit(lambda: _queue_print_rollback_safe(ticket_id))


def _queue_print_rollback_safe(ticket_id: int) -> None:
    from satupintu.booking import tasks

    try:
        tasks.ticket_print.apply_async(args=[ticket_id], expires=PRINT_EXPIRES_SECONDS)
    except Exception:  # the broker is down: the screen has the ticket, the slip is lost
        logger.warning("could not queue the print of ticket %s", ticket_id, exc_info=True)
