"""API v1 for visits: slots, booking with Idempotency-Key and 409, closures."""

import pytest
from rest_framework.test import APIClient

from satupintu.booking.models import Booking, Slot
from satupintu.booking.services.bookings import booking_create
from satupintu.booking.services.slots import slots_open
from satupintu.booking.tests.factories import citizen, open_day, visit_service
from satupintu.notify.models import Event, Message

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def test_slots_of_a_day(api):
    service = visit_service(places=3)
    day = open_day()
    response = api.get(f"/api/v1/services/{service.pk}/slots/", {"date": day.isoformat()})
    assert response.status_code == 200
    first = response.json()[0]
    assert set(first) == {"id", "start", "end", "capacity", "available"}
    assert first["capacity"] == first["available"] == 3
    assert api.get(f"/api/v1/services/{service.pk}/slots/", {"date": "kemarin"}).status_code == 400


def test_book_with_a_token_twice_with_one_key_then_cancel(api):
    service = visit_service()
    siti = citizen()
    slot = slots_open(service=service, day=open_day()).slots[0]
    api.force_authenticate(siti)
    first = api.post("/api/v1/bookings/", {"slot": slot.pk}, HTTP_IDEMPOTENCY_KEY="abc-1")
    again = api.post("/api/v1/bookings/", {"slot": slot.pk}, HTTP_IDEMPOTENCY_KEY="abc-1")
    assert first.status_code == 201 and again.status_code == 201
    assert first.json()["code"] == again.json()["code"]
    assert Slot.objects.get(pk=slot.pk).booked == 1
    code = first.json()["code"]
    assert api.get(f"/api/v1/bookings/{code}/").json()["status"] == "confirmed"
    assert api.delete(f"/api/v1/bookings/{code}/").json()["status"] == "cancelled"
    assert Slot.objects.get(pk=slot.pk).booked == 0


def test_a_too_long_idempotency_key_is_refused_not_cut(api):
    service = visit_service()
    slot = slots_open(service=service, day=open_day()).slots[0]
    api.force_authenticate(citizen())
    long_key = "k" * 100
    refused = api.post("/api/v1/bookings/", {"slot": slot.pk}, HTTP_IDEMPOTENCY_KEY=long_key + "1")
    assert refused.status_code == 400
    assert "Idempotency-Key" in refused.json()["error"]["fields"]["non_field_errors"][0]
    assert Slot.objects.get(pk=slot.pk).booked == 0
    made = api.post("/api/v1/bookings/", {"slot": slot.pk}, HTTP_IDEMPOTENCY_KEY=long_key)
    assert made.status_code == 201


def test_a_full_slot_answers_409_with_the_next_free_slots(api):
    service = visit_service(places=1)
    slot = slots_open(service=service, day=open_day()).slots[0]
    booking_create(citizen=citizen(), slot=slot)
    api.force_authenticate(citizen())
    response = api.post("/api/v1/bookings/", {"slot": slot.pk})
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "slot_full" and error["next_slots"][0]["available"] == 1


def test_someone_elses_code_is_not_found_and_not_cancelled(api):
    service = visit_service()
    booking = booking_create(
        citizen=citizen(), slot=slots_open(service=service, day=open_day()).slots[0]
    )
    api.force_authenticate(citizen())
    assert api.get(f"/api/v1/bookings/{booking.code}/").status_code == 404
    assert api.delete(f"/api/v1/bookings/{booking.code}/").status_code == 404
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_booking_needs_a_citizen_and_an_existing_slot(api):
    assert api.post("/api/v1/bookings/", {"slot": 1}).status_code in (401, 403)
    api.force_authenticate(citizen())
    assert api.post("/api/v1/bookings/", {"slot": 999999}).status_code == 404


def test_a_manager_records_a_closure_and_gets_the_report(api):
    from satupintu.malls.models import StaffMembership
    from satupintu.malls.services import membership_grant
    from satupintu.malls.tests.factories import UserFactory

    service = visit_service()
    mall = service.agency.mall
    day = open_day()
    booking = booking_create(citizen=citizen(), slot=slots_open(service=service, day=day).slots[0])
    body = {
        "kind": "closed",
        "decree_number": "443.1/1215.DPMPTSP",
        "reason": "Pencegahan COVID-19",
        "starts_on": day.isoformat(),
        "ends_on": day.isoformat(),
    }
    api.force_authenticate(citizen())
    assert api.post(f"/api/v1/malls/{mall.slug}/closures/", body).status_code == 403

    manager = UserFactory()
    membership_grant(user=manager, role=StaffMembership.Role.MALL_MANAGER, mall=mall)
    api.force_authenticate(manager)
    response = api.post(f"/api/v1/malls/{mall.slug}/closures/", body, format="json")
    assert response.status_code == 201
    report = response.json()
    assert (report["affected"], report["moved"], report["released"]) == (1, 1, 0)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.PROPOSED

    bad = api.post(
        f"/api/v1/malls/{mall.slug}/closures/", {**body, "agencies": [999999]}, format="json"
    )
    assert bad.status_code == 400


