"""The opening rush: a full slot refused from its mark in the shared cache (Redis), API tokens
answered from it, and every change that must reach them at once."""

import os
import threading
from datetime import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from satupintu.accounts.services import api_token_create, api_token_revoke
from satupintu.booking.errors import BookingError
from satupintu.booking.models import Booking, Closure, Slot
from satupintu.booking.services.bookings import (
    booking_cancel,
    booking_request,
    booking_reschedule,
)
from satupintu.booking.services.closures import closure_record
from satupintu.booking.services.slots import slot_full_mark, slot_mark_full, slots_open
from satupintu.booking.tests.factories import citizen, open_day, visit_service
from satupintu.malls.models import StaffMembership
from satupintu.notify.models import Event
from satupintu.notify.tests.factories import ensure_default_template

pytestmark = pytest.mark.django_db

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13")


@pytest.fixture(autouse=True)
def shared_cache(settings):
    """The default cache is a Redis, as in production (the tests' locmem one turns the marks
    and the token cache off: it is not shared by the workers)."""
    from django.core.cache import cache

    settings.CACHES = {"default": {"BACKEND": "satupintu.cache.RedisCache", "LOCATION": REDIS_URL}}
    cache.clear()
    yield cache
    cache.clear()


@pytest.fixture
def api():
    return APIClient()


def _book(api, person, slot, **headers):
    api.force_authenticate(person)
    return api.post("/api/v1/bookings/", {"slot": slot.pk}, **headers)


def _full_slot(api, places=1):
    """A slot of ``places`` places filled by as many citizens, and marked full by the refusal
    of one more; with the bookings that fill it."""
    service = visit_service(places=places)
    slots = slots_open(service=service, day=open_day()).slots
    made = [_book(api, citizen(), slots[0]) for _ in range(places)]
    assert [r.status_code for r in made] == [201] * places
    assert _book(api, citizen(), slots[0]).status_code == 409
    bookings = [Booking.objects.get(code=r.json()["code"]) for r in made]
    return slots, bookings


def test_a_full_slot_is_refused_from_its_mark_without_a_query(api, django_assert_num_queries):
    ensure_default_template(Event.BOOKING_CONFIRMED)
    slots, _bookings = _full_slot(api)
    late = citizen()
    with django_assert_num_queries(0):
        refused = _book(api, late, slots[0])
    assert refused.status_code == 409
    body = refused.json()["error"]
    assert body["code"] == "slot_full"
    assert body["next_slots"][0]["id"] == slots[1].pk  # the next free time, as from the database
    # With an Idempotency-Key, the one query is whether that key booked already.
    with CaptureQueriesContext(connection) as queries:
        assert _book(api, late, slots[0], HTTP_IDEMPOTENCY_KEY="k-1").status_code == 409
    assert len(queries) == 1 and "booking_booking" in queries[0]["sql"]


def test_a_retry_whose_first_try_booked_gets_its_booking_not_the_mark(api):
    ensure_default_template(Event.BOOKING_CONFIRMED)
    service = visit_service(places=1)
    slot = slots_open(service=service, day=open_day()).slots[0]
    first = _book(api, citizen(), slot, HTTP_IDEMPOTENCY_KEY="sekali")
    assert first.status_code == 201
    assert _book(api, citizen(), slot).status_code == 409  # marks it full
    holder = Booking.objects.get(code=first.json()["code"]).citizen
    again = _book(api, holder, slot, HTTP_IDEMPOTENCY_KEY="sekali")
    assert again.status_code == 201 and again.json()["code"] == first.json()["code"]


def test_cancel_clears_the_full_mark(api):
    ensure_default_template(Event.BOOKING_CONFIRMED)
    slots, bookings = _full_slot(api)
    booking_cancel(booking=bookings[0])
    assert slot_full_mark(slots[0].pk).refusal is None
    assert _book(api, citizen(), slots[0]).status_code == 201


def test_a_move_to_another_time_clears_the_full_mark(api):
    ensure_default_template(Event.BOOKING_CONFIRMED)
    slots, bookings = _full_slot(api)
    booking_reschedule(booking=bookings[0], slot=slots[2])
    assert _book(api, citizen(), slots[0]).status_code == 201


def test_a_closure_clears_the_full_mark_and_the_slot_is_refused_as_closed(api):
    ensure_default_template(Event.BOOKING_CONFIRMED)
    slots, _bookings = _full_slot(api)
    mall = slots[0].service.agency.mall
    day = open_day()
    closure_record(
        mall=mall,
        kind=Closure.Kind.RESTRICTED,
        decree_number="SK 1/2020",
        reason="Pembatasan",
        starts_on=day,
        ends_on=day,
        opens=time(10, 0),
        closes=time(12, 0),
    )
    assert Slot.objects.get(pk=slots[0].pk).booked == 0  # its booking was moved
    refused = _book(api, citizen(), slots[0])
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "closed"


