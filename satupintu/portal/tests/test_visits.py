"""A citizen registers with their NIK, books a visit, sees its QR code, moves and cancels it."""

import re

import pytest
from django.urls import reverse

from satupintu.accounts.models import User
from satupintu.booking.models import Booking, Slot
from satupintu.booking.services.bookings import booking_create
from satupintu.booking.services.slots import slots_open
from satupintu.booking.tests.factories import citizen, open_day, visit_service
from satupintu.malls.tests.factories import UserFactory
from satupintu.notify.models import Event, Message

pytestmark = pytest.mark.django_db
REGISTRATION = {
    "full_name": "Siti Aminah",
    "nik": "3271014501900001",
    "phone": "0812-3456-7890",
    "email": "siti@example.id",
    "password1": "kunjungan-aman-2020",
    "password2": "kunjungan-aman-2020",
}


def _register(client, data, next_=""):
    """/daftar/, then the code sent to the phone: the account is opened and signed in."""
    query = f"?next={next_}" if next_ else ""
    start = client.post(reverse("portal:register") + query, data)
    assert start.status_code == 302
    sent = Message.objects.filter(event=Event.REGISTRATION_CODE).latest("pk")
    code = re.search(r"\b(\d{6})\b", sent.body).group(1)
    return client.post(start.url, {"code": code})


def test_a_citizen_registers_with_their_nik_and_signs_in_with_it(client):
    response = _register(client, REGISTRATION)
    assert response.status_code == 302
    siti = User.objects.get(nik="3271014501900001")
    assert siti.phone == "+6281234567890"
    assert siti.notification_channels == ["whatsapp", "email"]
    client.logout()
    assert client.login(username="3271014501900001", password="kunjungan-aman-2020")
    assert client.login(username="siti@example.id", password="kunjungan-aman-2020")


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("nik", "3271019999999999", "16 digit"),
        ("nik", "32710145019", "16"),
        ("phone", "12", "nomor telepon"),
        ("password2", "lain-sekali-2020", "berbeda"),
        ("full_name", "Siti " + "A" * 146, "paling banyak 150 karakter"),
    ],
)
def test_bad_registration_is_explained_and_creates_nothing(client, field, value, error):
    page = client.post(reverse("portal:register"), {**REGISTRATION, field: value})
    assert page.status_code == 200
    assert error in str(page.context["form"].errors)
    assert not User.objects.exists()


def test_a_taken_nik_is_not_revealed_and_its_owner_is_told(client):
    owner = UserFactory(nik="3271014501900001", email="pemilik@example.id")
    page = client.post(reverse("portal:register"), REGISTRATION)
    assert page.status_code == 302 and page.url == reverse("portal:register-code")
    assert Message.objects.get().user == owner


def test_booking_from_the_service_page_to_the_confirmation(client):
    service = visit_service(places=2)
    siti = citizen()
    client.force_login(siti)
    day = open_day()
    page = client.get(reverse("portal:book", args=[service.pk]), {"tanggal": day.isoformat()})
    assert page.status_code == 200
    assert "2 tempat tersisa" in page.text
    slot_id = int(re.search(r'name="slot" value="(\d+)"', page.text).group(1))
    key = re.search(r'name="idempotency_key" value="(\w+)"', page.text).group(1)

    url = reverse("portal:book", args=[service.pk]) + f"?tanggal={day}"
    first = client.post(url, {"slot": slot_id, "idempotency_key": key})
    again = client.post(url, {"slot": slot_id, "idempotency_key": key})  # a double click
    assert first.status_code == again.status_code == 302 and first.url == again.url
    booking = Booking.objects.get(citizen=siti)
    assert Slot.objects.get(pk=slot_id).booked == 1

    confirmation = client.get(first.url)
    assert booking.code in confirmation.text and "<svg" in confirmation.text
    ics = client.get(reverse("portal:booking-ics", args=[booking.code]))
    assert ics["Content-Type"].startswith("text/calendar") and b"BEGIN:VEVENT" in ics.content


def test_a_full_time_answers_409_with_the_next_free_times(client):
    service = visit_service(places=1)
    slot = slots_open(service=service, day=open_day()).slots[0]
    booking_create(citizen=citizen(), slot=slot)
    client.force_login(citizen())
    page = client.post(reverse("portal:book", args=[service.pk]), {"slot": slot.pk})
    assert page.status_code == 409
    assert "penuh" in page.text and "Waktu kosong berikutnya" in page.text


