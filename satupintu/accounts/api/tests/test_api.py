"""API v1 for citizens' accounts: registering, and tokens by NIK or email."""

import re

import pytest
from rest_framework.test import APIClient

from satupintu.accounts.models import User
from satupintu.malls.tests.factories import UserFactory
from satupintu.notify.models import Event, Message

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def _token(api, login="siti@example.id", password="kunjungan-aman-2020"):
    return api.post("/api/v1/auth/token/", {"login": login, "password": password}).json()


def _register(api, body):
    """Both steps: the details, then the code sent to the phone (or email)."""
    started = api.post("/api/v1/auth/register/", body)
    assert started.status_code == 202, started.json()
    sent = Message.objects.filter(event=Event.REGISTRATION_CODE).latest("pk")
    code = re.search(r"\b(\d{6})\b", sent.body).group(1)
    registration = started.json()["registration"]
    return api.post("/api/v1/auth/register/confirm/", {"registration": registration, "code": code})


def test_register_then_get_a_token_with_nik_or_email(api):
    body = {
        "name": "Siti Aminah",
        "nik": "3271014501900001",
        "phone": "081234567890",
        "email": "siti@example.id",
        "password": "kunjungan-aman-2020",
    }
    created = _register(api, body)
    assert created.status_code == 201 and created.json()["token"]
    by_nik, by_email = _token(api, "3271014501900001")["token"], _token(api)["token"]
    # Each sign-in makes its own token (only hashes are kept, so none can be shown again).
    assert len({created.json()["token"], by_nik, by_email}) == 3
    for token in (created.json()["token"], by_nik, by_email):
        api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        assert api.get("/api/v1/auth/tokens/").status_code == 200
    api.credentials()
    wrong = api.post("/api/v1/auth/token/", {"login": "siti@example.id", "password": "x"})
    assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "invalid_login"


def test_a_bad_nik_is_refused_in_indonesian(api):
    response = api.post(
        "/api/v1/auth/register/",
        {
            "name": "X",
            "nik": "3271019999999999",
            "phone": "081234567890",
            "password": "p4ss-kuat-2020",
        },
    )
    assert response.status_code == 400
    assert "16 digit" in response.json()["error"]["fields"]["nik"][0]


def test_a_nik_in_other_digits_registers_once_in_ascii(api):
    body = {
        "name": "Siti Aminah",
        "nik": "３２７１-０１４５-０１９０-０００１",
        "phone": "081234567890",
        "password": "kunjungan-aman-2020",
    }
    created = _register(api, body)
    assert created.status_code == 201
    assert User.objects.get().nik == "3271014501900001"
    again = api.post("/api/v1/auth/register/", {**body, "nik": "3271 0145 0190 0001"})
    assert again.status_code == 202  # the same answer as for a new NIK
    assert User.objects.count() == 1


def test_a_known_nik_is_not_revealed_and_its_code_opens_nothing(api):
    owner = UserFactory(nik="3271014501900001", email="pemilik@example.id")
    body = {
        "name": "Orang Lain",
        "nik": "3271014501900001",
        "phone": "081911112222",
        "password": "kunjungan-aman-2020",
    }
    taken = api.post("/api/v1/auth/register/", body)
    free = api.post("/api/v1/auth/register/", {**body, "nik": "3271014501900002"})
    assert taken.status_code == free.status_code == 202
    assert set(taken.json()) == set(free.json())
    assert taken.json()["detail"] == free.json()["detail"]
    assert Message.objects.get(user=owner).event == Event.PASSWORD_RESET
    for guess in ("000000", "123456"):
        refused = api.post(
            "/api/v1/auth/register/confirm/",
            {"registration": taken.json()["registration"], "code": guess},
        )
        assert refused.status_code == 400
        assert refused.json()["error"]["code"] == "code_invalid"
    assert User.objects.count() == 1


def test_a_registration_code_works_once(api):
    body = {
        "name": "Siti",
        "nik": "3271014501900001",
        "phone": "081234567890",
        "password": "kunjungan-aman-2020",
    }
    started = api.post("/api/v1/auth/register/", body).json()
    code = re.search(r"\b(\d{6})\b", Message.objects.get().body).group(1)
    confirm = {"registration": started["registration"], "code": code}
    assert api.post("/api/v1/auth/register/confirm/", confirm).status_code == 201
    assert api.post("/api/v1/auth/register/confirm/", confirm).status_code == 400


def test_a_name_too_long_to_keep_whole_is_refused_not_cut(api):
    body = {"name": "Siti " + "A" * 146, "nik": "3271014501900001", "phone": "081234567890"}
    refused = api.post("/api/v1/auth/register/", {**body, "password": "kunjungan-aman-2020"})
    assert refused.status_code == 400
    assert "150" in refused.json()["error"]["fields"]["name"][0]
    assert not User.objects.exists()
