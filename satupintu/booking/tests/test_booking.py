"""Booking within capacity, by the rules, against PostgreSQL."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from satupintu.booking.errors import BookingError
from satupintu.booking.models import Booking, DayOff, Slot
from satupintu.booking.services.bookings import (
    booking_cancel,
    booking_create,
    booking_reschedule,
    reminders_send,
)
from satupintu.booking.services.slots import slots_open
from satupintu.booking.tests.factories import citizen, open_day, visit_service
from satupintu.malls.calendar import in_mall_time
from satupintu.notify.models import Event, Message
from satupintu.notify.tests.factories import ensure_default_template

pytestmark = pytest.mark.django_db


def _first_slot(service, day=None):
    return slots_open(service=service, day=day or open_day()).slots[0]


def test_a_day_opens_into_slots_with_capacity_from_counters_and_seats():
    service = visit_service(places=4, walk_in_percent=25, priority_percent=50)
    plan = slots_open(service=service, day=open_day())
    assert len(plan.slots) == 8  # 08:00-12:00 in 30-minute slots
    slot = plan.slots[0]
    assert (slot.capacity, slot.walk_in_places, slot.priority_capacity) == (3, 1, 1)
    assert slots_open(service=service, day=open_day()).slots == plan.slots  # made once


def test_seats_under_distancing_cap_a_slot():
    service = visit_service(places=10)
    policy = service.agency.mall.visit_policy
    policy.waiting_room_seats, policy.distancing_factor = 8, "0.50"
    policy.save()
    assert _first_slot(service).capacity == 4


def test_holidays_weekends_and_days_off_have_no_slots():
    service = visit_service()
    saturday = open_day() + timedelta(days=(5 - open_day().weekday()) % 7)
    assert slots_open(service=service, day=saturday).slots == []
    day = open_day()
    DayOff.objects.create(mall=service.agency.mall, date=day, reason="Sterilisasi gedung")
    assert slots_open(service=service, day=day).closed_reason


def test_restricted_hours_give_fewer_slots():
    service = visit_service()
    day = open_day()
    DayOff.objects.create(
        mall=service.agency.mall, date=day, reason="Jam dibatasi", opens="09:00", closes="10:00"
    )
    slots = slots_open(service=service, day=day).slots
    mall = service.agency.mall
    assert [in_mall_time(s.start, mall).strftime("%H:%M") for s in slots] == [
        "09:00",
        "09:30",
    ]


def test_a_booking_has_a_code_and_tells_the_citizen_with_a_calendar_file():
    service = visit_service()
    siti = citizen()
    booking = booking_create(citizen=siti, slot=_first_slot(service))
    assert len(booking.code) == 9 and booking.status == Booking.Status.CONFIRMED
    message = Message.objects.get(user=siti, event=Event.BOOKING_CONFIRMED)
    assert booking.code in message.body
    assert "BEGIN:VEVENT" in message.calendar and booking.code in message.calendar
    assert Slot.objects.get(pk=booking.slot_id).booked == 1


def test_one_active_booking_per_citizen_service_and_day():
    service = visit_service()
    siti = citizen()
    slots = slots_open(service=service, day=open_day()).slots
    booking_create(citizen=siti, slot=slots[0])
    with pytest.raises(BookingError) as refused:
        booking_create(citizen=siti, slot=slots[1])
    assert refused.value.code == "already_booked"
    assert Slot.objects.get(pk=slots[1].pk).booked == 0  # the place was given back


def test_a_full_slot_is_refused_with_the_next_free_times():
    service = visit_service(places=1)
    slot = _first_slot(service)
    booking_create(citizen=citizen(), slot=slot)
    with pytest.raises(BookingError) as refused:
        booking_create(citizen=citizen(), slot=slot)
    assert refused.value.code == "slot_full"
    assert refused.value.next_slots and refused.value.next_slots[0].start > slot.start


def test_the_same_idempotency_key_returns_the_same_booking():
    service = visit_service()
    siti = citizen()
    slot = _first_slot(service)
    first = booking_create(citizen=siti, slot=slot, idempotency_key="klik-1")
    again = booking_create(citizen=siti, slot=slot, idempotency_key="klik-1")
    assert again.pk == first.pk
    assert Slot.objects.get(pk=slot.pk).booked == 1


def test_priority_places_are_kept_for_priority_visitors():
    service = visit_service(places=2, priority_percent=50)
    slot = _first_slot(service)
    booking_create(citizen=citizen(), slot=slot)
    with pytest.raises(BookingError):
        booking_create(citizen=citizen(), slot=slot)  # the last place is a priority place
    booking_create(citizen=citizen(), slot=slot, priority=Booking.Priority.PREGNANT)
    assert Slot.objects.get(pk=slot.pk).booked == 2


@pytest.mark.parametrize("nik", ["", "123", "3271019999999999"])
def test_a_citizen_without_a_valid_nik_cannot_book(nik):
    service = visit_service()
    someone = citizen()
    someone.nik = nik
    with pytest.raises(BookingError) as refused:
        booking_create(citizen=someone, slot=_first_slot(service))
    assert refused.value.code == "nik_required"
    assert not Booking.objects.exists()


def test_booking_closes_at_the_cutoff_and_opens_days_ahead():
    service = visit_service()
    slot = _first_slot(service)
    Slot.objects.filter(pk=slot.pk).update(start=timezone.now() + timedelta(minutes=30))
    slot.refresh_from_db()
    with pytest.raises(BookingError, match="sudah ditutup") as refused:
        booking_create(citizen=citizen(), slot=slot)
    assert refused.value.code == "closed"
    far = slots_open(service=service, day=open_day(after_days=30)).slots[0]
    with pytest.raises(BookingError, match="dibuka 14 hari"):
        booking_create(citizen=citizen(), slot=far)
    assert not Booking.objects.exists()


def test_a_day_off_refuses_after_the_place_is_taken_and_gives_it_back():
    """The day's hours are read once, after the place is taken (with the slot's row locked):
    a day off refuses there, the place goes back, and a made booking read them once only."""
    from django.test.utils import CaptureQueriesContext

    service = visit_service(places=2)
    slot = _first_slot(service)
    with CaptureQueriesContext(connection) as queries:
        booking_create(citizen=citizen(), slot=slot)
    hours_reads = [q["sql"] for q in queries.captured_queries if '"booking_dayoff"' in q["sql"]]
    assert len(hours_reads) == 1
    DayOff.objects.create(mall=service.agency.mall, date=open_day(), reason="Banjir")
    slot.refresh_from_db()
    with pytest.raises(BookingError, match="tidak menerima pengunjung") as refused:
        booking_create(citizen=citizen(), slot=slot)
    assert refused.value.code == "closed"
    assert Slot.objects.get(pk=slot.pk).booked == 1
    assert Booking.objects.count() == 1


def test_cancel_gives_the_place_back_once():
    service = visit_service(places=1)
    slot = _first_slot(service)
    booking = booking_create(citizen=citizen(), slot=slot)
    booking_cancel(booking=booking)
    with pytest.raises(BookingError):
        booking_cancel(booking=booking)
    assert Slot.objects.get(pk=slot.pk).booked == 0
    booking_create(citizen=citizen(), slot=slot)  # someone else can take it


def test_reschedule_moves_the_place_and_refuses_another_services_slot():
    service = visit_service(places=1)
    slots = slots_open(service=service, day=open_day()).slots
    booking = booking_create(citizen=citizen(), slot=slots[0])
    moved = booking_reschedule(booking=booking, slot=slots[1])
    assert moved.slot_id == slots[1].pk
    assert [Slot.objects.get(pk=s.pk).booked for s in slots[:2]] == [0, 1]
    other = _first_slot(visit_service())
    with pytest.raises(BookingError) as refused:
        booking_reschedule(booking=moved, slot=other)
    assert refused.value.code == "other_service"


def test_reminders_go_out_once_the_day_before():
    service = visit_service()
    day = open_day()
    booking = booking_create(citizen=citizen(), slot=_first_slot(service, day))
    assert reminders_send(today=day - timedelta(days=1)) == 1
    assert reminders_send(today=day - timedelta(days=1)) == 0
    reminder = Message.objects.get(event=Event.BOOKING_REMINDER)
    assert booking.code in reminder.body


@pytest.mark.django_db(transaction=True)
def test_racing_citizens_never_overbook_a_slot():
    """24 citizens on 24 connections race for 5 places: exactly 5 bookings exist after."""
    ensure_default_template(Event.BOOKING_CONFIRMED)
    service = visit_service(places=5)
    slot = _first_slot(service)
    racers = [citizen() for _ in range(24)]
    start = threading.Barrier(len(racers))
    outcomes: list[str] = []

    def race(person):
        try:
            start.wait()
            booking_create(citizen=person, slot=slot)
            outcomes.append("booked")
        except BookingError as refused:
            outcomes.append(refused.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=race, args=(p,)) for p in racers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("booked") == 5
    assert outcomes.count("slot_full") == 19
    assert Booking.objects.filter(slot=slot).count() == 5
    assert Slot.objects.get(pk=slot.pk).booked == 5