def test_an_elderly_claim_the_nik_contradicts_is_refused_and_a_cancel_is_told(api):
    service = visit_service(priority_percent=50)
    siti = citizen()  # born 1990
    slot = slots_open(service=service, day=open_day()).slots[0]
    api.force_authenticate(siti)
    refused = api.post("/api/v1/bookings/", {"slot": slot.pk, "priority": "elderly"})
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "priority_contradicted"
    assert Slot.objects.get(pk=slot.pk).booked == 0
    made = api.post("/api/v1/bookings/", {"slot": slot.pk, "priority": "pregnant"})
    assert made.status_code == 201
    api.delete(f"/api/v1/bookings/{made.json()['code']}/")
    told = Message.objects.get(event=Event.BOOKING_CANCELLED, user=siti)
    assert "METHOD:CANCEL" in told.calendar


def _open_every_day(service):
    from satupintu.malls.models import OpeningHours

    for weekday in range(7):
        OpeningHours.objects.update_or_create(
            mall=service.agency.mall,
            weekday=weekday,
            defaults={"opens": "00:00", "closes": "23:30"},
        )


def _horizon_end(service):
    """Set a horizon whose last day is no national holiday; return that day."""
    from datetime import timedelta

    from django.utils import timezone

    from satupintu.malls.calendar import in_mall_time, national_holiday

    policy = service.agency.mall.visit_policy
    today = in_mall_time(timezone.now(), service.agency.mall).date()
    days = 3
    while national_holiday(today + timedelta(days=days)):
        days += 1
    policy.days_ahead = days
    policy.save()
    return today + timedelta(days=days)


def test_the_last_day_of_the_horizon_is_listed_and_bookable_the_next_is_not(api):
    from datetime import timedelta

    service = visit_service()
    last = _horizon_end(service)
    listed = api.get(f"/api/v1/services/{service.pk}/slots/", {"date": last.isoformat()})
    assert listed.status_code == 200 and listed.json()
    api.force_authenticate(citizen())
    booked = api.post("/api/v1/bookings/", {"slot": listed.json()[-1]["id"]}, format="json")
    assert booked.status_code == 201, booked.json()

    beyond = last + timedelta(days=1)
    refused = api.get(f"/api/v1/services/{service.pk}/slots/", {"date": beyond.isoformat()})
    assert refused.status_code == 400
    assert not Slot.objects.filter(start__date__gte=beyond).exists()


def test_slots_past_the_cut_off_are_not_listed(api):
    from datetime import timedelta

    from django.utils import timezone

    from satupintu.malls.calendar import in_mall_time, national_holiday

    service = visit_service()
    _open_every_day(service)
    today = in_mall_time(timezone.now(), service.agency.mall).date()
    if national_holiday(today):
        pytest.skip("the mall is closed on a national holiday")
    earliest = timezone.now() + timedelta(minutes=60)  # the default cut-off
    response = api.get(f"/api/v1/services/{service.pk}/slots/", {"date": today.isoformat()})
    assert response.status_code == 200
    starts = [Slot.objects.get(pk=s["id"]).start for s in response.json()]
    assert all(start > earliest for start in starts)
    opened = Slot.objects.filter(service=service, start__date=today)
    if opened.filter(start__lte=earliest).exists():  # the day had slots before the cut-off
        assert len(starts) < opened.count()


def test_restricted_hours_leave_only_their_window_and_announce_it_in_each_language(api):
    from datetime import time

    from satupintu.booking.models import Closure
    from satupintu.booking.services.closures import closure_record
    from satupintu.malls.calendar import in_mall_time

    service = visit_service()
    mall = service.agency.mall
    day = open_day()
    early = booking_create(citizen=citizen(), slot=slots_open(service=service, day=day).slots[0])
    closure_record(
        mall=mall,
        kind=Closure.Kind.RESTRICTED,
        decree_number="SK 100/2026",
        reason="Pemeliharaan gedung",
        starts_on=day,
        ends_on=day,
        opens=time(9),
        closes=time(10),
    )

    response = api.get(f"/api/v1/services/{service.pk}/slots/", {"date": day.isoformat()})
    starts = [
        in_mall_time(Slot.objects.get(pk=s["id"]).start, mall).time() for s in response.json()
    ]
    assert starts == [time(9), time(9, 30)]
    early.refresh_from_db()  # the 08:00 visit moved inside the window
    assert time(9) <= in_mall_time(early.slot.start, mall).time() < time(10)

    indonesian = api.get("/api/v1/announcements/", {"mall": mall.slug}).json()
    english = api.get(
        "/api/v1/announcements/", {"mall": mall.slug}, HTTP_ACCEPT_LANGUAGE="en"
    ).json()
    [id_] = indonesian["results"]
    [en] = english["results"]
    assert id_["title"].startswith(f"{mall.name} hanya buka 09.00–10.00")
    assert en["title"].startswith(f"{mall.name} open only 09.00–10.00")
    assert "Booked visits have been moved" in en["body"] and "SK 100/2026" in en["body"]
    assert id_["title"] != en["title"] and "SK 100/2026" in id_["body"]
