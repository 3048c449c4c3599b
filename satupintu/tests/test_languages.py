"""The reader's language: remembered across / and /en/, kept in the account, followed by the
announcements the system writes and by the links in messages."""

from datetime import time

import pytest
from django.conf import settings
from django.urls import reverse

from satupintu.booking.models import Closure
from satupintu.booking.services.bookings import booking_create
from satupintu.booking.services.closures import closure_record
from satupintu.booking.services.slots import slots_open
from satupintu.booking.tests.factories import citizen, open_day, visit_service
from satupintu.malls.tests.factories import AnnouncementFactory, MallFactory
from satupintu.notify.models import Message

pytestmark = pytest.mark.django_db


def _choose(client, language: str, next_url: str = "/"):
    return client.post(reverse("set_language"), {"language": language, "next": next_url})


def test_the_chosen_language_is_remembered_on_pages_without_a_prefix(client):
    mall = MallFactory()
    chosen = _choose(client, "en", f"/mpp/{mall.slug}/")
    assert chosen.status_code == 302 and chosen["Location"] == f"/en/mpp/{mall.slug}/"

    home = client.get("/", {"q": "ktp"})
    assert home.status_code == 302 and home["Location"] == "/en/?q=ktp"
    assert "Cookie" in home["Vary"]
    assert client.get("/en/").status_code == 200
    # The API and the admin have no /en/ twin; a form's POST is never redirected.
    assert client.get("/api/v1/malls/").status_code == 200
    assert not client.get("/admin/login/").get("Location", "").startswith("/en/")
    posted = client.post("/masuk/", {"username": "x", "password": "y"})
    assert not posted.get("Location", "").startswith("/en/")

    back = _choose(client, "id", "/en/")
    assert back["Location"] == "/"
    page = client.get("/")
    assert page.status_code == 200 and 'lang="id"' in page.text


def test_a_prefixed_link_keeps_its_language_whatever_was_chosen(client):
    _choose(client, "id")
    page = client.get("/en/")
    assert page.status_code == 200 and 'lang="en"' in page.text


def test_without_a_choice_the_default_language_answers(client):
    page = client.get("/")
    assert page.status_code == 200 and 'lang="id"' in page.text


def test_the_switcher_keeps_a_signed_in_persons_choice_in_their_account(client):
    siti = citizen()
    client.force_login(siti)
    _choose(client, "en")
    siti.refresh_from_db()
    assert siti.language == "en"
    _choose(client, "xx")  # not a language of the site: nothing changes
    siti.refresh_from_db()
    assert siti.language == "en"


def test_an_account_in_english_opens_english_pages_after_sign_in(client):
    client.force_login(citizen(language="en"))
    response = client.get("/akun/kunjungan/")
    assert response.status_code == 302 and response["Location"] == "/en/akun/kunjungan/"


def test_an_english_reader_sees_the_english_wording_of_a_closure_and_of_staff_text(client):
    service = visit_service()
    mall = service.agency.mall
    day = open_day()
    closure_record(
        mall=mall,
        kind=Closure.Kind.RESTRICTED,
        decree_number="SK 12/2026",
        reason="Pemeliharaan",
        reason_en="Maintenance",
        starts_on=day,
        ends_on=day,
        opens=time(9),
        closes=time(12),
    )
    AnnouncementFactory(
        mall=mall,
        title="Layanan paspor daring",
        title_en="Passports online",
        body="Ajukan dari rumah.",
        body_en="Apply from home.",
    )
    AnnouncementFactory(mall=mall, title="Hanya bahasa Indonesia", body="Teks.")

    english = client.get(f"/en/mpp/{mall.slug}/").text
    assert f"{mall.name} open only 09.00–12.00" in english
    assert "Booked visits have been moved to the next free time" in english
    assert "Maintenance (SK 12/2026)" in english and "Pemeliharaan" not in english
    assert "Passports online" in english and "Apply from home." in english
    assert "Layanan paspor daring" not in english
    assert "Hanya bahasa Indonesia" in english  # no English given: the Indonesian stays

    # The mall's regular hours say that a rule narrows them now.
    assert f"For now:</strong> {mall.name} open only 09.00–12.00" in english

    indonesian = client.get(f"/mpp/{mall.slug}/").text
    assert f"{mall.name} hanya buka 09.00–12.00" in indonesian
    assert "Pemeliharaan (SK 12/2026)" in indonesian
    assert "Layanan paspor daring" in indonesian and "Passports online" not in indonesian


@pytest.mark.parametrize("language", ["en", "id"])
def test_links_in_messages_follow_the_recipients_language(client, language):
    service = visit_service()
    siti = citizen(language=language)
    booking = booking_create(
        citizen=siti, slot=slots_open(service=service, day=open_day()).slots[0]
    )
    prefix = "/en" if language == "en" else ""
    link = f"{settings.SITE_URL}{prefix}/kunjungan/{booking.code}/"
    other = f"{settings.SITE_URL}{'' if prefix else '/en'}/kunjungan/{booking.code}/"
    bodies = [m.body for m in Message.objects.all()]
    assert any(link in body for body in bodies), bodies
    assert not any(other in body for body in bodies)
