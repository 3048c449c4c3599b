"""The building in the browser: a counter calls twice and the board shows one ticket; the
kiosk is a kiosk; the staff pages fit a phone; the board fits a TV."""

import pytest

from satupintu.backoffice import views as hall
from satupintu.booking.models import Ticket
from satupintu.booking.services import tickets
from satupintu.booking.tests.factories import open_today, visit_service
from satupintu.malls.models import Counter, StaffMembership
from satupintu.malls.tests.factories import staff_member

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "secret-pass-123"  # noqa: S105 - the factories' test password
FITS = "document.documentElement.scrollWidth <= document.documentElement.clientWidth"


def _sign_in(page, base, login):
    page.goto(f"{base}/masuk/")
    page.get_by_label("NIK atau email").fill(login)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()


@pytest.fixture
def service():
    service = visit_service()
    service.agency.name = "Dinas Kependudukan dan Pencatatan Sipil Kota Bogor"
    service.agency.save()
    open_today(service.agency.mall)
    return service


def test_a_counter_calls_twice_and_the_board_shows_one_ticket(live_server, page, browser, service):
    mall = service.agency.mall
    desk = Counter.objects.create(agency=service.agency, label="A3")
    officer = staff_member(StaffMembership.Role.FRONT_OFFICE, agency=service.agency)
    first, second, third = (tickets.walk_in(service=service) for _ in range(3))

    board = browser.new_page(viewport={"width": 1920, "height": 1080})
    board.goto(f"{live_server.url}/mpp/{mall.slug}/layar/")
    _sign_in(page, live_server.url, officer.username)
    page.wait_for_url(f"**/petugas/loket/{desk.pk}/")  # the officer lands at their counter
    assert page.evaluate(FITS), "the counter page scrolls sideways on a phone"
    assert page.locator("ol.queue li").count() == 3

    page.get_by_role("button", name="Panggil berikutnya").click()
    assert page.locator(".ticket").inner_text().startswith(first.label)
    page.get_by_role("button", name="Selesai, panggil berikutnya").click()
    assert page.locator(".ticket").inner_text().startswith(second.label)
    assert page.evaluate(FITS), "the counter page scrolls sideways on a phone"
    assert page.locator("ol.queue li").all_inner_texts()[0].startswith(third.label)
    # The main action stands out: the others are drawn as outlines.
    primary = page.get_by_role("button", name="Selesai, panggil berikutnya")
    secondary = page.get_by_role("button", name="Panggil ulang")
    background = "el => getComputedStyle(el).backgroundColor"
    assert primary.evaluate(background) != secondary.evaluate(background)

    board.locator("#calls td", has_text=second.label).wait_for(timeout=10_000)
    rows = board.locator("#calls tr")
    assert rows.count() == 1
    assert rows.first.inner_text().split()[:2] == [second.label, "A3"]
    assert service.agency.name in rows.first.inner_text()
    assert board.get_by_role("main").count() == 1
    assert board.locator("#waiting").inner_text().split()[-1] == "1"
    assert board.evaluate(FITS)
    assert Ticket.objects.filter(counter=desk, status=Ticket.Status.CALLED).count() == 1
    board.close()

    # The visitor stepped away: back to the queue, in their own place, and the counter moves on.
    page.get_by_role("button", name="Kembalikan ke antrean, panggil berikutnya").click()
    assert page.locator(".ticket").inner_text().startswith(third.label)
    assert page.locator("ol.queue li").all_inner_texts()[0].startswith(second.label)
    assert page.evaluate(FITS), "the counter page scrolls sideways on a phone"
    page.get_by_role("button", name="Kembalikan ke antrean", exact=True).click()
    assert [t.split()[0] for t in page.locator("ol.queue li").all_inner_texts()] == [
        second.label,
        third.label,
    ]


def test_the_kiosk_has_no_header_and_gives_a_walk_in_ticket(
    live_server, page, service, monkeypatch
):
    monkeypatch.setitem(hall.KIOSK_RESET_SECONDS, "ticket", 2)  # 20 s in the hall
    mall = service.agency.mall
    page.goto(f"{live_server.url}/mpp/{mall.slug}/kios/")
    assert page.locator("header").count() == 0 and page.locator("footer").count() == 0
    assert page.get_by_role("banner").count() == 0
    agency = page.get_by_role("link", name=service.agency.name)
    assert agency.bounding_box()["height"] >= 48  # a finger, not a mouse
    agency.click()
    page.get_by_role("button", name=service.name).click()
    ticket = Ticket.objects.get()
    assert page.locator(".slip .ticket").inner_text() == ticket.label
    assert page.evaluate(FITS)
    # Printed, the slip is all there is.
    page.emulate_media(media="print")
    assert not page.get_by_role("button", name="Cetak nomor antrean").is_visible()
    assert page.locator(".slip .ticket").is_visible()
    page.emulate_media(media="screen")
    # Left alone, the kiosk goes back to its start for the next visitor.
    page.get_by_role("heading", name="Selamat datang", exact=False).wait_for(timeout=10_000)
    assert page.locator(".slip").count() == 0


def test_the_front_desk_fits_a_phone_and_finds_a_service(live_server, page, service):
    officer = staff_member(StaffMembership.Role.FRONT_OFFICE, agency=service.agency)
    _sign_in(page, live_server.url, officer.username)
    page.wait_for_url("**/meja-depan/")  # no counter yet: the officer lands at the front desk
    page.get_by_label("Cari layanan").fill("ktp")
    page.get_by_role("button", name="Cari", exact=True).click()
    page.get_by_role("button", name="Beri nomor antrean").click()
    assert page.get_by_role("status").first.is_visible()
    assert Ticket.objects.get().service == service
    assert page.evaluate(FITS), "the front desk scrolls sideways on a phone"
