"""On the day: check-in gives a ticket, counters call priority first, the board shows calls."""

import threading
from datetime import date

import pytest
from django.db import connection
from django.utils import timezone

from satupintu.booking import selectors
from satupintu.booking.errors import BookingError
from satupintu.booking.models import Booking, Ticket
from satupintu.booking.services import tickets
from satupintu.booking.services.bookings import booking_create
from satupintu.booking.services.slots import slots_open
from satupintu.booking.tests.factories import (
    citizen,
    open_day,
    open_today,
    skip_on_national_holiday,
    visit_service,
)
from satupintu.malls.models import Counter
from satupintu.malls.tests.factories import AgencyFactory

pytestmark = pytest.mark.django_db


def _open_service():
    """A service whose mall receives visitors today (walk-ins are refused on a closed day)."""
    service = visit_service()
    open_today(service.agency.mall)
    return service


def _booked_today(service, **extra):
    """A booking for a slot of ``service`` that is (made to be) today."""
    slot = slots_open(service=service, day=open_day()).slots[0]
    booking = booking_create(citizen=citizen(), slot=slot, **extra)
    Booking.objects.filter(pk=booking.pk).update(date=timezone.localdate())
    booking.refresh_from_db()
    return booking


def test_a_test_of_today_is_skipped_on_a_national_holiday_not_failed():
    with pytest.raises(pytest.skip.Exception, match="Kemerdekaan"):
        skip_on_national_holiday(date(2026, 8, 17))
    skip_on_national_holiday(date(2026, 8, 19))  # a working Wednesday: the test goes on


def test_check_in_gives_a_numbered_ticket_once():
    service = _open_service()
    booking = _booked_today(service)
    mall = service.agency.mall
    ticket = tickets.check_in(mall=mall, code=booking.code.lower())
    assert ticket.label.endswith("-001") and ticket.status == Ticket.Status.WAITING
    assert tickets.check_in(mall=mall, code=booking.code) == ticket
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CHECKED_IN


def test_check_in_refuses_another_day_another_mall_and_unknown_codes():
    service = _open_service()
    slot = slots_open(service=service, day=open_day()).slots[0]
    booking = booking_create(citizen=citizen(), slot=slot)
    with pytest.raises(BookingError) as refused:
        tickets.check_in(mall=service.agency.mall, code=booking.code)
    assert refused.value.code == "wrong_day"
    with pytest.raises(BookingError):
        tickets.check_in(mall=_open_service().agency.mall, code=booking.code)
    with pytest.raises(BookingError):
        tickets.check_in(mall=service.agency.mall, code="ZZZZ-ZZZZ")
    assert not Ticket.objects.exists()


def test_each_agency_has_its_letter_and_numbers_count_per_day():
    service = _open_service()
    other = AgencyFactory(mall=service.agency.mall)
    first = tickets.walk_in(service=service)
    second = tickets.walk_in(service=service)
    assert (first.label[-3:], second.label[-3:]) == ("001", "002")
    assert selectors.ticket_prefix(other) != selectors.ticket_prefix(service.agency)


def test_counters_call_priority_first_then_by_time_and_finish():
    service = _open_service()
    counter = Counter.objects.create(agency=service.agency, label="A1")
    early = tickets.walk_in(service=service)
    elder = tickets.walk_in(service=service, priority=True)
    assert tickets.call_next(counter=counter) == elder
    assert tickets.call_next(counter=counter) == early
    tickets.recall(ticket=early)
    early.refresh_from_db()
    assert early.calls == 2
    assert tickets.finish(ticket=early, served=True).status == Ticket.Status.SERVED
    with pytest.raises(BookingError):
        tickets.finish(ticket=early, served=False)


def test_a_served_booking_is_marked_and_a_no_show_too():
    service = _open_service()
    counter = Counter.objects.create(agency=service.agency, label="A1")
    came, away = _booked_today(service), _booked_today(service)
    for booking in (came, away):
        tickets.check_in(mall=service.agency.mall, code=booking.code)
    tickets.finish(ticket=tickets.call_next(counter=counter), served=True)
    tickets.finish(ticket=tickets.call_next(counter=counter), served=False)
    came.refresh_from_db()
    away.refresh_from_db()
    assert (came.status, away.status) == (Booking.Status.SERVED, Booking.Status.NO_SHOW)


def test_transfer_keeps_the_place_in_time_at_the_other_agency():
    service = _open_service()
    other = AgencyFactory(mall=service.agency.mall)
    counter = Counter.objects.create(agency=service.agency, label="A1")
    ticket = tickets.walk_in(service=service)
    tickets.call_next(counter=counter)
    moved = tickets.transfer(ticket=ticket, agency=other)
    assert moved.status == Ticket.Status.WAITING and moved.agency == other
    assert list(selectors.waiting(agency=other)) == [moved]
    with pytest.raises(BookingError):
        tickets.transfer(ticket=moved, agency=AgencyFactory())


def test_the_board_shows_the_latest_calls_and_a_waiting_ticket_knows_its_place():
    service = _open_service()
    counter = Counter.objects.create(agency=service.agency, label="A3")
    issued = [tickets.walk_in(service=service) for _ in range(3)]
    tickets.call_next(counter=counter)
    [shown] = selectors.board(mall=service.agency.mall)
    assert shown == issued[0] and shown.counter.label == "A3"
    place = selectors.position(ticket=issued[2])
    assert place.ahead == 1 and place.minutes > 0


@pytest.mark.django_db(transaction=True)
def test_two_counters_never_call_the_same_ticket():
    service = _open_service()
    counters = [Counter.objects.create(agency=service.agency, label=f"A{n}") for n in range(6)]
    issued = [tickets.walk_in(service=service) for _ in range(3)]
    start = threading.Barrier(len(counters))
    called = []

    def officer(counter):
        try:
            start.wait()
            ticket = tickets.call_next(counter=counter)
            if ticket is not None:
                called.append(ticket.pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=officer, args=(c,)) for c in counters]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(called) == sorted(t.pk for t in issued)


