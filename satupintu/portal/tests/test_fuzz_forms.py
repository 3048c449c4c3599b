"""Every public form of the portal, each field in turn given bad input: never a server error.

NUL, a lone surrogate (sent as the raw UTF-8 bytes a browser could send), a huge string,
impossible and far-away dates, out-of-range and non-numeric numbers and ids.
"""

from urllib.parse import urlencode

import pytest
from django.test import Client

from satupintu.booking.tests.factories import citizen, open_day, visit_service
from satupintu.complaints.services import report_file

pytestmark = pytest.mark.django_db

BAD_VALUES = [
    "a\x00b",
    "a\ud800b",
    "x" * 100_000,
    "2026-02-30",
    "0001-01-01",
    "9999-12-31",
    "-1",
    "0",
    "99999999999999999999",
    "1e309",
    "abc",
    "",
    "../../etc/passwd",
]


def _post(client: Client, url: str, data: dict[str, str]):
    # surrogatepass: the bytes of a lone surrogate, which Django decodes with replacement.
    body = urlencode(data, encoding="utf-8", errors="surrogatepass")
    return client.post(url, body, content_type="application/x-www-form-urlencoded")


def _get(client: Client, url: str, data: dict[str, str]):
    query = urlencode(data, encoding="utf-8", errors="surrogatepass")
    return client.get(f"{url}?{query}")


@pytest.fixture(autouse=True)
def _registration_not_throttled(settings):
    """Every bad value reaches the registration form, not its throttle (tested on its own)."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "register": "1000/minute",
        },
    }


@pytest.fixture
def world():
    service = visit_service()
    person = citizen()
    filed = report_file(
        mall=service.agency.mall, kind="pengaduan", category="layanan", title="Antre", text="Lama"
    )
    return {"service": service, "citizen": person, "report": filed}


def _forms(world) -> list[tuple[str, str, dict[str, str], bool]]:
    """(method, url, a plausible submission, signed in) of each public form."""
    service, report = world["service"], world["report"]
    tracking = f"/pengaduan/{report.report.tracking_id}/{report.secret}/"
    return [
        ("GET", "/", {"q": "ktp", "page": "1"}, False),
        ("GET", "/lacak/", {"nomor": "12345678", "hp": "7890"}, False),
        ("GET", "/pengaduan/lacak/", {"id": "ABC", "kode": "x"}, False),
        (
            "POST",
            "/daftar/",
            {
                "full_name": "Siti Aminah",
                "nik": "3271014501900002",
                "phone": "081234567890",
                "email": "siti2@example.id",
                "password1": "kunjungan-aman-2020",
                "password2": "kunjungan-aman-2020",
            },
            False,
        ),
        ("POST", "/masuk/", {"username": "siti@example.id", "password": "x"}, False),
        (
            "POST",
            "/pengaduan/",
            {
                "mall": str(service.agency.mall.pk),
                "agency": str(service.agency.pk),
                "kind": "pengaduan",
                "category": "layanan",
                "title": "Antrean",
                "text": "Terlalu lama",
                "event_date": "2026-01-05",
                "location": "Loket 3",
                "name": "Budi",
                "email": "budi@example.id",
                "phone": "081234567891",
            },
            False,
        ),
        ("POST", f"{tracking}tanggapi/", {"action": "rate", "rating": "5", "text": "ok"}, False),
        (
            "POST",
            f"/layanan/{service.pk}/booking/?tanggal={open_day().isoformat()}",
            {"slot": "1", "priority": "", "idempotency_key": "k"},
            True,
        ),
        ("GET", f"/layanan/{service.pk}/booking/", {"tanggal": "2026-01-05", "ubah": "X"}, True),
        (
            "POST",
            f"/layanan/{service.pk}/konsultasi/",
            {"subject": "Syarat", "text": "Apa syaratnya?"},
            True,
        ),
        (
            "POST",
            "/akun/",
            {"full_name": "Siti", "first": "", "language": "id", "email": "", "phone": ""},
            True,
        ),
        ("POST", "/lupa-sandi/", {"login": "siti@example.id"}, False),
        (
            "POST",
            "/lupa-sandi/tautan/x/",
            {"password1": "kunjungan-aman-2020", "password2": "kunjungan-aman-2020"},
            False,
        ),
        ("POST", "/daftar/kode/", {"code": "123456"}, False),
        (
            "POST",
            "/akun/sandi/",
            {"old_password": "x", "new_password1": "a-b-c-d-e-f", "new_password2": "a-b-c-d-e-f"},
            True,
        ),
        ("POST", f"/layanan/{service.pk}/ajukan/", {"nib": "1", "action": "submit"}, True),
        ("GET", "/akun/pesan/", {"page": "1"}, True),
    ]


def test_no_form_answers_a_server_error(world):
    failures = []
    for method, url, plausible, signed_in in _forms(world):
        client = Client(raise_request_exception=False)
        if signed_in:
            client.force_login(world["citizen"])
        send = _post if method == "POST" else _get
        for field in plausible:
            for value in BAD_VALUES:
                response = send(client, url, {**plausible, field: value})
                if response.status_code >= 500:
                    failures.append((method, url, field, value[:20], response.status_code))
    assert failures == []


@pytest.mark.parametrize(
    "url",
    [
        "/layanan/99999999999999999999/",
        "/layanan/99999999999999999999/booking/",
        "/mpp/tidak-ada/",
        "/kunjungan/%ED%A0%80/",
        "/kunjungan/" + "X" * 5000 + "/",
        "/pengaduan/%00/x/",
        "/akun/permohonan/99999999999999999999/",
        "/akun/konsultasi/-1/",
    ],
)
def test_impossible_ids_in_paths_are_not_found_or_refused(world, url):
    client = Client(raise_request_exception=False)
    client.force_login(world["citizen"])
    assert client.get(url).status_code in (400, 404)