def test_a_refusal_read_before_a_cancel_cannot_mark_the_freed_slot_full(api):
    """The race: a refusal reads the slot full, a cancel frees a place and commits, then the
    refusal writes its mark. The mark carries the generation read before the cancel: void."""
    ensure_default_template(Event.BOOKING_CONFIRMED)
    slots, bookings = _full_slot(api)
    api.force_authenticate(None)
    from django.core.cache import cache

    cache.delete(f"booking:full:{slots[0].pk}")
    before = slot_full_mark(slots[0].pk)
    booking_cancel(booking=bookings[0])
    slot_mark_full(slots[0].pk, generation=before.generation, next_slots=[])
    assert slot_full_mark(slots[0].pk).refusal is None
    assert _book(api, citizen(), slots[0]).status_code == 201


def test_a_priority_visitor_is_not_refused_by_the_ordinary_mark(api):
    ensure_default_template(Event.BOOKING_CONFIRMED)
    service = visit_service(places=4, priority_percent=25)
    slot = slots_open(service=service, day=open_day()).slots[0]
    ordinary = [_book(api, citizen(), slot).status_code for _ in range(4)]
    assert ordinary == [201, 201, 201, 409]  # one place kept for priority; the slot is marked
    api.force_authenticate(citizen())  # declared at the desk, not read from the NIK
    kept = api.post("/api/v1/bookings/", {"slot": slot.pk, "priority": "disability"})
    assert kept.status_code == 201


@pytest.mark.django_db(transaction=True)
def test_racing_requests_through_the_mark_never_overbook_a_slot():
    """30 citizens on 30 connections race for 5 places through booking_request (the API's
    path, marks on): exactly 5 bookings, each with its confirmation queued."""
    from django.core.cache import cache

    cache.clear()
    ensure_default_template(Event.BOOKING_CONFIRMED)
    service = visit_service(places=5)
    slot = slots_open(service=service, day=open_day()).slots[0]
    racers = [citizen() for _ in range(30)]
    start = threading.Barrier(len(racers))
    outcomes: list[str] = []

    def race(person):
        try:
            start.wait()
            booking_request(citizen=person, slot_id=slot.pk, idempotency_key=f"r-{person.pk}")
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
    assert outcomes.count("slot_full") == 25
    assert Slot.objects.get(pk=slot.pk).booked == Booking.objects.filter(slot=slot).count() == 5
    from satupintu.notify.models import Message

    assert Message.objects.filter(event=Event.BOOKING_CONFIRMED).count() == 5


# API tokens from the shared cache -----------------------------------------------------------


def _tokens_list(api, secret):
    api.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return api.get("/api/v1/auth/tokens/")


def test_a_token_is_answered_from_the_cache_after_its_first_use(api):
    person = citizen()
    _token, secret = api_token_create(user=person)
    assert _tokens_list(api, secret).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert _tokens_list(api, secret).status_code == 200
    assert not any("malls_staffmembership" in q["sql"] for q in queries)
    assert not any('FROM "accounts_apitoken" INNER JOIN' in q["sql"] for q in queries)


def test_a_revoked_token_stops_working_at_once(api):
    person = citizen()
    token, secret = api_token_create(user=person)
    assert _tokens_list(api, secret).status_code == 200  # now cached
    api_token_revoke(user=person, token_id=token.pk)
    assert _tokens_list(api, secret).status_code == 401


def test_a_token_revoked_through_the_api_stops_working_at_once(api):
    person = citizen()
    token, secret = api_token_create(user=person)
    _other, other_secret = api_token_create(user=person)
    assert _tokens_list(api, secret).status_code == 200
    api.credentials(HTTP_AUTHORIZATION=f"Token {other_secret}")
    assert api.delete(f"/api/v1/auth/tokens/{token.pk}/").status_code in (200, 204)
    assert _tokens_list(api, secret).status_code == 401


def test_a_password_change_kills_cached_tokens(api):
    person = citizen()
    _token, secret = api_token_create(user=person)
    assert _tokens_list(api, secret).status_code == 200
    person.set_password("kata-sandi-baru-2020")
    person.save()
    assert _tokens_list(api, secret).status_code == 401


def test_a_deactivated_account_or_a_new_staff_role_stops_a_cached_token(api):
    person = citizen()
    _token, secret = api_token_create(user=person)
    assert _tokens_list(api, secret).status_code == 200
    StaffMembership.objects.create(
        user=person,
        role=StaffMembership.Role.MALL_MANAGER,
        mall=visit_service().agency.mall,
    )
    assert _tokens_list(api, secret).status_code == 401
    StaffMembership.objects.filter(user=person).delete()
    assert _tokens_list(api, secret).status_code == 200
    person.is_active = False
    person.save()
    assert _tokens_list(api, secret).status_code == 401


@pytest.mark.parametrize(
    "role", [StaffMembership.Role.FRONT_OFFICE, StaffMembership.Role.MINISTRY_MONITOR]
)
def test_a_token_of_an_agency_officer_or_a_monitor_is_refused(api, role):
    person = citizen()
    _token, secret = api_token_create(user=person)
    agency = visit_service().agency
    at_agency = role != StaffMembership.Role.MINISTRY_MONITOR
    StaffMembership.objects.create(
        user=person,
        role=role,
        agency=agency if at_agency else None,
    )
    refused = _tokens_list(api, secret)
    assert refused.status_code == 401
    assert _tokens_list(api, secret).status_code == 401  # never kept in the cache either
