"""The booking page follows the booking horizon and restricted hours, like the slots API."""

from datetime import time, timedelta

import pytest
from django.utils import timezone

from satupintu.booking.models import Closure, Slot
from satupintu.booking.services.closures import closure_record
from satupintu.booking.tests.factories import citizen, open_day, visit_service
from satupintu.malls.calendar import in_mall_time

pytestmark = pytest.mark.django_db


def test_the_booking_page_offers_days_up_to_the_horizon_and_no_slot_beyond(client):
    service = visit_service()
    mall = service.agency.mall
    policy = mall.visit_policy
    today = in_mall_time(timezone.now(), mall).date()
    policy.days_ahead = 5
    policy.save()
    last = today + timedelta(days=5)
    client.force_login(citizen())

    page = client.get(f"/layanan/{service.pk}/booking/")
    assert page.status_code == 200
    assert page.context["days"] and max(page.context["days"]) <= last

    beyond = client.get(
        f"/layanan/{service.pk}/booking/", {"tanggal": (last + timedelta(days=1)).isoformat()}
    )
    assert beyond.status_code == 200
    assert b'name="slot"' not in beyond.content
    assert beyond.context["plan"].closed_reason
    assert not Slot.objects.filter(start__date__gt=last).exists()


def test_restricted_hours_leave_only_their_window_on_the_booking_page(client):
    service = visit_service()
    day = open_day()
    closure_record(
        mall=service.agency.mall,
        kind=Closure.Kind.RESTRICTED,
        decree_number="SK 7/2026",
        reason="Pemeliharaan",
        starts_on=day,
        ends_on=day,
        opens=time(9),
        closes=time(10),
    )
    client.force_login(citizen())

    page = client.get(f"/layanan/{service.pk}/booking/", {"tanggal": day.isoformat()})

    mall = service.agency.mall
    starts = [in_mall_time(s.start, mall).time() for s in page.context["plan"].slots]
    assert starts == [time(9), time(9, 30)]
    assert page.content.count(b'name="slot"') == 2
    assert "hanya buka 09.00–10.00" in page.content.decode()
