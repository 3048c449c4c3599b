"""An English reader sees the restricted hours announced in English, remembered across / and
/en/; the slots API offers nothing beyond the booking horizon."""

from datetime import date, time, timedelta

import pytest
from django.utils import timezone

from satupintu.booking.models import Closure
from satupintu.booking.services.closures import closure_record
from satupintu.booking.tests.factories import open_day, visit_service
from satupintu.malls.calendar import in_mall_time

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_english_reader_sees_the_restricted_hours_in_english(live_server, page):
    service = visit_service()
    mall = service.agency.mall
    day = open_day()
    closure_record(
        mall=mall,
        kind=Closure.Kind.RESTRICTED,
        decree_number="SK 443/2026",
        reason="Pemeliharaan gedung",
        starts_on=day,
        ends_on=day,
        opens=time(9),
        closes=time(12),
    )
    banner = page.locator("section.banner")

    page.goto(f"{live_server.url}/mpp/{mall.slug}/")
    assert f"{mall.name} hanya buka 09.00–12.00" in banner.inner_text()

    page.locator("form.lang button[value=en]").click()
    page.wait_for_url(f"**/en/mpp/{mall.slug}/")
    english = banner.inner_text()
    assert f"{mall.name} open only 09.00–12.00" in english
    assert "Booked visits have been moved to the next free time" in english
    assert "hanya buka" not in english

    # A link without the prefix (as in an old bookmark) opens in the language chosen.
    page.goto(f"{live_server.url}/mpp/{mall.slug}/")
    page.wait_for_url(f"**/en/mpp/{mall.slug}/")
    assert f"{mall.name} open only 09.00–12.00" in banner.inner_text()
    assert page.locator("html").get_attribute("lang") == "en"

    page.locator("form.lang button[value=id]").click()
    page.wait_for_url(f"{live_server.url}/mpp/{mall.slug}/")
    assert f"{mall.name} hanya buka 09.00–12.00" in banner.inner_text()


def test_the_slots_api_has_no_slot_beyond_the_booking_horizon(live_server, page):
    service = visit_service()
    mall = service.agency.mall
    policy = mall.visit_policy
    policy.days_ahead = 6
    policy.save()
    today = in_mall_time(timezone.now(), mall).date()
    url = f"{live_server.url}/api/v1/services/{service.pk}/slots/"

    listed: list[date] = []
    for n in range(0, 9):
        answer = page.request.get(f"{url}?date={today + timedelta(days=n)}")
        if n > 6:
            assert answer.status == 400, n
            continue
        assert answer.status == 200, n
        listed += [date.fromisoformat(s["start"][:10]) for s in answer.json()]
    assert listed and max(listed) <= today + timedelta(days=6)
