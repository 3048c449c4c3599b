"""A citizen's whole journey, mistakes included: no line of the logs names their NIK, phone or
email, every line is JSON, and every line written while serving a request carries its id."""

import io
import json
import re

import pytest
from django.urls import reverse

from satupintu.booking.models import Booking
from satupintu.booking.tests.factories import open_day, visit_service
from satupintu.demo.seed import CITIZEN_NIK
from satupintu.notify.models import Event, Message
from satupintu.notify.tests.factories import ensure_default_template

pytestmark = pytest.mark.django_db(transaction=True)

EMAIL = "warga@demo.satupintu.id"
PASSWORD = "kunjungan-aman-2020"
# The demo citizen's phone, +6281234567890, as people and programs write it.
PHONE_WRITTEN = [
    "+6281234567890",
    "6281234567890",
    "081234567890",
    "81234567890",
    "0812-3456-7890",
    "0812 3456 7890",
    "0812.3456.7890",
    "+62 812-3456-7890",
    "+62 812 3456 7890",
    "%2B6281234567890",
]
NEVER_LOGGED = [CITIZEN_NIK, EMAIL, EMAIL.replace("@", "%40"), *PHONE_WRITTEN]


class Journey:
    """The test client, remembering which log lines each request wrote and its id."""

    def __init__(self, client, buffer: io.StringIO) -> None:
        self.client, self.buffer = client, buffer
        self.requests: list[tuple[str, int, int, str]] = []

    def _lines(self) -> int:
        return len(self.buffer.getvalue().splitlines())

    def __call__(self, method: str, path: str, data=None, **extra):
        before = self._lines()
        response = getattr(self.client, method)(path, data, **extra)
        self.requests.append((f"{method} {path}", before, self._lines(), response["X-Request-ID"]))
        return response


def test_a_citizens_journey_leaves_no_personal_data_in_the_logs(client, smtp_server, captured):
    # An earlier transactional test may have flushed the default wording (migrations).
    for event in (Event.REGISTRATION_CODE, Event.BOOKING_CONFIRMED, Event.COMPLAINT_FILED):
        ensure_default_template(event, "email")
    service = visit_service(places=2)
    go = Journey(client, captured)
    registration = {
        "full_name": "Siti Aminah",
        "nik": CITIZEN_NIK,
        "phone": "0812-3456-7890",
        "email": EMAIL,
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    started = go("post", reverse("portal:register"), registration)
    assert started.status_code == 302
    sent = Message.objects.filter(event=Event.REGISTRATION_CODE).latest("pk")
    code = re.search(r"\b(\d{6})\b", sent.body).group(1)
    assert go("post", started.url, {"code": code}).status_code == 302
    go("post", reverse("portal:logout"))

    # Mistakes on the way: a wrong password given with the email, paths naming the NIK.
    wrong = go("post", reverse("portal:login"), {"username": EMAIL, "password": "salah-sekali"})
    assert wrong.status_code == 200
    assert go("get", f"/akun/{CITIZEN_NIK}/").status_code == 404
    assert go("get", f"/cari/{EMAIL}/+6281234567890/").status_code == 404
    go("get", reverse("portal:password-link", args=["Zx9-secret_Link"]))
    go("get", reverse("portal:tracking"), {"nomor": "MPP-2026-000001", "telepon": "081234567890"})
    go("get", "/api/v1/track/MPP-2026-000001/", HTTP_X_REQUEST_ID=EMAIL)

    signed_in = go("post", reverse("portal:login"), {"username": CITIZEN_NIK, "password": PASSWORD})
    assert signed_in.status_code == 302

    day = open_day()
    page = go("get", reverse("portal:book", args=[service.pk]), {"tanggal": day.isoformat()})
    slot_id = int(re.search(r'name="slot" value="(\d+)"', page.text).group(1))
    key = re.search(r'name="idempotency_key" value="(\w+)"', page.text).group(1)
    url = reverse("portal:book", args=[service.pk]) + f"?tanggal={day}"
    booked = go("post", url, {"slot": slot_id, "idempotency_key": key})
    assert booked.status_code == 302
    booking = Booking.objects.get(citizen__nik=CITIZEN_NIK)
    go("get", booked.url)
    go("get", reverse("portal:booking-ics", args=[booking.code]))

    report = {
        "mall": service.agency.mall.pk,
        "kind": "pengaduan",
        "category": "biaya",
        "title": "Pungutan di loket",
        "text": f"Saya {CITIZEN_NIK} diminta membayar; hubungi 0812 3456 7890 atau {EMAIL}.",
        "name": "Siti Aminah",
        "email": EMAIL,
        "phone": "+6281234567890",
    }
    filed = go("post", reverse("portal:report-new"), report)
    assert filed.status_code == 302
    go("get", filed.url)

    # The notifications went out, through the outbox, to a real SMTP server.
    assert smtp_server.inbox.wait_for(2, timeout=10)
    assert any(EMAIL in str(m["To"]) for m in smtp_server.inbox.messages)

    text = captured.getvalue()
    lines = [json.loads(line) for line in text.splitlines()]
    for written in NEVER_LOGGED:
        assert written.lower() not in text.lower(), written
    for name, first, last, request_id in go.requests:
        assert first < last, f"{name} wrote no line"
        for line in lines[first:last]:
            if line["logger"] == "mail.log":
                continue  # the SMTP server standing in for the mail provider, in its own thread
            assert line["request_id"] == request_id, (name, line)
    messages = [line["message"] for line in lines]
    assert any(m.startswith("Failed sign-in at portal: account ") for m in messages)
    assert "Not Found: /akun/*/" in messages and "Not Found: /cari/*/*/" in messages
    paths = {line.get("path") for line in lines if line["logger"] == "satupintu.request"}
    assert {"/lupa-sandi/tautan/*/", "/api/v1/track/*/", "/kunjungan/*/"} <= paths
    ours = "\n".join(json.dumps(line) for line in lines if line["logger"] != "mail.log")
    assert booking.code not in ours and filed.url.split("/")[3] not in ours  # codes, secrets