def test_calling_next_finishes_the_counters_open_ticket_first():
    service = _open_service()
    counter = Counter.objects.create(agency=service.agency, label="A1")
    came, away, last = (_booked_today(service) for _ in range(3))
    for booking in (came, away, last):
        tickets.check_in(mall=service.agency.mall, code=booking.code)
    first = tickets.call_next(counter=counter)
    second = tickets.call_next(counter=counter)  # the officer moved on: the first was served
    assert tickets.call_next(counter=counter, served=False) is not None
    assert tickets.call_next(counter=counter) is None  # nobody waits: the last one is closed
    statuses = dict(Ticket.objects.values_list("pk", "status"))
    assert statuses[first.pk] == Ticket.Status.SERVED
    assert statuses[second.pk] == Ticket.Status.NO_SHOW
    assert not Ticket.objects.filter(status=Ticket.Status.CALLED).exists()
    came.refresh_from_db()
    away.refresh_from_db()
    assert (came.status, away.status) == (Booking.Status.SERVED, Booking.Status.NO_SHOW)


@pytest.mark.django_db(transaction=True)
def test_one_counter_clicked_at_once_never_has_two_tickets_called():
    service = _open_service()
    counter = Counter.objects.create(agency=service.agency, label="A1")
    for _ in range(6):
        tickets.walk_in(service=service)
    start = threading.Barrier(4)

    def click():
        try:
            start.wait()
            tickets.call_next(counter=counter)
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Ticket.objects.filter(counter=counter, status=Ticket.Status.CALLED).count() == 1
    assert Ticket.objects.filter(status=Ticket.Status.SERVED).count() == 3
    assert Ticket.objects.filter(status=Ticket.Status.WAITING).count() == 2


def test_the_whatsapp_bot_answers_antrean_to_the_booker_only():
    from satupintu.notify import bot

    service = _open_service()
    booking = _booked_today(service)
    booking.citizen.phone = "+6281234567890"
    booking.citizen.save()
    tickets.walk_in(service=service)
    tickets.check_in(mall=service.agency.mall, code=booking.code)
    reply = bot.answer(phone="+6281234567890", text=f"antrean {booking.code.lower()}")
    assert booking.code in reply and "-002" in reply and "1 sebelum Anda" in reply
    stranger = bot.answer(phone="+6281299998888", text=f"ANTREAN {booking.code}")
    assert "Perekaman" not in stranger


def test_a_ticket_put_back_takes_its_own_place_and_is_called_next():
    service = _open_service()
    counter = Counter.objects.create(agency=service.agency, label="A1")
    first, second, third = (tickets.walk_in(service=service) for _ in range(3))
    assert tickets.call_next(counter=counter) == first
    tickets.requeue(ticket=first)
    first.refresh_from_db()
    assert (first.status, first.counter, first.priority) == (Ticket.Status.WAITING, None, False)
    assert list(selectors.waiting(agency=service.agency)) == [first, second, third]
    assert first.events.last().reason == "requeued"
    with pytest.raises(BookingError):  # a double click: it is no longer called
        tickets.requeue(ticket=first)
    assert tickets.call_next(counter=counter) == first


def test_back_to_the_queue_call_next_moves_on_and_leaves_the_visitor_next():
    service = _open_service()
    counter = Counter.objects.create(agency=service.agency, label="A1")
    other = Counter.objects.create(agency=service.agency, label="A2")
    first, second, third = (tickets.walk_in(service=service) for _ in range(3))
    tickets.call_next(counter=counter)
    assert tickets.call_next(counter=counter, requeue=True) == second
    first.refresh_from_db()
    assert first.status == Ticket.Status.WAITING  # not served, not a no-show
    assert tickets.call_next(counter=other) == first  # next, not last
    assert Ticket.objects.filter(counter=counter, status=Ticket.Status.CALLED).get() == second


def test_back_to_the_queue_call_next_with_nobody_else_waiting_calls_nobody():
    service = _open_service()
    counter = Counter.objects.create(agency=service.agency, label="A1")
    only = tickets.walk_in(service=service)
    tickets.call_next(counter=counter)
    assert tickets.call_next(counter=counter, requeue=True) is None
    only.refresh_from_db()
    assert only.status == Ticket.Status.WAITING


def test_a_priority_ticket_put_back_stays_before_the_others():
    service = _open_service()
    counter = Counter.objects.create(agency=service.agency, label="A1")
    early = tickets.walk_in(service=service)
    elder = tickets.walk_in(service=service, priority=True)
    assert tickets.call_next(counter=counter) == elder
    tickets.requeue(ticket=elder)
    assert list(selectors.waiting(agency=service.agency)) == [elder, early]


@pytest.mark.django_db(transaction=True)
def test_put_back_and_served_at_once_leave_one_outcome():
    service = _open_service()
    counter = Counter.objects.create(agency=service.agency, label="A1")
    tickets.walk_in(service=service)
    ticket = tickets.call_next(counter=counter)
    start = threading.Barrier(2)
    refused = []

    def act(close):
        try:
            start.wait()
            close(ticket=Ticket.objects.get(pk=ticket.pk))
        except BookingError:
            refused.append(close)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=act, args=[tickets.requeue]),
        threading.Thread(
            target=act, args=[lambda ticket: tickets.finish(ticket=ticket, served=True)]
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(refused) == 1
    ticket.refresh_from_db()
    assert ticket.status in (Ticket.Status.WAITING, Ticket.Status.SERVED)
    assert ticket.events.count() == 3  # issued, called, and one of the two
