"""Writes of the queue on the day: check-in, walk-ins, counters calling tickets; each change of a
ticket, with its history row, goes through ``ticket_change``."""

from collections.abc import Collection
from datetime import date

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from satupintu.accounts.models import User
from satupintu.booking.errors import BookingError
from satupintu.booking.models import Booking, BookingEvent, Ticket, TicketEvent, TicketSequence
from satupintu.booking.selectors import booking_codes, mall_today, ticket_prefix, waiting
from satupintu.booking.services.bookings import booking_change, priority_claim_check
from satupintu.booking.services.history import status_change
from satupintu.catalog.models import Service
from satupintu.malls.calendar import in_mall_time, opening_hours
from satupintu.malls.models import Agency, Counter, Mall
from satupintu.notify.services import Recipient
from satupintu.surveys.models import Invitation
from satupintu.surveys.services.invitations import invitation_queue


def ticket_change(
    ticket: Ticket,
    *,
    reason: TicketEvent.Reason,
    actor: User | None,
    to_status: Ticket.Status | None = None,
    from_statuses: Collection[str] | None = None,
    note: str = "",
    **fields: object,
) -> bool:
    """The one write of a ticket: save a new one, or change ``to_status`` and ``fields`` of an
    existing one while its status is one of ``from_statuses`` (any when None); and write the
    history row. Returns whether it changed: False (a double click, a change made at another
    counter first) writes nothing. Fields given as expressions are read back from the row.
    """
    event = TicketEvent(ticket=ticket, actor=actor, reason=reason, note=note)
    return status_change(
        ticket,
        event,
        to_status=to_status,
        from_statuses=from_statuses,
        fields=fields,
        read_back=True,
    )


def _next_number(agency: Agency, day: date) -> int:
    """The agency's next ticket number that day: one row, incremented under its lock."""
    TicketSequence.objects.get_or_create(agency=agency, date=day)
    sequence = TicketSequence.objects.select_for_update().get(agency=agency, date=day)
    sequence.last = F("last") + 1
    sequence.save(update_fields=["last"])
    sequence.refresh_from_db(fields=["last"])
    return sequence.last


@transaction.atomic
def _issue(
    *, service: Service, priority: bool, booking: Booking | None, actor: User | None
) -> Ticket:
    agency = service.agency
    day = mall_today(agency.mall)
    number = _next_number(agency, day)
    ticket = Ticket(
        agency=agency,
        service=service,
        booking=booking,
        date=day,
        number=number,
        label=f"{ticket_prefix(agency)}-{number:03d}",
        priority=priority,
    )
    ticket_change(ticket, reason=TicketEvent.Reason.ISSUED, actor=actor)
    return ticket


def check_in(*, mall: Mall, code: str, actor: User | None = None) -> Ticket:
    """A visitor with a booking arrives (the kiosk scans its QR code, or an officer types the
    code): they get their ticket. Checking in twice gives the same ticket."""
    booking = (
        Booking.objects.select_related("service__agency__mall", "slot")
        .filter(code__in=booking_codes(code), service__agency__mall=mall)
        .first()
    )
    if booking is None:
        raise BookingError("unknown_code", _("No booking with this code at this mall."))
    existing = Ticket.objects.filter(booking=booking).first()
    if existing is not None:
        return existing
    if booking.status != Booking.Status.CONFIRMED:
        raise BookingError("not_active", _("This booking is not confirmed for a visit."))
    if booking.date != mall_today(mall):
        raise BookingError(
            "wrong_day",
            _("This booking is for %(day)s, not today.")
            % {"day": in_mall_time(booking.slot.start, mall).strftime("%d-%m-%Y %H:%M")},
        )
    with transaction.atomic():
        checked_in = booking_change(
            booking,
            reason=BookingEvent.Reason.CHECKED_IN,
            actor=actor,
            from_statuses=[Booking.Status.CONFIRMED],
            to_status=Booking.Status.CHECKED_IN,
        )
        if not checked_in:  # checked in at the same moment elsewhere
            return Ticket.objects.get(booking=booking)
        return _issue(
            service=booking.service, priority=bool(booking.priority), booking=booking, actor=actor
        )


def walk_in(
    *,
    service: Service,
    priority: bool = False,
    actor: User | None = None,
    priority_reason: str = "",
    nik: str = "",
) -> Ticket:
    """The front desk gives a ticket to a visitor without a booking; a ``priority_reason`` is
    checked against the visitor's ``nik`` as a booking's is (elderly: 60 or older today)."""
    if not service.is_active:
        raise BookingError("not_bookable", _("This service is not offered by visit."))
    agency = service.agency
    if opening_hours(agency=agency, day=mall_today(agency.mall)) is None:
        raise BookingError(
            "closed_today",
            _("%(agency)s receives no visitors today (closed or not a working day).")
            % {"agency": agency.name},
        )
    if priority_reason:
        priority_claim_check(priority=priority_reason, nik=nik, on=mall_today(agency.mall))
    return _issue(
        service=service, priority=priority or bool(priority_reason), booking=None, actor=actor
    )


