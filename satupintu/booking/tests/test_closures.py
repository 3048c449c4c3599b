"""A decree closes the mall: every booking it touches is moved or released, and told."""

from datetime import time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from satupintu.booking.calendar import calendar_link_code
from satupintu.booking.errors import BookingError
from satupintu.booking.models import Booking, BookingEvent, Closure, ServiceVisit, Slot
from satupintu.booking.services.bookings import booking_accept, booking_context, booking_create
from satupintu.booking.services.closures import closure_apply, closure_record, closure_reopen
from satupintu.booking.services.slots import slots_open
from satupintu.booking.tests.factories import citizen, open_day, visit_service
from satupintu.catalog.tests.factories import ServiceFactory
from satupintu.malls.calendar import in_mall_time
from satupintu.malls.models import Announcement
from satupintu.malls.selectors import announcement_current
from satupintu.notify.models import Event, Message

pytestmark = pytest.mark.django_db


def _next_open(day):
    return open_day(after_days=(day - timezone.localdate()).days + 1)


def _day_before_an_open_day():
    """An open day whose next calendar day is open too."""
    day = open_day()
    while _next_open(day) != day + timedelta(days=1):
        day = _next_open(day)
    return day


def _close(service, first, last, **extra):
    return closure_record(
        mall=service.agency.mall,
        kind=extra.pop("kind", Closure.Kind.CLOSED),
        decree_number="443.1/1215.DPMPTSP",
        reason="Pencegahan penyebaran COVID-19",
        starts_on=first,
        ends_on=last,
        **extra,
    )


def test_a_closure_moves_bookings_to_the_next_free_day_and_tells_each_holder():
    service = visit_service(places=2)
    day = open_day()
    slot = slots_open(service=service, day=day).slots[0]
    holders = [citizen(), citizen()]
    bookings = [booking_create(citizen=c, slot=slot) for c in holders]

    closure = _close(service, day, day)

    assert (closure.affected, closure.moved, closure.released, closure.notified) == (2, 2, 0, 2)
    after = _next_open(day)
    for booking in bookings:
        booking.refresh_from_db()
        assert booking.status == Booking.Status.PROPOSED and booking.date == after
        assert in_mall_time(booking.slot.start, service.agency.mall).time() == time(8)
        assert booking.moved_from_id == slot.pk and booking.closure_id == closure.pk
    assert Slot.objects.get(pk=slot.pk).booked == 0
    moved = Message.objects.filter(event=Event.BOOKING_MOVED)
    assert moved.count() == 2
    assert "443.1/1215.DPMPTSP" in moved.first().body
    assert slots_open(service=service, day=day).closed_reason
    with pytest.raises(BookingError):
        booking_create(citizen=citizen(), slot=slot)


def test_the_announcement_goes_up_with_the_decree():
    service = visit_service()
    closure = _close(service, open_day(), open_day())
    [announcement] = announcement_current(mall=service.agency.mall)
    assert announcement.pk == closure.announcement_id
    assert announcement.kind == Announcement.Kind.CLOSURE
    assert "443.1/1215.DPMPTSP" in announcement.body


def test_moving_holds_capacity_and_releases_what_does_not_fit():
    service = visit_service(places=1)
    day = _day_before_an_open_day()
    slots = slots_open(service=service, day=day).slots
    bookings = [booking_create(citizen=citizen(), slot=s) for s in slots]  # 8 of 8 places
    taken = booking_create(
        citizen=citizen(), slot=slots_open(service=service, day=_next_open(day)).slots[0]
    )
    policy = service.agency.mall.visit_policy
    policy.days_ahead = 1  # moves may go up to one day after the closure
    policy.save()

    closure = _close(service, day, day)

    # The next open day has 8 places, one already taken: 7 move, 1 is released.
    assert (closure.affected, closure.moved, closure.released) == (8, 7, 1)
    assert Booking.objects.filter(status=Booking.Status.RELEASED).count() == 1
    assert Message.objects.filter(event=Event.BOOKING_RELEASED).count() == 1
    assert all(s.booked <= s.capacity for s in Slot.objects.all())
    assert Booking.objects.get(pk=taken.pk).status == Booking.Status.CONFIRMED
    assert sorted(b.pk for b in Booking.objects.filter(closure=closure)) == sorted(
        b.pk for b in bookings
    )


def test_running_it_twice_changes_nothing_more():
    service = visit_service()
    day = open_day()
    booking_create(citizen=citizen(), slot=slots_open(service=service, day=day).slots[0])
    closure = _close(service, day, day)
    again = closure_apply(closure=closure)
    assert (again.affected, again.moved, again.released) == (0, 0, 0)
    assert Message.objects.filter(event=Event.BOOKING_MOVED).count() == 1


