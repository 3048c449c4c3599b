"""The day at the mall: kiosk check-in, front desk, a counter calling, the display board."""

from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import timezone

from satupintu.booking.models import Booking, Ticket
from satupintu.booking.services.bookings import booking_create
from satupintu.booking.services.slots import slots_open
from satupintu.booking.tests.factories import citizen, open_day, visit_service
from satupintu.malls.models import Counter, StaffMembership
from satupintu.malls.tests.factories import AgencyFactory, staff_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def service():
    return visit_service()


@pytest.fixture
def officer(service):
    return staff_member(StaffMembership.Role.FRONT_OFFICE, agency=service.agency)


def _today_booking(service):
    booking = booking_create(
        citizen=citizen(), slot=slots_open(service=service, day=open_day()).slots[0]
    )
    Booking.objects.filter(pk=booking.pk).update(date=timezone.localdate())
    return booking


def test_the_kiosk_checks_a_booking_in_and_shows_the_ticket(client, service):
    booking = _today_booking(service)
    mall = service.agency.mall
    page = client.post(reverse("portal:kiosk", args=[mall.slug]), {"code": booking.code})
    assert page.status_code == 200
    ticket = Ticket.objects.get(booking=booking)
    assert ticket.label in page.text and "Silakan menunggu" in page.text
    bad = client.post(reverse("portal:kiosk", args=[mall.slug]), {"code": "ZZZZ-ZZZZ"})
    assert bad.status_code == 400 and "Tidak ada booking" in bad.text


def test_the_front_desk_is_for_the_malls_staff_only(client, service, officer):
    url = reverse("backoffice:front-desk", args=[service.agency.mall.slug])
    client.force_login(citizen())
    assert client.get(url).status_code == 403
    client.force_login(officer)
    page = client.post(url, {"service": service.pk, "priority": "disability"})
    assert page.status_code == 200
    ticket = Ticket.objects.get()
    assert ticket.priority and ticket.booking is None and ticket.label in page.text


def test_a_counter_calls_serves_and_transfers(client, service, officer):
    desk = Counter.objects.create(agency=service.agency, label="A3")
    other = AgencyFactory(mall=service.agency.mall)
    url = reverse("backoffice:counter", args=[desk.pk])
    client.force_login(officer)
    client.post(
        reverse("backoffice:front-desk", args=[service.agency.mall.slug]), {"service": service.pk}
    )
    client.post(url, {"action": "next"})
    page = client.get(url)
    ticket = Ticket.objects.get()
    assert ticket.status == Ticket.Status.CALLED and ticket.label in page.text

    calls = client.get(reverse("portal:board-calls", args=[service.agency.mall.slug])).json()
    assert calls["calls"] == [{"ticket": ticket.label, "counter": "A3", "calls": 1}]

    client.post(url, {"action": "transfer", "agency": other.pk})
    ticket.refresh_from_db()
    assert ticket.agency == other and ticket.status == Ticket.Status.WAITING
    client.post(url, {"action": "next"})
    assert "Tidak ada yang menunggu" in client.get(url).text


def test_another_agencys_officer_cannot_work_this_counter(client, service):
    desk = Counter.objects.create(agency=service.agency, label="A3")
    stranger = staff_member(StaffMembership.Role.FRONT_OFFICE, agency=AgencyFactory())
    client.force_login(stranger)
    assert (
        client.post(reverse("backoffice:counter", args=[desk.pk]), {"action": "next"}).status_code
        == 403
    )


def test_the_board_page_polls_the_calls(client, service):
    page = client.get(reverse("portal:board", args=[service.agency.mall.slug]))
    assert page.status_code == 200
    assert reverse("portal:board-calls", args=[service.agency.mall.slug]) in page.text
    # The board's script is a static file (the Content-Security-Policy allows no inline script).
    assert "satupintu/board.js" in page.text and "<script>" not in page.text
    script = finders.find("satupintu/board.js")
    assert "speechSynthesis" in Path(script).read_text()
