"""Every change of a booking or a queue ticket writes one history row; a refused one writes none."""

from datetime import timedelta

import pytest
from django.utils import timezone

from satupintu.booking.errors import BookingError
from satupintu.booking.models import Booking, BookingEvent, Closure, Ticket, TicketEvent
from satupintu.booking.services import tickets
from satupintu.booking.services.bookings import (
    booking_accept,
    booking_cancel,
    booking_create,
    booking_reschedule,
    bookings_cancel_for_closed_account,
    reminders_send,
)
from satupintu.booking.services.closures import closure_record
from satupintu.booking.services.slots import slots_open
from satupintu.booking.tests.factories import citizen, open_day, open_today, visit_service
from satupintu.malls.models import Counter
from satupintu.malls.tests.factories import AgencyFactory, UserFactory

pytestmark = pytest.mark.django_db

Status = Booking.Status
Reason = BookingEvent.Reason


def _last(booking: Booking) -> BookingEvent:
    return BookingEvent.objects.filter(booking=booking).latest("pk")


def _assert_one_more(booking, before, *, reason, from_status, to_status, actor):
    assert BookingEvent.objects.filter(booking=booking).count() == before + 1
    event = _last(booking)
    assert (event.reason, event.from_status, event.to_status, event.actor) == (
        reason,
        from_status,
        to_status,
        actor,
    )
    assert event.at is not None


def _booked(service=None, day=None, **extra):
    service = service or visit_service()
    slot = slots_open(service=service, day=day or open_day()).slots[0]
    return booking_create(citizen=citizen(), slot=slot, **extra)


def _close(service, day, by):
    return closure_record(
        mall=service.agency.mall,
        kind=Closure.Kind.CLOSED,
        decree_number="443.1/1215.DPMPTSP",
        reason="Banjir",
        starts_on=day,
        ends_on=day,
        by=by,
    )


def test_booking_writes_its_first_row():
    booking = _booked()
    _assert_one_more(
        booking,
        0,
        reason=Reason.BOOKED,
        from_status="",
        to_status=Status.CONFIRMED,
        actor=booking.citizen,
    )


def test_a_refused_booking_writes_none():
    service = visit_service(places=1)
    slot = slots_open(service=service, day=open_day()).slots[0]
    booking_create(citizen=citizen(), slot=slot)
    with pytest.raises(BookingError):
        booking_create(citizen=citizen(), slot=slot)
    assert BookingEvent.objects.count() == 1


def test_cancel_writes_one_row_and_a_second_cancel_none():
    booking = _booked()
    booking_cancel(booking=booking)
    _assert_one_more(
        booking,
        1,
        reason=Reason.CANCELLED,
        from_status=Status.CONFIRMED,
        to_status=Status.CANCELLED,
        actor=booking.citizen,
    )
    with pytest.raises(BookingError):
        booking_cancel(booking=booking)
    assert BookingEvent.objects.filter(booking=booking).count() == 2


def test_reschedule_writes_one_row():
    service = visit_service()
    booking = _booked(service)
    later = slots_open(service=service, day=open_day()).slots[1]
    booking = booking_reschedule(booking=booking, slot=later)
    _assert_one_more(
        booking,
        1,
        reason=Reason.RESCHEDULED,
        from_status=Status.CONFIRMED,
        to_status=Status.CONFIRMED,
        actor=booking.citizen,
    )
    assert booking.slot == later


def test_a_closure_writes_a_row_per_moved_and_released_booking_by_its_author():
    officer = UserFactory()
    service = visit_service()
    day = open_day()
    moved = _booked(service, day)
    _close(service, day, officer)
    _assert_one_more(
        moved,
        1,
        reason=Reason.CLOSURE_MOVED,
        from_status=Status.CONFIRMED,
        to_status=Status.PROPOSED,
        actor=officer,
    )
    assert _last(moved).note == "443.1/1215.DPMPTSP"

    moved.refresh_from_db()
    booking_accept(booking=moved)
    _assert_one_more(
        moved,
        2,
        reason=Reason.ACCEPTED,
        from_status=Status.PROPOSED,
        to_status=Status.CONFIRMED,
        actor=moved.citizen,
    )
    with pytest.raises(BookingError):  # nothing proposed any more
        booking_accept(booking=moved)
    assert BookingEvent.objects.filter(booking=moved).count() == 3

    other = visit_service()
    released = _booked(other, day)
    other.agency.mall.visit_policy.days_ahead = 0  # nowhere to move to
    other.agency.mall.visit_policy.save()
    _close(other, day, officer)
    _assert_one_more(
        released,
        1,
        reason=Reason.CLOSURE_RELEASED,
        from_status=Status.CONFIRMED,
        to_status=Status.RELEASED,
        actor=officer,
    )


def test_a_reminder_writes_one_row_once():
    day = open_day()
    booking = _booked(day=day)
    reminders_send(today=day - timedelta(days=1))
    reminders_send(today=day - timedelta(days=1))
    _assert_one_more(
        booking,
        1,
        reason=Reason.REMINDED,
        from_status=Status.CONFIRMED,
        to_status=Status.CONFIRMED,
        actor=None,
    )


