"""A mall open every weekday, a service to visit for, a citizen with a NIK, a free day."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from satupintu.booking.models import ServiceVisit, VisitPolicy
from satupintu.catalog.tests.factories import ServiceFactory
from satupintu.malls.calendar import in_mall_time, national_holiday
from satupintu.malls.models import OpeningHours
from satupintu.malls.tests.factories import AgencyFactory, MallFactory, UserFactory

_niks = iter(range(1, 10_000))


def citizen(**fields):
    """A citizen with a valid NIK (a 1990 birth date in Kota Bogor) and an email."""
    n = next(_niks)
    defaults = {
        "nik": f"32710145019{n:05d}",
        "email": f"warga{n}@example.id",
        "first_name": "Warga",
        "notification_channels": ["email"],
    }
    return UserFactory(**{**defaults, **fields})


def open_day(after_days: int = 2) -> date:
    """A weekday at least ``after_days`` ahead that is no national holiday."""
    day = timezone.localdate() + timedelta(days=after_days)
    while day.weekday() >= 5 or national_holiday(day):
        day += timedelta(days=1)
    return day


def visit_service(*, places: int = 4, walk_in_percent: int = 0, priority_percent: int = 0):
    """A service whose slots have ``places`` bookable places (one counter, 30-minute slots)."""
    mall = MallFactory()
    for weekday in range(5):
        OpeningHours.objects.get_or_create(
            mall=mall, weekday=weekday, defaults={"opens": "08:00", "closes": "12:00"}
        )
    VisitPolicy.objects.update_or_create(
        mall=mall,
        defaults={
            "waiting_room_seats": 1000,
            "distancing_factor": "1.00",
            "walk_in_percent": walk_in_percent,
            "priority_percent": priority_percent,
        },
    )
    service = ServiceFactory(agency=AgencyFactory(mall=mall), name="Perekaman KTP-el")
    ServiceVisit.objects.create(service=service, slot_minutes=30, minutes_per_visitor=30 // places)
    return service


def open_today(mall) -> None:
    """Open ``mall`` today whatever weekday it is (walk-in tickets are refused on a closed day).
    A national holiday still closes it, and no row can open it: the test is skipped that day."""
    today = in_mall_time(timezone.now(), mall).date()
    skip_on_national_holiday(today)
    OpeningHours.objects.get_or_create(
        mall=mall, weekday=today.weekday(), defaults={"opens": "00:00", "closes": "23:59"}
    )


def skip_on_national_holiday(day: date) -> None:
    """Skip the calling test when ``day`` is a national holiday or cuti bersama: every mall is
    closed then (the dates come from the ``holidays`` package, not from a table a test could
    write, and the tests do not move the clock)."""
    name = national_holiday(day)
    if name:
        pytest.skip(f"{day} is a national holiday ({name}): every mall is closed")
