"""Staff give a second factor (TOTP or a recovery code) before the back office, the admin or
the API; citizens may set one up, and are then asked for it too."""

import re

import pytest
from django.core.management import call_command
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from satupintu.accounts.models import User
from satupintu.demo import seed as demo
from satupintu.malls.models import StaffMembership
from satupintu.malls.tests.factories import AgencyFactory, UserFactory, staff_member

pytestmark = pytest.mark.django_db

PASSWORD = "secret-pass-123"  # UserFactory's


@pytest.fixture(autouse=True)
def _second_factor_on(settings):
    settings.TWO_FACTOR_REQUIRED = True


def _code(device: TOTPDevice) -> str:
    """What the person's authenticator app shows now."""
    return f"{totp(device.bin_key, device.step, device.t0, device.digits):06d}"


def _officer() -> User:
    return staff_member(StaffMembership.Role.VERIFIER, agency=AgencyFactory())


def _staff_kinds():
    return {
        "officer": _officer(),
        "is_staff": UserFactory(is_staff=True),
        "superuser": UserFactory(is_staff=True, is_superuser=True),
    }


def _with_device(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Telepon", confirmed=True)


STAFF_PLACES = ["/petugas/permohonan/", "/admin/", "/en/petugas/permohonan/"]


def test_staff_without_a_second_factor_are_sent_to_set_one_up(client):
    for kind, user in _staff_kinds().items():
        client.force_login(user)
        for place in STAFF_PLACES:
            answer = client.get(place)
            assert answer.status_code == 302, (kind, place)
            assert answer["Location"].split("?")[0].endswith("/akun/2fa/daftar/"), (kind, place)
            assert "next=" in answer["Location"]
        api = client.get("/api/v1/staff/applications/")
        assert api.status_code == 403
        assert api.json()["error"]["code"] == "two_factor_required"


def test_staff_with_a_device_are_asked_for_it_after_the_password(client, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # django-otp's own pause after a wrong code
    user = _officer()
    device = _with_device(user)
    signed_in = client.post("/masuk/", {"username": user.username, "password": PASSWORD})
    assert signed_in.status_code == 302
    asked = client.get("/petugas/permohonan/")
    assert asked["Location"] == "/akun/2fa/?next=%2Fpetugas%2Fpermohonan%2F"
    wrong = client.post("/akun/2fa/", {"code": "000000", "next": "/petugas/permohonan/"})
    assert wrong.status_code == 200 and 'role="alert"' in wrong.content.decode()
    assert client.get("/petugas/permohonan/").status_code == 302
    right = client.post("/akun/2fa/", {"code": _code(device), "next": "/petugas/permohonan/"})
    assert right["Location"] == "/petugas/permohonan/"
    assert client.get("/petugas/permohonan/").status_code == 200


def test_enrolment_shows_a_qr_code_and_gives_recovery_codes_once(client):
    user = _officer()
    client.force_login(user)
    page = client.get("/akun/2fa/daftar/?next=/admin/")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'src="data:image/svg+xml' in body
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    wrong = client.post("/akun/2fa/daftar/", {"code": "123", "next": "/admin/"})
    assert wrong.status_code == 200 and not TOTPDevice.objects.filter(confirmed=True).exists()
    done = client.post("/akun/2fa/daftar/", {"code": _code(device), "next": "/admin/"})
    codes = re.findall(r"<li><code>(\w+)</code></li>", done.content.decode())
    assert len(codes) == 10
    assert set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True)) == (
        set(codes)
    )
    assert client.get("/admin/").status_code == 200  # verified in this session
    # A second visit to the page gives no secret of the confirmed device away.
    again = client.get("/akun/2fa/daftar/").content.decode()
    assert device.key not in again


def test_a_recovery_code_signs_in_once(client):
    user = _officer()
    _with_device(user)
    client.force_login(user)
    client.get("/akun/2fa/daftar/")  # redirected: a device exists, it must be given first
    client.post("/akun/2fa/daftar/", {"action": "recovery"})  # refused the same way
    assert not StaticToken.objects.exists()
    from satupintu.accounts.services import recovery_codes_renew

    code = recovery_codes_renew(user=user)[0]
    assert client.post("/akun/2fa/", {"code": code, "next": "/admin/"})["Location"] == "/admin/"
    client.logout()
    client.force_login(user)
    reused = client.post("/akun/2fa/", {"code": code, "next": "/admin/"})
    assert reused.status_code == 200
    assert client.get("/admin/").status_code == 302


def test_citizens_need_no_second_factor_until_they_set_one_up(client):
    citizen = UserFactory()
    client.force_login(citizen)
    assert client.get("/akun/").status_code == 200
    assert client.get("/akun/2fa/daftar/").status_code == 200  # they may
    _with_device(citizen)
    client.logout()
    client.post("/masuk/", {"username": citizen.username, "password": PASSWORD})
    assert client.get("/akun/")["Location"].startswith("/akun/2fa/?next=")