def test_a_slot_of_another_service_is_refused(client):
    service = visit_service()
    other_slot = slots_open(service=visit_service(), day=open_day()).slots[0]
    client.force_login(citizen())
    page = client.post(reverse("portal:book", args=[service.pk]), {"slot": other_slot.pk})
    assert page.status_code == 409
    assert not Booking.objects.exists()


def test_someone_elses_booking_code_shows_nothing(client):
    service = visit_service()
    booking = booking_create(
        citizen=citizen(), slot=slots_open(service=service, day=open_day()).slots[0]
    )
    client.force_login(citizen())
    for name in ("portal:booking", "portal:booking-ics"):
        assert client.get(reverse(name, args=[booking.code])).status_code == 404
    assert client.post(reverse("portal:booking-cancel", args=[booking.code])).status_code == 404
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_move_then_cancel_from_the_booking_page(client):
    service = visit_service(places=1)
    siti = citizen()
    slots = slots_open(service=service, day=open_day()).slots
    booking = booking_create(citizen=siti, slot=slots[0])
    client.force_login(siti)
    moved = client.post(
        reverse("portal:book", args=[service.pk]) + f"?ubah={booking.code}", {"slot": slots[1].pk}
    )
    assert moved.status_code == 302
    booking.refresh_from_db()
    assert booking.slot_id == slots[1].pk
    client.post(reverse("portal:booking-cancel", args=[booking.code]))
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert [Slot.objects.get(pk=s.pk).booked for s in slots[:2]] == [0, 0]


def test_booking_needs_a_signed_in_citizen(client):
    service = visit_service()
    response = client.get(reverse("portal:book", args=[service.pk]))
    assert response.status_code == 302 and reverse("portal:login") in response.url


def test_a_moved_booking_is_accepted_on_its_page(client):
    from satupintu.booking.models import Closure
    from satupintu.booking.services.closures import closure_record

    service = visit_service()
    siti = citizen()
    day = open_day()
    booking = booking_create(citizen=siti, slot=slots_open(service=service, day=day).slots[0])
    closure_record(
        mall=service.agency.mall,
        kind=Closure.Kind.CLOSED,
        decree_number="443.1/1215.DPMPTSP",
        reason="Sterilisasi",
        starts_on=day,
        ends_on=day,
    )
    client.force_login(siti)
    page = client.get(reverse("portal:booking", args=[booking.code]))
    assert "443.1/1215.DPMPTSP" in page.text and "Terima waktu baru" in page.text
    client.post(reverse("portal:booking-accept", args=[booking.code]))
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_a_nik_typed_in_full_width_digits_is_stored_in_ascii_and_counts_as_taken(client):
    response = _register(client, {**REGISTRATION, "nik": "３２７１ ０１４５-０１９０.０００１"})
    assert response.status_code == 302
    assert User.objects.get().nik == "3271014501900001"
    client.logout()
    assert client.login(username="３２７１０１４５０１９００００１", password="kunjungan-aman-2020")
    client.logout()
    client.post(
        reverse("portal:register"),
        {**REGISTRATION, "nik": "٣٢٧١٠١٤٥٠١٩٠٠٠٠١", "email": "lain@example.id"},
    )
    assert Message.objects.filter(event=Event.PASSWORD_RESET).count() == 1  # to the owner
    assert User.objects.count() == 1


def test_a_foreign_or_landline_whatsapp_number_is_refused_on_registration(client):
    for phone in ("021 5550123", "+1 650 253 0000"):
        page = client.post(reverse("portal:register"), {**REGISTRATION, "phone": phone})
        assert page.status_code == 200
        assert "phone" in page.context["form"].errors
    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("next_", "lands"),
    [
        ("/kunjungan/", "/kunjungan/"),
        ("portal:inbox", "/"),  # a URL name is not a place to go
        ("892555", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example/", "/"),
        ("https://evil.example/", "/"),
    ],
)
def test_registration_goes_on_only_to_a_path_of_this_site(client, next_, lands):
    response = _register(client, REGISTRATION, next_=next_)
    assert response.status_code == 302
    assert response["Location"] == lands