def test_restricted_hours_move_only_the_bookings_outside_them():
    service = visit_service()
    day = open_day()
    slots = slots_open(service=service, day=day).slots
    early = booking_create(citizen=citizen(), slot=slots[0])  # 08:00
    inside = booking_create(citizen=citizen(), slot=slots[2])  # 09:00

    closure = _close(
        service, day, day, kind=Closure.Kind.RESTRICTED, opens=time(9), closes=time(11)
    )

    assert (closure.affected, closure.moved) == (1, 1)
    early.refresh_from_db()
    inside.refresh_from_db()
    assert inside.status == Booking.Status.CONFIRMED
    start = in_mall_time(early.slot.start, service.agency.mall)
    assert start.date() == day and start.time() == time(9)  # the same day, once it opens


def test_a_closure_of_one_agency_leaves_the_others():
    service = visit_service()
    other = visit_service()
    other.agency.mall = service.agency.mall
    other.agency.save()
    day = open_day()
    mine = booking_create(citizen=citizen(), slot=slots_open(service=service, day=day).slots[0])
    theirs = booking_create(citizen=citizen(), slot=slots_open(service=other, day=day).slots[0])
    _close(service, day, day, agencies=[service.agency])
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.status == Booking.Status.PROPOSED
    assert theirs.status == Booking.Status.CONFIRMED


def test_the_holder_accepts_the_proposed_time():
    service = visit_service()
    day = open_day()
    booking = booking_create(citizen=citizen(), slot=slots_open(service=service, day=day).slots[0])
    _close(service, day, day)
    booking.refresh_from_db()
    assert booking_accept(booking=booking).status == Booking.Status.CONFIRMED
    with pytest.raises(BookingError):
        booking_accept(booking=booking)


def test_reopening_early_opens_the_remaining_days_again():
    service = visit_service()
    day = open_day()
    later = _next_open(day)
    closure = _close(service, day, later)
    assert slots_open(service=service, day=later).closed_reason
    closure_reopen(closure=closure, on=later)
    assert slots_open(service=service, day=later).slots
    assert not slots_open(service=service, day=day).slots


@pytest.mark.parametrize(
    "extra",
    [
        {"kind": Closure.Kind.RESTRICTED},  # restricted hours without hours
        {"kind": Closure.Kind.RESTRICTED, "opens": time(12), "closes": time(9)},
    ],
)
def test_bad_closures_are_refused_and_change_nothing(extra):
    from django.core.exceptions import ValidationError

    service = visit_service()
    day = open_day()
    booking = booking_create(citizen=citizen(), slot=slots_open(service=service, day=day).slots[0])
    with pytest.raises(ValidationError):
        _close(service, day, day, **extra)
    with pytest.raises(ValidationError):
        _close(service, day, day - timedelta(days=1))
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert not Closure.objects.exists()


