"""On the day: check-in, queue tickets, counters calling them, what the display board shows.

Writes and reads of the queue live here, beside services.py (bookings) and selectors.py.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from satupintu.booking.errors import BookingError
from satupintu.booking.models import Booking, Ticket, TicketSequence
from satupintu.booking.selectors import visit_for
from satupintu.catalog.models import Service
from satupintu.malls.calendar import in_mall_time
from satupintu.malls.models import Agency, Counter, Mall


def _letters(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: each agency of a mall has its own letter."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def ticket_prefix(agency: Agency) -> str:
    return _letters(Agency.objects.filter(mall_id=agency.mall_id, pk__lt=agency.pk).count())


def _today(mall: Mall) -> date:
    return in_mall_time(timezone.now(), mall).date()


def _next_number(agency: Agency, day: date) -> int:
    """The agency's next ticket number that day: one row, incremented under its lock."""
    TicketSequence.objects.get_or_create(agency=agency, date=day)
    sequence = TicketSequence.objects.select_for_update().get(agency=agency, date=day)
    sequence.last = F("last") + 1
    sequence.save(update_fields=["last"])
    sequence.refresh_from_db(fields=["last"])
    return sequence.last


@transaction.atomic
def _issue(*, service: Service, priority: bool, booking: Booking | None) -> Ticket:
    agency = service.agency
    day = _today(agency.mall)
    number = _next_number(agency, day)
    return Ticket.objects.create(
        agency=agency,
        service=service,
        booking=booking,
        date=day,
        number=number,
        label=f"{ticket_prefix(agency)}-{number:03d}",
        priority=priority,
    )


def check_in(*, mall: Mall, code: str) -> Ticket:
    """A visitor with a booking arrives (the kiosk scans its QR code, or an officer types the
    code): they get their ticket. Checking in twice gives the same ticket."""
    booking = (
        Booking.objects.select_related("service__agency__mall", "slot")
        .filter(code=code.strip().upper(), service__agency__mall=mall)
        .first()
    )
    if booking is None:
        raise BookingError("unknown_code", _("No booking with this code at this mall."))
    existing = Ticket.objects.filter(booking=booking).first()
    if existing is not None:
        return existing
    if booking.status != Booking.Status.CONFIRMED:
        raise BookingError("not_active", _("This booking is not confirmed for a visit."))
    if booking.date != _today(mall):
        raise BookingError(
            "wrong_day",
            _("This booking is for %(day)s, not today.")
            % {"day": in_mall_time(booking.slot.start, mall).strftime("%d-%m-%Y %H:%M")},
        )
    with transaction.atomic():
        updated = Booking.objects.filter(pk=booking.pk, status=Booking.Status.CONFIRMED).update(
            status=Booking.Status.CHECKED_IN
        )
        if not updated:  # checked in at the same moment elsewhere
            return Ticket.objects.get(booking=booking)
        return _issue(service=booking.service, priority=bool(booking.priority), booking=booking)


def walk_in(*, service: Service, priority: bool = False) -> Ticket:
    """The front desk gives a ticket to a visitor without a booking."""
    if not service.is_active:
        raise BookingError("not_bookable", _("This service is not offered by visit."))
    return _issue(service=service, priority=priority, booking=None)


def waiting(*, agency: Agency, day: date | None = None) -> QuerySet[Ticket]:
    """The agency's waiting tickets in the order they are called: priority first, then time."""
    day = day or _today(agency.mall)
    return Ticket.objects.filter(agency=agency, date=day, status=Ticket.Status.WAITING).order_by(
        "-priority", "created_at", "pk"
    )


def call_next(*, counter: Counter) -> Ticket | None:
    """The counter calls the next ticket of its agency; two counters never get the same one."""
    with transaction.atomic():
        ticket = waiting(agency=counter.agency).select_for_update(skip_locked=True).first()
        if ticket is None:
            return None
        ticket.status = Ticket.Status.CALLED
        ticket.counter = counter
        ticket.called_at = timezone.now()
        ticket.calls = 1
        ticket.save(update_fields=["status", "counter", "called_at", "calls"])
    return ticket


def recall(*, ticket: Ticket) -> Ticket:
    """Call the same ticket again (the board shows and reads it out once more)."""
    called = Ticket.objects.filter(pk=ticket.pk, status=Ticket.Status.CALLED)
    if not called.update(calls=F("calls") + 1, called_at=timezone.now()):
        raise BookingError("not_called", _("Only a called ticket can be called again."))
    ticket.refresh_from_db()
    return ticket


def finish(*, ticket: Ticket, served: bool) -> Ticket:
    """The visitor was served, or did not come when called."""
    status = Ticket.Status.SERVED if served else Ticket.Status.NO_SHOW
    with transaction.atomic():
        called = Ticket.objects.filter(pk=ticket.pk, status=Ticket.Status.CALLED)
        if not called.update(status=status, finished_at=timezone.now()):  # a double click
            raise BookingError("not_called", _("Only a called ticket can be closed."))
        if ticket.booking_id:
            Booking.objects.filter(pk=ticket.booking_id).update(
                status=Booking.Status.SERVED if served else Booking.Status.NO_SHOW
            )
    ticket.refresh_from_db()
    return ticket


def transfer(*, ticket: Ticket, agency: Agency) -> Ticket:
    """Send the visitor to another agency of the mall: they wait there, keeping their place in
    time and their ticket number."""
    if agency.mall_id != ticket.agency.mall_id:
        raise BookingError("other_mall", _("That agency is in another mall."))
    if ticket.status not in (Ticket.Status.WAITING, Ticket.Status.CALLED):
        raise BookingError("not_active", _("This ticket is finished."))
    Ticket.objects.filter(pk=ticket.pk).update(
        agency=agency, status=Ticket.Status.WAITING, counter=None, called_at=None, calls=0
    )
    ticket.refresh_from_db()
    return ticket


def board(*, mall: Mall, limit: int = 8) -> list[Ticket]:
    """The latest calls of the mall's day, newest first, for the display board."""
    return list(
        Ticket.objects.filter(agency__mall=mall, date=_today(mall), status=Ticket.Status.CALLED)
        .select_related("counter", "agency")
        .order_by("-called_at")[:limit]
    )


@dataclass
class Position:
    ahead: int
    minutes: int


def position(*, ticket: Ticket) -> Position | None:
    """How many wait before ``ticket`` and about how long, while it waits."""
    if ticket.status != Ticket.Status.WAITING:
        return None
    queue = list(waiting(agency=ticket.agency, day=ticket.date).values_list("pk", flat=True))
    ahead = queue.index(ticket.pk) if ticket.pk in queue else 0
    counters = max(1, ticket.agency.counters.filter(is_active=True).count())
    per_visitor = visit_for(service=ticket.service).minutes_per_visitor
    minutes = int(timedelta(minutes=ahead * per_visitor / counters).total_seconds() // 60)
    return Position(ahead=ahead, minutes=minutes)
