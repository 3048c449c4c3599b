"""Bad input is refused with a 400 before any view; the database down is a 503, not a 500."""

import json

import pytest
from django.db import connection
from rest_framework.test import APIClient

from satupintu.accounts.models import User
from satupintu.booking.models import Slot
from satupintu.booking.tests.factories import open_day, visit_service
from satupintu.middleware import JSON_MAX_DEPTH

pytestmark = pytest.mark.django_db

NUL = "\x00"
SURROGATE = "\ud800"


def _nested(depth: int) -> str:
    return "[" * (depth - 1) + "{}" + "]" * (depth - 1)


def _assert_api_refusal(response, words: str = "") -> None:
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and error["fields"] == {}
    assert words in error["message"]


def test_nul_in_api_path_query_header_form_and_json_is_400():
    api = APIClient()
    users = User.objects.count()
    _assert_api_refusal(api.get("/api/v1/bookings/AB%00CD/"))
    _assert_api_refusal(api.get("/api/v1/services/", {"q": f"ktp{NUL}"}))
    _assert_api_refusal(api.get("/api/v1/services/", {f"q{NUL}": "ktp"}))
    _assert_api_refusal(api.get("/api/v1/malls/", HTTP_IDEMPOTENCY_KEY=f"a{NUL}b"))
    form = {"name": f"Siti{NUL}", "nik": "3271014501900001", "phone": "0812", "password": "x"}
    _assert_api_refusal(api.post("/api/v1/auth/register/", form, format="multipart"))
    body = json.dumps({**form, "name": "Siti"} | {"nested": {"deep": [f"x{NUL}"]}})
    _assert_api_refusal(api.post("/api/v1/auth/register/", body, content_type="application/json"))
    assert User.objects.count() == users


def test_lone_surrogates_in_json_values_and_keys_are_400():
    api = APIClient()
    for body in (
        '{"login": "\\ud800", "password": "x"}',
        '{"login": "siti", "password": "x", "\\udfff": 1}',
        '{"login": "siti", "password": ["a", {"b": "\\udbff"}]}',
    ):
        _assert_api_refusal(
            api.post("/api/v1/auth/token/", body, content_type="application/json"), "NUL"
        )


def test_json_nested_deeper_than_the_limit_is_400_in_the_users_language():
    api = APIClient()
    fine = api.post("/api/v1/auth/token/", _nested(JSON_MAX_DEPTH), content_type="application/json")
    assert fine.status_code == 400 and "JSON" not in fine.json()["error"]["message"]
    too_deep = api.post(
        "/api/v1/auth/token/", _nested(JSON_MAX_DEPTH + 1), content_type="application/json"
    )
    _assert_api_refusal(too_deep, "JSON")
    # Deeper than Python's own recursion limit: still a 400, not a RecursionError.
    very_deep = api.post(
        "/api/v1/auth/token/",
        _nested(100_000),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    _assert_api_refusal(very_deep, "The JSON is nested too deeply.")
    indonesian = api.post(
        "/api/v1/auth/token/", _nested(100), content_type="application/json"
    ).json()
    assert indonesian["error"]["message"] != "The JSON is nested too deeply."


def test_a_malformed_multipart_body_is_refused_not_a_server_error(client):
    for body in (
        b"--b\r\nContent-Disposition: form-data; name=x\r\n\r\nunterminated",
        b"--b\r\nContent-Disposition: form-data; name=x; filename\r\n\r\nfoo\r\n--b--",
        b"garbage without a boundary",
    ):
        api = client.generic(
            "POST", "/api/v1/auth/register/", body, content_type="multipart/form-data; boundary=b"
        )
        assert api.status_code == 400 and api.json()["error"]["code"]
        page = client.generic("POST", "/daftar/", body, content_type="multipart/form-data")
        assert page.status_code < 500


def test_bad_characters_on_pages_get_a_short_400_page(client):
    users = User.objects.count()
    page = client.get("/", {"q": f"ktp{NUL}"})
    assert page.status_code == 400 and b"<h1>" in page.content
    posted = client.post(
        "/daftar/",
        {"full_name": f"Siti{NUL}", "nik": "3271014501900001", "password1": "x"},
    )
    assert posted.status_code == 400
    english = client.get(f"/en/{NUL}")
    assert english.status_code == 400 and b"NUL" in english.content
    assert User.objects.count() == users


def test_slots_outside_the_booking_horizon_are_refused_without_creating_rows():
    api = APIClient()
    service = visit_service()
    for day in ("0001-01-01", "1999-03-01", "2099-03-02", "9999-12-31"):
        response = api.get(f"/api/v1/services/{service.pk}/slots/", {"date": day})
        assert response.status_code == 400, day
        assert list(response.json()["error"]["fields"]) == ["date"]
    impossible = api.get(f"/api/v1/services/{service.pk}/slots/", {"date": "2026-02-30"})
    assert impossible.status_code == 400
    assert Slot.objects.count() == 0
    inside = api.get(f"/api/v1/services/{service.pk}/slots/", {"date": open_day().isoformat()})
    assert inside.status_code == 200 and Slot.objects.count() > 0


def test_the_booking_page_outside_the_horizon_creates_no_slots(client):
    from satupintu.booking.tests.factories import citizen

    service = visit_service()
    client.force_login(citizen())
    for day in ("0001-01-01", "9999-12-31", "2026-02-30", "2026-13-01", "kemarin"):
        response = client.get(f"/layanan/{service.pk}/booking/", {"tanggal": day})
        assert response.status_code == 200, day
    assert not Slot.objects.filter(start__year__in=[1, 9999]).exists()


@pytest.fixture
def database_down():
    """The default connection pointed at a closed port: every query fails to connect."""
    original = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict["PORT"] = "1"
    connection.settings_dict["HOST"] = "127.0.0.1"
    yield
    connection.close()
    connection.settings_dict.clear()
    connection.settings_dict.update(original)


@pytest.mark.django_db(transaction=True)
def test_database_down_is_503_for_the_api_and_a_short_page_for_pages(database_down):
    api = APIClient()
    response = api.get("/api/v1/malls/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 503
    assert response["Retry-After"]
    error = response.json()["error"]
    assert error["code"] == "unavailable" and "temporarily unavailable" in error["message"]
    from django.test import Client

    page = Client().get("/")
    assert page.status_code == 503 and page["Retry-After"]
    assert b"<h1>" in page.content