def test_a_manager_records_a_closure_in_the_admin_and_sees_the_report(client):
    from satupintu.malls.models import StaffMembership
    from satupintu.malls.services import membership_grant
    from satupintu.malls.tests.factories import UserFactory

    service = visit_service()
    mall = service.agency.mall
    day = open_day()
    booking = booking_create(citizen=citizen(), slot=slots_open(service=service, day=day).slots[0])
    manager = UserFactory()
    membership_grant(user=manager, role=StaffMembership.Role.MALL_MANAGER, mall=mall)
    client.force_login(manager)
    response = client.post(
        "/admin/booking/closure/add/",
        {
            "mall": mall.pk,
            "kind": "closed",
            "decree_number": "443.1/1215.DPMPTSP",
            "reason": "Pencegahan COVID-19",
            "starts_on": day.isoformat(),
            "ends_on": day.isoformat(),
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "1 booking terdampak: 1 dipindahkan" in response.text
    booking.refresh_from_db()
    assert booking.status == Booking.Status.PROPOSED
    assert Closure.objects.get().created_by == manager


def test_a_closure_naming_another_malls_agency_is_refused_and_changes_nothing():
    from django.core.exceptions import ValidationError

    from satupintu.malls.tests.factories import AgencyFactory

    service = visit_service()
    day = open_day()
    booking = booking_create(citizen=citizen(), slot=slots_open(service=service, day=day).slots[0])
    elsewhere = AgencyFactory()  # an agency of another mall
    with pytest.raises(ValidationError) as refused:
        _close(service, day, day, agencies=[service.agency, elsewhere])
    assert "agencies" in refused.value.message_dict
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert not Closure.objects.exists() and not Announcement.objects.exists()


def test_the_admin_refuses_a_closure_naming_another_malls_agency(client):
    from satupintu.malls.tests.factories import AgencyFactory, UserFactory

    service = visit_service()
    mall = service.agency.mall
    day = open_day()
    elsewhere = AgencyFactory()
    admin = UserFactory(is_staff=True, is_superuser=True)  # sees every mall's agencies
    client.force_login(admin)
    response = client.post(
        "/admin/booking/closure/add/",
        {
            "mall": mall.pk,
            "agencies": [service.agency.pk, elsewhere.pk],
            "kind": "closed",
            "decree_number": "443.1/1215.DPMPTSP",
            "reason": "Pencegahan COVID-19",
            "starts_on": day.isoformat(),
            "ends_on": day.isoformat(),
        },
    )
    assert response.status_code == 200  # the form again, with the refusal
    assert response.context["adminform"].form.errors["agencies"]
    assert not Closure.objects.exists()


def test_each_holder_is_told_once_in_their_language_with_the_values_of_their_booking():
    # The closure writes its history and messages in bulk (one UPDATE, COPY): each row is still
    # the one the per-booking path would write, worded in the holder's language.
    service = visit_service(places=2)
    day = open_day()
    slot = slots_open(service=service, day=day).slots[0]
    english, indonesian = citizen(language="en"), citizen(language="id")
    bookings = {c.pk: booking_create(citizen=c, slot=slot) for c in (english, indonesian)}

    closure = _close(service, day, day)

    assert closure.notified == 2
    for holder in (english, indonesian):
        before = bookings[holder.pk]
        booking = Booking.objects.select_related("slot", "service__agency__mall").get(pk=before.pk)
        assert booking.sequence == before.sequence + 1
        [event] = BookingEvent.objects.filter(booking=booking, note="443.1/1215.DPMPTSP")
        assert (event.from_status, event.to_status, event.reason, event.note) == (
            Booking.Status.CONFIRMED,
            Booking.Status.PROPOSED,
            BookingEvent.Reason.CLOSURE_MOVED,
            "443.1/1215.DPMPTSP",
        )
        [message] = Message.objects.filter(user=holder, event=Event.BOOKING_MOVED)
        assert (message.event, message.language, message.to) == (
            Event.BOOKING_MOVED,
            holder.language,
            holder.email,
        )
        expected = booking_context(booking, holder.language)  # the booking at its new time
        for name in ("name", "service", "mall", "date", "time", "code", "link"):
            assert message.context[name] == expected[name], name
        assert message.context["old_date"] == booking_context(before, holder.language)["date"]
        # The calendar link is signed with the time: the same link but for its token.
        token = message.context["calendar_link"].rsplit("/", 2)[-2]
        expected_token = expected["calendar_link"].rsplit("/", 2)[-2]
        assert message.context["calendar_link"].replace(token, "T") == expected[
            "calendar_link"
        ].replace(expected_token, "T")
        assert calendar_link_code(token) == booking.code
        assert f"SEQUENCE:{booking.sequence}" in message.calendar
        assert booking.code in message.body and booking.code in message.html_body
    moved = Message.objects.filter(event=Event.BOOKING_MOVED)
    english_text = moved.get(user=english).body
    assert english_text != moved.get(user=indonesian).body


def _queries_of_a_closure(*, services: int, per_service: int) -> tuple[int, int]:
    """(queries, messages) of a closure of one day holding ``per_service`` bookings of each of
    ``services`` services of one agency."""
    first = visit_service(places=8)
    rest = [ServiceFactory(agency=first.agency, name=f"Layanan {n}") for n in range(services - 1)]
    for service in rest:
        ServiceVisit.objects.create(service=service, slot_minutes=30, minutes_per_visitor=3)
    day = open_day()
    for service in [first, *rest]:
        slot = slots_open(service=service, day=day).slots[0]
        for _n in range(per_service):
            booking_create(citizen=citizen(), slot=slot)
    with CaptureQueriesContext(connection) as queries:
        closure = _close(first, day, day)
    assert closure.notified == services * per_service
    return len(queries.captured_queries), closure.notified


def test_a_closures_queries_do_not_grow_with_its_bookings_and_little_with_its_services():
    # Ten thousand bookings of forty services are moved in one transaction: no query per
    # booking, and what services share (their agency's hours, the mall's policy) read once.
    few, _told = _queries_of_a_closure(services=1, per_service=2)
    many, told = _queries_of_a_closure(services=1, per_service=8)
    assert told == 8 and many == few
    three, _told = _queries_of_a_closure(services=3, per_service=2)
    # Each more service: its next day's slots made, then read and locked.
    assert three - few <= 2 * 2
