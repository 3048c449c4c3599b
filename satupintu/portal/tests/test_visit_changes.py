"""A visit says the truth: cancelling asks first, a cancelled visit shows no code to check in
with, moving shows the current time, and a priority the NIK contradicts is refused."""

import re
from datetime import date
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import timezone

from satupintu.accounts.validators import age_on, nik_birth_date
from satupintu.booking.models import Booking, Slot, Ticket
from satupintu.booking.services.bookings import booking_create
from satupintu.booking.services.slots import slots_open
from satupintu.booking.tests.factories import citizen, open_day, visit_service
from satupintu.booking.tests.ics import ics_read
from satupintu.malls.calendar import in_mall_time
from satupintu.malls.models import StaffMembership
from satupintu.malls.tests.factories import staff_member
from satupintu.notify.models import Event, Message

pytestmark = pytest.mark.django_db
SHOW_CODE = "Tunjukkan kode ini"
# Born 17 August 1945 (a man) and 15 January 1960 (a woman: 55 = 15 + 40): elderly.
ELDERLY_NIKS = ("3171011708450001", "3271015501600001")


def _booked(**fields):
    service = visit_service(places=2)
    siti = citizen(**fields)
    slots = slots_open(service=service, day=open_day()).slots
    return booking_create(citizen=siti, slot=slots[0]), slots


def test_cancel_asks_first_then_the_code_is_gone_and_the_holder_told(client):
    booking, slots = _booked()
    client.force_login(booking.citizen)
    page = client.get(reverse("portal:booking", args=[booking.code]))
    assert SHOW_CODE in page.text and "<svg" in page.text
    cancel_url = reverse("portal:booking-cancel", args=[booking.code])
    assert f'href="{cancel_url}"' in page.text  # a link to the question, not a form that acts

    question = client.get(cancel_url)
    assert question.status_code == 200
    assert "Batalkan kunjungan ini?" in question.text and "Tidak, tetap simpan" in question.text
    assert re.search(rf'<form method="post" action="{cancel_url}">', question.text)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED  # asking changes nothing

    done = client.post(cancel_url)
    assert done.status_code == 302
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert Slot.objects.get(pk=slots[0].pk).booked == 0
    page = client.get(done.url)
    assert SHOW_CODE not in page.text and "<svg" not in page.text
    assert "kodenya tidak berlaku lagi" in page.text
    [told] = Message.objects.filter(event=Event.BOOKING_CANCELLED, user=booking.citizen)
    assert ics_read(told.calendar)["VCALENDAR"]["METHOD"] == "CANCEL"

    again = client.get(cancel_url)  # nothing left to cancel: back to the visit, said why
    assert again.status_code == 302 and again.url == reverse("portal:booking", args=[booking.code])


def test_someone_elses_visit_cannot_be_asked_about_or_cancelled(client):
    booking, _slots = _booked()
    client.force_login(citizen())
    url = reverse("portal:booking-cancel", args=[booking.code])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert not Message.objects.filter(event=Event.BOOKING_CANCELLED).exists()


def test_choosing_another_time_shows_the_current_one(client):
    booking, _slots = _booked()
    client.force_login(booking.citizen)
    page = client.get(reverse("portal:book", args=[booking.service.pk]), {"ubah": booking.code})
    start = in_mall_time(booking.slot.start, booking.service.agency.mall)
    assert "Saat ini dipesan untuk" in page.text
    assert start.strftime("%H:%M") in page.text.split("Saat ini dipesan untuk")[1][:80]


def test_the_secondary_buttons_look_secondary():
    text = Path(finders.find("satupintu/site.css")).read_text()
    rule = next(line for line in text.splitlines() if ".secondary" in line and "{" in line)
    assert "button.secondary" in rule and "background: #fff" in rule


def test_the_birth_date_of_a_nik_picks_the_century_and_reads_women():
    today = date(2026, 11, 29)
    assert nik_birth_date("3171011708450001", today=today) == date(1945, 8, 17)
    assert nik_birth_date("3271015501600001", today=today) == date(1960, 1, 15)
    assert nik_birth_date("3271010101050001", today=today) == date(2005, 1, 1)
    assert nik_birth_date("3271013012260001", today=today) == date(1926, 12, 30)  # not future
    assert nik_birth_date("3271019999999999", today=today) is None
    assert nik_birth_date("32710145019\x00", today=today) is None
    assert age_on(date(1966, 11, 30), today) == 59 and age_on(date(1966, 11, 29), today) == 60


def test_elderly_priority_is_refused_when_the_nik_says_under_60(client):
    service = visit_service(places=2, priority_percent=50)
    young = citizen()  # born 1990
    slot = slots_open(service=service, day=open_day()).slots[0]
    client.force_login(young)
    page = client.post(
        reverse("portal:book", args=[service.pk]), {"slot": slot.pk, "priority": "elderly"}
    )
    assert page.status_code == 409
    assert "di bawah 60 tahun" in page.text
    assert not Booking.objects.exists()
    # Another reason is declared and checked at the desk.
    page = client.post(
        reverse("portal:book", args=[service.pk]), {"slot": slot.pk, "priority": "disability"}
    )
    assert page.status_code == 302
    assert Booking.objects.get().priority == "disability"


@pytest.mark.parametrize("nik", ELDERLY_NIKS)
def test_elderly_priority_is_booked_when_the_nik_says_60_or_more(client, nik):
    service = visit_service(places=2, priority_percent=50)
    slot = slots_open(service=service, day=open_day()).slots[0]
    client.force_login(citizen(nik=nik))
    page = client.post(
        reverse("portal:book", args=[service.pk]), {"slot": slot.pk, "priority": "elderly"}
    )
    assert page.status_code == 302
    assert Booking.objects.get().priority == "elderly"


def test_a_walk_in_elderly_ticket_needs_a_nik_of_60_or_more(client):
    service = visit_service()
    officer = staff_member(StaffMembership.Role.FRONT_OFFICE, agency=service.agency)
    client.force_login(officer)
    url = reverse("backoffice:front-desk", args=[service.agency.mall.slug])
    for nik, says in (("", "memerlukan NIK"), ("3271014501900001", "di bawah 60 tahun")):
        page = client.post(url, {"service": service.pk, "priority": "elderly", "nik": nik})
        assert says in page.text
    assert not Ticket.objects.exists()
    born = nik_birth_date(ELDERLY_NIKS[0], today=timezone.localdate())
    assert born is not None and age_on(born, timezone.localdate()) >= 60
    client.post(url, {"service": service.pk, "priority": "elderly", "nik": ELDERLY_NIKS[0]})
    client.post(url, {"service": service.pk, "priority": "pregnant"})  # declared, seen at desk
    assert [t.priority for t in Ticket.objects.order_by("pk")] == [True, True]


def test_the_inbox_offers_the_calendar_file_of_a_visit_message(client):
    booking, _slots = _booked()
    client.force_login(booking.citizen)
    page = client.get(reverse("portal:inbox"))
    link = Message.objects.get(event=Event.BOOKING_CONFIRMED).context["calendar_link"]
    assert f'href="{link}"' in page.text and "Berkas kalender (.ics)" in page.text
    client.logout()  # the link works for whoever holds it, as it does from WhatsApp
    downloaded = client.get(link.removeprefix("http://127.0.0.1:8000"))
    assert ics_read(downloaded.text)["VEVENT"]["UID"] == f"{booking.code}@satupintu.id"
