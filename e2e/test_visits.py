"""A citizen books a visit in the browser; a counter's call appears on the display board."""

import pytest

from satupintu.booking.models import Booking
from satupintu.booking.services import tickets
from satupintu.booking.tests.factories import citizen, open_today, visit_service
from satupintu.booking.tests.ics import ics_read
from satupintu.malls.models import Counter, StaffMembership
from satupintu.malls.services import membership_grant
from satupintu.malls.tests.factories import UserFactory
from satupintu.notify.models import Event, Message
from satupintu.notify.tests.factories import ensure_default_template

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "secret-pass-123"  # noqa: S105 - the factories' test password


def _sign_in(page, base, login):
    page.goto(f"{base}/masuk/")
    page.get_by_label("NIK atau email").fill(login)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()


def test_a_citizen_books_a_visit_from_the_service_page(live_server, page):
    service = visit_service(places=2)
    siti = citizen()
    _sign_in(page, live_server.url, siti.nik)

    page.goto(f"{live_server.url}/layanan/{service.pk}/")
    page.get_by_role("link", name="Pesan kunjungan").click()
    page.locator(".days a").last.click()  # a day ahead: its slots are all open
    page.locator("form.slots button[name=slot]").first.click()

    booking = Booking.objects.get(citizen=siti)
    page.wait_for_url(f"**/kunjungan/{booking.code}/")
    assert booking.code in page.get_by_role("heading", level=1).inner_text()
    assert page.locator(".qr svg").is_visible()
    assert page.get_by_text("Terkonfirmasi").is_visible()


def test_a_citizen_cancels_after_confirming_and_the_code_disappears(live_server, page):
    ensure_default_template(Event.BOOKING_CANCELLED)  # an earlier test emptied the tables
    service = visit_service(places=2)
    siti = citizen()
    _sign_in(page, live_server.url, siti.nik)
    page.goto(f"{live_server.url}/layanan/{service.pk}/booking/")
    page.locator(".days a").last.click()
    page.locator("form.slots button[name=slot]").first.click()
    booking = Booking.objects.get(citizen=siti)
    page.wait_for_url(f"**/kunjungan/{booking.code}/")
    assert page.locator(".qr svg").is_visible()

    page.get_by_role("link", name="Batalkan kunjungan").click()
    page.wait_for_url(f"**/kunjungan/{booking.code}/batal/")
    assert page.get_by_role("heading", name="Batalkan kunjungan ini?").is_visible()
    confirm = page.get_by_role("button", name="Ya, batalkan kunjungan")
    # A secondary action: white with the brand's colour, not the filled primary button.
    assert confirm.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(255, 255, 255)"
    confirm.click()

    page.wait_for_url(f"**/kunjungan/{booking.code}/")
    assert page.get_by_text("Dibatalkan", exact=True).is_visible()
    assert page.locator(".qr svg").count() == 0
    assert page.get_by_text("Tunjukkan kode ini").count() == 0
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    [told] = Message.objects.filter(event=Event.BOOKING_CANCELLED, user=siti)
    calendar = ics_read(told.calendar)
    assert calendar["VCALENDAR"]["METHOD"] == "CANCEL"
    assert calendar["VEVENT"]["STATUS"] == "CANCELLED"


def test_a_called_ticket_appears_on_the_display_board(live_server, page, browser):
    service = visit_service()
    mall = service.agency.mall
    open_today(mall)
    desk = Counter.objects.create(agency=service.agency, label="A3")
    officer = UserFactory()
    membership_grant(user=officer, role=StaffMembership.Role.FRONT_OFFICE, agency=service.agency)
    ticket = tickets.walk_in(service=service)

    board = browser.new_page()
    board.goto(f"{live_server.url}/mpp/{mall.slug}/layar/")
    _sign_in(page, live_server.url, officer.username)
    page.goto(f"{live_server.url}/petugas/loket/{desk.pk}/")
    page.get_by_role("button", name="Panggil berikutnya").click()
    assert page.locator(".ticket").inner_text().startswith(ticket.label)

    board.locator("#calls td", has_text=ticket.label).wait_for(timeout=10_000)
    assert board.locator("#calls tr").first.inner_text().split()[:2] == [ticket.label, "A3"]
    board.close()