def call_next(
    *,
    counter: Counter,
    actor: User | None = None,
    served: bool = True,
    requeue: bool = False,
) -> Ticket | None:
    """The counter calls the next ticket of its agency; two counters never get the same one.

    A counter serves one visitor at a time: the ticket it has open is finished first (``served``
    or not come) or, with ``requeue``, put back in the queue, inside the same locked write, so
    two clicks in a row or at once never leave two tickets called at one counter. A ticket put
    back is passed over by this call (the counter moves on to someone else) and is next for the
    following one, at this counter or another.
    """
    with transaction.atomic():
        # The counter's row is the lock: calls at one counter queue behind each other, calls at
        # different counters only meet on the waiting tickets (skipped while locked).
        Counter.objects.select_for_update().filter(pk=counter.pk).first()
        put_back: list[int] = []
        for open_ticket in Ticket.objects.select_related("booking").filter(
            counter=counter, status=Ticket.Status.CALLED
        ):
            if requeue:
                if _requeue(open_ticket, actor=actor):
                    put_back.append(open_ticket.pk)
            else:
                _finish(open_ticket, served=served, actor=actor)
        ticket = (
            waiting(agency=counter.agency)
            .exclude(pk__in=put_back)
            .select_for_update(skip_locked=True)
            .first()
        )
        if ticket is None:
            return None
        ticket_change(
            ticket,
            reason=TicketEvent.Reason.CALLED,
            actor=actor,
            to_status=Ticket.Status.CALLED,
            counter=counter,
            called_at=timezone.now(),
            calls=1,
        )
    return ticket


def recall(*, ticket: Ticket, actor: User | None = None) -> Ticket:
    """Call the same ticket again (the board shows and reads it out once more)."""
    called = ticket_change(
        ticket,
        reason=TicketEvent.Reason.RECALLED,
        actor=actor,
        from_statuses=[Ticket.Status.CALLED],
        calls=F("calls") + 1,
        called_at=timezone.now(),
    )
    if not called:
        raise BookingError("not_called", _("Only a called ticket can be called again."))
    ticket.refresh_from_db()
    return ticket


def _finish(ticket: Ticket, *, served: bool, actor: User | None) -> bool:
    """Close a called ticket (and its booking); False when it was no longer called."""
    finished = ticket_change(
        ticket,
        reason=TicketEvent.Reason.SERVED if served else TicketEvent.Reason.NO_SHOW,
        actor=actor,
        from_statuses=[Ticket.Status.CALLED],
        to_status=Ticket.Status.SERVED if served else Ticket.Status.NO_SHOW,
        finished_at=timezone.now(),
    )
    if finished and ticket.booking is not None:
        booking_change(
            ticket.booking,
            reason=BookingEvent.Reason.SERVED if served else BookingEvent.Reason.NO_SHOW,
            actor=actor,
            to_status=Booking.Status.SERVED if served else Booking.Status.NO_SHOW,
        )
        if served:  # a walk-in left no address to invite: paper forms ask them at the desk
            citizen = ticket.booking.citizen
            invitation_queue(
                source=Invitation.Source.VISIT,
                source_id=ticket.pk,
                recipient=Recipient.for_user(citizen) if citizen.is_active else None,
                name=citizen.get_full_name() or citizen.username,
                agency=ticket.agency,
                service=ticket.service,
            )
    return finished


def finish(*, ticket: Ticket, served: bool, actor: User | None = None) -> Ticket:
    """The visitor was served, or did not come when called."""
    with transaction.atomic():
        if not _finish(ticket, served=served, actor=actor):  # a double click
            raise BookingError("not_called", _("Only a called ticket can be closed."))
    ticket.refresh_from_db()
    return ticket


def _requeue(ticket: Ticket, *, actor: User | None) -> bool:
    """Put a called ticket back to waiting; False when it was no longer called."""
    return ticket_change(
        ticket,
        reason=TicketEvent.Reason.REQUEUED,
        actor=actor,
        from_statuses=[Ticket.Status.CALLED],
        to_status=Ticket.Status.WAITING,
        counter=None,
        called_at=None,
    )


def requeue(*, ticket: Ticket, actor: User | None = None) -> Ticket:
    """Put the called visitor back in the queue (kembalikan ke antrean): they stepped away or
    went to fetch a document. The ticket keeps its priority and the time it was queued, so it
    takes back its own place in the order; having been called, that place is at or near the
    front, and it is called again soon, by whichever counter calls next. Its booking stays
    checked in."""
    with transaction.atomic():
        if not _requeue(ticket, actor=actor):  # a double click, or closed elsewhere first
            raise BookingError(
                "not_called", _("Only a called ticket can be put back in the queue.")
            )
    ticket.refresh_from_db()
    return ticket


def transfer(*, ticket: Ticket, agency: Agency, actor: User | None = None) -> Ticket:
    """Send the visitor to another agency of the mall: they wait there, keeping their place in
    time and their ticket number."""
    if agency.mall_id != ticket.agency.mall_id:
        raise BookingError("other_mall", _("That agency is in another mall."))
    active = (Ticket.Status.WAITING, Ticket.Status.CALLED)
    if ticket.status not in active or not ticket_change(
        ticket,
        reason=TicketEvent.Reason.TRANSFERRED,
        actor=actor,
        from_statuses=active,
        to_status=Ticket.Status.WAITING,
        note=agency.name,
        agency=agency,
        counter=None,
        called_at=None,
        calls=0,
    ):
        raise BookingError("not_active", _("This ticket is finished."))
    ticket.refresh_from_db()
    return ticket