def test_closing_an_account_writes_one_row_per_cancelled_booking():
    booking = _booked()
    assert bookings_cancel_for_closed_account(citizen=booking.citizen) == 1
    _assert_one_more(
        booking,
        1,
        reason=Reason.ACCOUNT_CLOSED,
        from_status=Status.CONFIRMED,
        to_status=Status.CANCELLED,
        actor=booking.citizen,
    )


def test_the_day_of_a_visit_writes_rows_for_the_booking_and_its_ticket():
    officer = UserFactory()
    service = visit_service()
    booking = _booked(service)
    Booking.objects.filter(pk=booking.pk).update(date=timezone.localdate())
    mall = service.agency.mall
    counter = Counter.objects.create(agency=service.agency, label="A1")

    ticket = tickets.check_in(mall=mall, code=booking.code, actor=officer)
    _assert_one_more(
        booking,
        1,
        reason=Reason.CHECKED_IN,
        from_status=Status.CONFIRMED,
        to_status=Status.CHECKED_IN,
        actor=officer,
    )
    tickets.check_in(mall=mall, code=booking.code, actor=officer)  # the same ticket again
    assert BookingEvent.objects.filter(booking=booking).count() == 2
    assert TicketEvent.objects.filter(ticket=ticket).count() == 1

    tickets.call_next(counter=counter, actor=officer)
    tickets.finish(ticket=ticket, served=False, actor=officer)
    _assert_one_more(
        booking,
        2,
        reason=Reason.NO_SHOW,
        from_status=Status.CHECKED_IN,
        to_status=Status.NO_SHOW,
        actor=officer,
    )
    with pytest.raises(BookingError):  # a double click
        tickets.finish(ticket=ticket, served=False, actor=officer)
    assert BookingEvent.objects.filter(booking=booking).count() == 3
    assert list(
        TicketEvent.objects.filter(ticket=ticket).values_list("reason", "from_status", "to_status")
    ) == [
        (TicketEvent.Reason.ISSUED, "", Ticket.Status.WAITING),
        (TicketEvent.Reason.CALLED, Ticket.Status.WAITING, Ticket.Status.CALLED),
        (TicketEvent.Reason.NO_SHOW, Ticket.Status.CALLED, Ticket.Status.NO_SHOW),
    ]


def test_each_change_of_a_ticket_writes_one_row_and_a_refused_one_none():
    officer = UserFactory()
    service = visit_service()
    open_today(service.agency.mall)
    counter = Counter.objects.create(agency=service.agency, label="A1")
    ticket = tickets.walk_in(service=service, actor=officer)
    with pytest.raises(BookingError):  # not called yet
        tickets.recall(ticket=ticket, actor=officer)
    tickets.call_next(counter=counter, actor=officer)
    tickets.recall(ticket=ticket, actor=officer)
    tickets.transfer(ticket=ticket, agency=AgencyFactory(mall=service.agency.mall), actor=officer)
    with pytest.raises(BookingError):  # another mall's agency
        tickets.transfer(ticket=ticket, agency=AgencyFactory(), actor=officer)
    tickets.call_next(
        counter=Counter.objects.create(agency=ticket.agency, label="B1"), actor=officer
    )
    tickets.finish(ticket=ticket, served=True, actor=officer)
    with pytest.raises(BookingError):  # finished
        tickets.transfer(ticket=ticket, agency=service.agency, actor=officer)

    events = TicketEvent.objects.filter(ticket=ticket)
    assert list(events.values_list("reason", "from_status", "to_status")) == [
        (TicketEvent.Reason.ISSUED, "", Ticket.Status.WAITING),
        (TicketEvent.Reason.CALLED, Ticket.Status.WAITING, Ticket.Status.CALLED),
        (TicketEvent.Reason.RECALLED, Ticket.Status.CALLED, Ticket.Status.CALLED),
        (TicketEvent.Reason.TRANSFERRED, Ticket.Status.CALLED, Ticket.Status.WAITING),
        (TicketEvent.Reason.CALLED, Ticket.Status.WAITING, Ticket.Status.CALLED),
        (TicketEvent.Reason.SERVED, Ticket.Status.CALLED, Ticket.Status.SERVED),
    ]
    assert all(event.actor == officer for event in events)
    ticket.refresh_from_db()
    assert ticket.calls == 1 and ticket.status == Ticket.Status.SERVED


def test_the_mall_manager_sees_the_history_in_the_booking_admin(client):
    from satupintu.malls.models import StaffMembership
    from satupintu.malls.services import membership_grant

    booking = _booked()
    booking_cancel(booking=booking)
    manager = UserFactory()
    membership_grant(
        user=manager, role=StaffMembership.Role.MALL_MANAGER, mall=booking.service.agency.mall
    )
    client.force_login(manager)
    response = client.get(f"/admin/booking/booking/{booking.pk}/change/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Dibatalkan oleh warga" in page or "Cancelled by the citizen" in page
