"""The day at the mall: kiosk check-in, front desk, a counter calling, the display board."""

from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import timezone

from satupintu.booking.models import Booking, Ticket
from satupintu.booking.services import tickets
from satupintu.booking.services.bookings import booking_create
from satupintu.booking.services.slots import slots_open
from satupintu.booking.tests.factories import citizen, open_day, open_today, visit_service
from satupintu.malls.models import Counter, StaffMembership
from satupintu.malls.tests.factories import AgencyFactory, staff_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def service():
    service = visit_service()
    open_today(service.agency.mall)
    return service


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
    assert calls["calls"] == [
        {"ticket": ticket.label, "counter": "A3", "agency": service.agency.name, "calls": 1}
    ]

    client.post(url, {"action": "transfer", "agency": other.pk})
    ticket.refresh_from_db()
    assert ticket.agency == other and ticket.status == Ticket.Status.WAITING
    client.post(url, {"action": "next"})
    assert "Tidak ada yang menunggu" in client.get(url).text


def test_a_counter_puts_the_called_visitor_back_in_the_queue(client, service, officer):
    desk = Counter.objects.create(agency=service.agency, label="A3")
    url = reverse("backoffice:counter", args=[desk.pk])
    client.force_login(officer)
    first, second = (tickets.walk_in(service=service) for _ in range(2))
    client.post(url, {"action": "next"})
    page = client.get(url)
    assert "Kembalikan ke antrean" in page.text
    client.post(url, {"action": "requeue_next"})
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (Ticket.Status.WAITING, Ticket.Status.CALLED)
    client.post(url, {"action": "requeue"})
    second.refresh_from_db()
    assert second.status == Ticket.Status.WAITING and second.counter is None
    page = client.get(url)
    assert "Belum ada nomor yang dipanggil" in page.text
    assert page.text.index(first.label) < page.text.index(second.label)  # each in its own place
    again = client.post(url, {"action": "requeue"}, follow=True)  # nothing called any more
    assert again.status_code == 200
    assert not Ticket.objects.filter(status=Ticket.Status.CALLED).exists()


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


def _walk_ins(client, service, n):
    for _ in range(n):
        client.post(
            reverse("backoffice:front-desk", args=[service.agency.mall.slug]),
            {"service": service.pk},
        )
    return list(Ticket.objects.order_by("pk"))


def test_calling_next_twice_serves_the_first_and_lists_who_waits(client, service, officer):
    desk = Counter.objects.create(agency=service.agency, label="A3")
    url = reverse("backoffice:counter", args=[desk.pk])
    client.force_login(officer)
    first, second, third = _walk_ins(client, service, 3)
    client.post(url, {"action": "next"})
    client.post(url, {"action": "next"})
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Ticket.Status.SERVED and second.status == Ticket.Status.CALLED
    assert Ticket.objects.filter(counter=desk, status=Ticket.Status.CALLED).count() == 1
    page = client.get(url).text
    waiting_list = page[page.index('<ol class="queue">') :]
    assert third.label in waiting_list and second.label not in waiting_list
    # One main action; the others are secondary.
    form = page[page.index('<form method="post" class="actions">') :]
    form = form[: form.index("</form>")]
    assert form.count("<button") == 6 and form.count('class="secondary"') == 5
    assert "Selesai, panggil berikutnya" in form


def test_the_front_desk_finds_a_service_by_searching_without_a_long_select(
    client, service, officer
):
    from satupintu.catalog.tests.factories import ServiceFactory

    for n in range(30):
        ServiceFactory(agency=service.agency, name=f"Layanan lain {n}")
    url = reverse("backoffice:front-desk", args=[service.agency.mall.slug])
    client.force_login(officer)
    start = client.get(url).text
    assert "<select" not in start and "Layanan lain" not in start
    found = client.get(url, {"q": "ktp"}).text
    assert f'name="service" value="{service.pk}"' in found and "Layanan lain" not in found
    assert "Tidak ada layanan yang cocok" in client.get(url, {"q": "zzzqqq"}).text
    client.post(url, {"service": service.pk})
    assert Ticket.objects.get().service == service


def test_the_front_desk_refuses_walk_ins_on_a_closed_day(client, service, officer):
    from satupintu.booking.models import Closure

    today = timezone.localdate()
    Closure.objects.create(
        mall=service.agency.mall,
        kind=Closure.Kind.CLOSED,
        decree_number="SK 1/2026",
        reason="Banjir",
        starts_on=today,
        ends_on=today,
    )
    client.force_login(officer)
    page = client.post(
        reverse("backoffice:front-desk", args=[service.agency.mall.slug]),
        {"service": service.pk},
        follow=True,
    )
    assert "tidak menerima pengunjung hari ini" in page.text
    assert not Ticket.objects.exists()