def test_wrong_codes_count_towards_the_lockout(client, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    user = _officer()
    device = _with_device(user)
    client.force_login(user)
    for _attempt in range(3):
        client.post("/akun/2fa/", {"code": "000000"})
    locked = client.post("/akun/2fa/", {"code": _code(device)})
    assert "Terlalu banyak" in locked.content.decode()
    assert client.get("/admin/").status_code == 302


def test_the_right_password_alone_does_not_reset_the_count_of_wrong_codes(
    client, settings, no_device_pause
):
    """Someone who knows the password cannot sign in again between code guesses to start
    the count afresh: only both factors right reset it."""
    settings.LOGIN_FAILURE_LIMIT = 3
    user = _officer()
    device = _with_device(user)
    for _attempt in range(3):
        client.post("/masuk/", {"username": user.username, "password": PASSWORD})
        client.post("/akun/2fa/", {"code": "000000"})
    locked = client.post("/masuk/", {"username": user.username, "password": PASSWORD})
    assert "Terlalu banyak" in locked.content.decode()
    client.force_login(user)
    assert "Terlalu banyak" in client.post("/akun/2fa/", {"code": _code(device)}).text


def test_both_factors_right_start_the_count_afresh(client, settings, no_device_pause):
    settings.LOGIN_FAILURE_LIMIT = 3
    user = _officer()
    device = _with_device(user)
    client.post("/masuk/", {"username": user.username, "password": PASSWORD})
    for _attempt in range(2):
        client.post("/akun/2fa/", {"code": "000000"})
    assert client.post("/akun/2fa/", {"code": _code(device)}).status_code == 302
    client.logout()
    client.post("/masuk/", {"username": user.username, "password": PASSWORD})
    client.post("/akun/2fa/", {"code": "000000"})
    assert "Terlalu banyak" not in client.post("/akun/2fa/", {"code": "000000"}).text


def test_demo_staff_sign_in_with_the_printed_key(client, capsys):
    call_command("seed_demo", "--no-history")
    assert demo.DEMO_TOTP_BASE32 in capsys.readouterr().out
    device = TOTPDevice.objects.get(user__username="pengelola.bogor")
    client.post("/masuk/", {"username": "pengelola.bogor", "password": demo.DEMO_PASSWORD})
    answer = client.post("/akun/2fa/", {"code": _code(device), "next": "/admin/"})
    assert answer["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_the_setting_off_lets_staff_in_without_it(client, settings):
    settings.TWO_FACTOR_REQUIRED = False
    client.force_login(_officer())
    assert client.get("/petugas/permohonan/").status_code == 200


@pytest.mark.parametrize(
    "next_", ["892555", "portal:inbox", "//evil.example/", "https://x.example/"]
)
def test_a_code_given_with_a_foreign_or_bare_next_lands_home(client, next_):
    user = _officer()
    device = _with_device(user)
    client.post("/masuk/", {"username": user.username, "password": PASSWORD})
    right = client.post("/akun/2fa/", {"code": _code(device), "next": next_})
    assert right.status_code == 302
    assert right["Location"] == "/"


# The citizens' token endpoint (POST /api/v1/auth/token/) ------------------------------------


def _token(user: User, **extra):
    from rest_framework.test import APIClient

    body = {"login": user.username, "password": PASSWORD, **extra}
    return APIClient().post("/api/v1/auth/token/", body, HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def no_device_pause(settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # django-otp's own pause after a wrong code
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


def test_a_citizen_with_a_device_gets_a_token_only_with_its_code(no_device_pause):
    from satupintu.accounts.models import ApiToken

    citizen = UserFactory()
    device = _with_device(citizen)
    missing = _token(citizen)
    assert missing.status_code == 403
    assert missing.json()["error"]["code"] == "otp_required"
    assert "token" not in missing.json()
    wrong = _token(citizen, otp="000000" if _code(device) != "000000" else "111111")
    assert wrong.status_code == 403 and wrong.json()["error"]["code"] == "otp_invalid"
    assert not ApiToken.objects.exists()
    right = _token(citizen, otp=_code(device))
    assert right.status_code == 200 and right.json()["token"]
    assert ApiToken.objects.filter(user=citizen).count() == 1


def test_a_recovery_code_gives_one_token_and_is_used_up(no_device_pause):
    from satupintu.accounts.services import recovery_codes_renew

    citizen = UserFactory()
    _with_device(citizen)
    code = recovery_codes_renew(user=citizen)[0]
    assert _token(citizen, otp=code).status_code == 200
    again = _token(citizen, otp=code)
    assert again.status_code == 403 and again.json()["error"]["code"] == "otp_invalid"
    assert not StaticToken.objects.filter(token=code).exists()


def test_wrong_codes_at_the_token_endpoint_lock_the_account_out(settings, no_device_pause):
    settings.LOGIN_FAILURE_LIMIT = 3
    citizen = UserFactory()
    device = _with_device(citizen)
    wrong = "000000" if _code(device) != "000000" else "111111"
    assert _token(citizen, otp=wrong).json()["error"]["code"] == "otp_invalid"
    assert _token(citizen, otp=wrong).json()["error"]["code"] == "otp_invalid"
    # The right password without a code does not start the count afresh.
    assert _token(citizen).json()["error"]["code"] == "otp_required"
    assert _token(citizen, otp=wrong).json()["error"]["code"] == "otp_invalid"
    locked = _token(citizen, otp=_code(device))
    assert locked.status_code == 429 and locked.json()["error"]["code"] == "locked_out"


def test_a_citizen_without_a_device_needs_no_code_for_a_token():
    citizen = UserFactory()
    assert _token(citizen).status_code == 200
    # An authenticator set up halfway (never confirmed) asks nothing yet.
    TOTPDevice.objects.create(user=citizen, name="Telepon", confirmed=False)
    assert _token(citizen).status_code == 200