def test_the_front_desk_refuses_walk_ins_on_a_non_working_day(client, officer):
    closed = visit_service()  # open Monday to Friday only
    from satupintu.booking.models import DayOff

    DayOff.objects.create(mall=closed.agency.mall, date=timezone.localdate(), reason="Cuti")
    desk_officer = staff_member(StaffMembership.Role.FRONT_OFFICE, agency=closed.agency)
    client.force_login(desk_officer)
    page = client.post(
        reverse("backoffice:front-desk", args=[closed.agency.mall.slug]), {"service": closed.pk}
    )
    assert "tidak menerima pengunjung hari ini" in page.text
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("typed", ["{code}", "{lower}", "{nodash}", " {lower_nodash} ", "{spaced}"])
def test_a_booking_code_is_accepted_with_or_without_the_dash(client, service, officer, typed):
    booking = _today_booking(service)
    code = booking.code
    typed = typed.format(
        code=code,
        lower=code.lower(),
        nodash=code.replace("-", ""),
        lower_nodash=code.replace("-", "").lower(),
        spaced=" ".join(code.replace("-", "").lower()),
    )
    client.force_login(officer)
    client.post(reverse("backoffice:front-desk", args=[service.agency.mall.slug]), {"code": typed})
    assert Ticket.objects.get().booking == booking


def test_the_kiosk_is_a_kiosk_and_gives_walk_in_tickets_by_agency(client, service, settings):
    from satupintu.catalog.models import Service
    from satupintu.catalog.tests.factories import ServiceFactory

    settings.TICKET_PAPER_MM = 58
    mall = service.agency.mall
    online_only = ServiceFactory(
        agency=AgencyFactory(mall=mall), channel=Service.Channel.ONLINE, name="Izin daring"
    )
    url = reverse("portal:kiosk", args=[mall.slug])
    start = client.get(url).text
    assert '<header class="top">' not in start and "<footer" not in start
    assert 'data-reset-after="300"' in start and f'data-reset-url="{url}"' in start
    assert f'href="?agency={service.agency.pk}"' in start
    assert f'href="?agency={online_only.agency.pk}"' not in start  # nothing to queue for
    chosen = client.get(url, {"agency": service.agency.pk}).text
    assert f'name="service" value="{service.pk}"' in chosen
    slip = client.post(url, {"service": service.pk}).text
    ticket = Ticket.objects.get()
    assert ticket.booking is None and ticket.label in slip
    assert 'data-reset-after="20"' in slip and "data-print" in slip
    assert "satupintu/ticket-58mm.css" in slip and 'media="print"' in slip
    css = Path(finders.find("satupintu/ticket-58mm.css")).read_text()
    assert "@page" in css and "58mm" in css
    assert client.get(url, {"agency": "x"}).status_code == 404
    assert client.post(url, {"service": "1x"}).status_code == 404
    assert Ticket.objects.count() == 1


def test_the_kiosk_refuses_a_walk_in_on_a_closed_day(client):
    closed = visit_service()
    from satupintu.booking.models import DayOff

    DayOff.objects.create(mall=closed.agency.mall, date=timezone.localdate(), reason="Cuti")
    page = client.post(
        reverse("portal:kiosk", args=[closed.agency.mall.slug]), {"service": closed.pk}
    )
    assert page.status_code == 400 and "tidak menerima pengunjung" in page.text
    assert not Ticket.objects.exists()


def test_the_board_shows_calls_agencies_waiting_a_clock_and_announcements(client, service, officer):
    from datetime import timedelta

    from satupintu.malls.models import Announcement

    mall = service.agency.mall
    Announcement.objects.create(
        mall=mall,
        title="Layanan paspor pindah",
        body="Ke lantai 2.",
        valid_from=timezone.now() - timedelta(hours=1),
        valid_until=timezone.now() + timedelta(hours=1),
    )
    desk = Counter.objects.create(agency=service.agency, label="A3")
    client.force_login(officer)
    first, *_ = _walk_ins(client, service, 3)
    client.post(reverse("backoffice:counter", args=[desk.pk]), {"action": "next"})
    client.logout()
    page = client.get(reverse("portal:board", args=[mall.slug])).text
    assert page.count("<main") == 1 and 'role="main"' not in page
    assert 'id="clock"' in page and service.agency.name in page
    assert f"<td>{first.label}</td><td>A3</td>" in page
    assert "<strong>2</strong>" in page  # two still waiting
    assert 'class="ticker"' in page and "Layanan paspor pindah" in page
    calls = client.get(reverse("portal:board-calls", args=[mall.slug])).json()
    assert calls["waiting"] == [{"agency": service.agency.name, "count": 2}]


def test_the_counter_and_the_board_cost_the_same_queries_for_a_long_queue(client, service, officer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    desk = Counter.objects.create(agency=service.agency, label="A3")
    client.force_login(officer)
    _walk_ins(client, service, 2)
    client.post(reverse("backoffice:counter", args=[desk.pk]), {"action": "next"})
    urls = (
        reverse("backoffice:counter", args=[desk.pk]),
        reverse("portal:board", args=[service.agency.mall.slug]),
    )

    def queries(url):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured.captured_queries)

    short = [queries(url) for url in urls]
    _walk_ins(client, service, 25)
    assert [queries(url) for url in urls] == short
