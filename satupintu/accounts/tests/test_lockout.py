"""Failed sign-ins lock an account and a client out, on every sign-in, in a shared store."""

import logging
import os

import pytest
import redis
from django.core.cache.backends.redis import RedisCache
from django.test import RequestFactory
from rest_framework.test import APIClient

from satupintu.accounts.clientip import client_ip
from satupintu.accounts.models import User
from satupintu.notify.models import Event, Message

pytestmark = pytest.mark.django_db

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/12")
NIK = "3271014501900001"
PASSWORD = "kunjungan-aman-2020"


@pytest.fixture(autouse=True)
def _small_limits(settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    settings.LOGIN_CLIENT_FAILURE_LIMIT = 6
    settings.LOGIN_LOCKOUT_SECONDS = 900


@pytest.fixture
def siti():
    user = User(username=NIK, nik=NIK, email="siti@example.id", first_name="Siti")
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def admin_user():
    return User.objects.create_superuser("admin", "admin@example.id", PASSWORD)


def _portal(client, login, password, **extra):
    return client.post("/masuk/", {"username": login, "password": password}, **extra)


def _admin(client, login, password, **extra):
    return client.post(
        "/admin/login/?next=/admin/", {"username": login, "password": password}, **extra
    )


def _api(api, login, password, **extra):
    return api.post("/api/v1/auth/token/", {"login": login, "password": password}, **extra)


# The client address -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "", "10.0.0.9"),
        (0, "1.2.3.4", "10.0.0.9"),  # no proxy trusted: the header is the client's own words
        (0, "1.2.3.4, 5.6.7.8", "10.0.0.9"),
        (1, "", "10.0.0.9"),
        (1, "1.2.3.4", "1.2.3.4"),  # what our one proxy saw
        (1, "6.6.6.6, 1.2.3.4", "1.2.3.4"),  # the client wrote 6.6.6.6 itself
        (2, "6.6.6.6, 1.2.3.4, 172.16.0.2", "1.2.3.4"),
        (2, "1.2.3.4", "1.2.3.4"),
    ],
)
def test_the_client_address_comes_from_trusted_proxies_only(settings, proxies, forwarded, expected):
    settings.NUM_PROXIES = proxies
    meta = {"REMOTE_ADDR": "10.0.0.9"}
    if forwarded:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    assert client_ip(RequestFactory().get("/", **meta)) == expected


# The lock-out on each sign-in ---------------------------------------------------------------


def test_the_portal_locks_an_account_out_even_for_the_right_password(client, siti):
    for _attempt in range(3):
        assert 'role="alert"' in _portal(client, NIK, "wrong").content.decode()
    locked = _portal(client, NIK, PASSWORD)
    assert locked.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "Terlalu banyak" in locked.content.decode()  # Indonesian: the default language


def test_a_locked_account_is_locked_by_any_of_its_logins(client, siti):
    for login in (NIK, "siti@example.id", "SITI@example.id"):
        _portal(client, login, "wrong")
    assert "Terlalu banyak" in _portal(client, "siti@example.id", PASSWORD).content.decode()


def test_a_nik_written_differently_counts_on_the_same_account(client, siti):
    spellings = ["3271-0145-0190-0001", "３２７１０１４５０１９００００１", "3271.0145.0190.0001"]
    for login in spellings:
        _portal(client, login, "wrong")
    locked = _portal(client, NIK, PASSWORD)
    assert "_auth_user_id" not in client.session
    assert "Terlalu banyak" in locked.content.decode()


def test_a_right_password_before_the_limit_resets_the_account(client, siti):
    for _attempt in range(2):
        _portal(client, NIK, "wrong")
    assert _portal(client, NIK, PASSWORD).status_code == 302
    client.logout()
    for _attempt in range(2):
        _portal(client, NIK, "wrong")
    assert _portal(client, NIK, PASSWORD).status_code == 302


def test_the_admin_locks_out_and_says_so(client, admin_user):
    for _attempt in range(3):
        assert _admin(client, "admin", "wrong").status_code == 200
    locked = _admin(client, "admin", PASSWORD)
    assert locked.status_code == 200 and "_auth_user_id" not in client.session
    assert "Terlalu banyak" in locked.content.decode()


def test_the_token_api_answers_429_with_the_error_body(siti):
    api = APIClient()
    for _attempt in range(3):
        assert _api(api, NIK, "wrong").status_code == 400
    locked = _api(api, NIK, PASSWORD, HTTP_ACCEPT_LANGUAGE="en")
    assert locked.status_code == 429
    assert locked["Retry-After"] == "900"
    error = locked.json()["error"]
    assert error["code"] == "locked_out" and "Wait 15 minutes" in error["message"]
    assert "token" not in locked.json()


def test_failures_count_across_portal_admin_and_api(client, siti):
    _portal(client, NIK, "wrong")
    _admin(client, NIK, "wrong")
    _api(APIClient(), NIK, "wrong")
    assert _api(APIClient(), NIK, PASSWORD).status_code == 429


def test_one_client_guessing_many_accounts_is_locked_out(client, siti):
    for number in range(6):
        _portal(client, f"nobody{number}@example.id", "wrong")
    assert "Terlalu banyak" in _portal(client, NIK, PASSWORD).content.decode()
    # Another client is not: only the guesser's address is.
    other = _portal(client.__class__(), NIK, PASSWORD, REMOTE_ADDR="10.1.1.1")
    assert other.status_code == 302


def test_a_spoofed_forwarded_for_does_not_escape_the_lockout(client, siti):
    for number in range(6):
        _portal(
            client, f"nobody{number}@example.id", "wrong", HTTP_X_FORWARDED_FOR=f"9.9.9.{number}"
        )
    locked = _portal(client, "someone@example.id", "x", HTTP_X_FORWARDED_FOR="8.8.8.8")
    assert "Terlalu banyak" in locked.content.decode()


def test_behind_one_proxy_the_proxys_view_is_the_client(settings, client, siti):
    settings.NUM_PROXIES = 1
    for number in range(6):
        _portal(client, f"nobody{number}@example.id", "wrong", HTTP_X_FORWARDED_FOR="1.2.3.4")
    # The same proxy (REMOTE_ADDR) forwards another client: not locked out.
    assert _portal(client, NIK, PASSWORD, HTTP_X_FORWARDED_FOR="5.6.7.8").status_code == 302
    client.logout()
    locked = _portal(client, NIK, PASSWORD, HTTP_X_FORWARDED_FOR="6.6.6.6, 1.2.3.4")
    assert "Terlalu banyak" in locked.content.decode()


def test_failures_are_logged_without_password_or_nik(client, siti, caplog):
    with caplog.at_level(logging.WARNING, logger="satupintu.accounts.lockout"):
        _portal(client, NIK, "rahasia-salah-123")
        _api(APIClient(), "siti@example.id", "rahasia-salah-123")
    records = [r for r in caplog.records if r.name == "satupintu.accounts.lockout"]
    assert len(records) == 2
    logged = caplog.text
    assert "Failed sign-in" in logged and "127.0.0.1" in logged
    for secret in ("rahasia-salah-123", NIK, "siti@example.id", "siti"):
        assert secret not in logged


# A store shared by every worker --------------------------------------------------------------


@pytest.fixture
def shared_cache(settings):
    """The default cache on a real Redis, as production runs it (CACHE_URL=redis://...)."""
    redis.Redis.from_url(REDIS_URL).flushdb()
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    yield
    redis.Redis.from_url(REDIS_URL).flushdb()


def test_failures_in_one_worker_lock_out_in_another(shared_cache, siti):
    # Each test client stands for a worker; a second Redis client sees the same counters.
    for _attempt in range(3):
        _api(APIClient(), NIK, "wrong")
    other_worker = RedisCache(REDIS_URL, {})
    assert other_worker.get(f"login-fail:user:{siti.pk}") == 3
    assert _api(APIClient(), NIK, PASSWORD).status_code == 429


def test_the_api_throttle_counts_in_the_shared_store(shared_cache, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "auth": "2/minute",
        },
    }
    api = APIClient()
    answers = [_api(api, "nobody@example.id", "x").status_code for _attempt in range(3)]
    assert answers == [400, 400, 429]
    other_worker = RedisCache(REDIS_URL, {})
    assert other_worker.get("throttle_auth_127.0.0.1") is not None
    # A spoofed X-Forwarded-For is no new client.
    assert _api(api, "x@example.id", "x", HTTP_X_FORWARDED_FOR="7.7.7.7").status_code == 429


# Opening accounts: the portal's /daftar/ and the API count together ----------------------------

REGISTRATION = {
    "full_name": "Siti Aminah",
    "nik": "3271014501900001",
    "phone": "0812-3456-7890",
    "email": "siti@example.id",
    "password1": PASSWORD,
    "password2": PASSWORD,
}


def _register_rate(settings, rate):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "register": rate,
        },
    }


def _api_register(api, **extra):
    body = {"name": "Budi", "nik": "3271014501900002", "phone": "081234567891", "password": "x"}
    return api.post("/api/v1/auth/register/", body, **extra)


def test_registering_on_the_portal_is_throttled_per_client(settings, client):
    _register_rate(settings, "3/hour")
    for _attempt in range(3):  # wrong tries count as much as right ones
        assert client.post("/daftar/", {**REGISTRATION, "nik": "1"}).status_code == 200
    refused = client.post("/daftar/", REGISTRATION)
    assert refused.status_code == 429 and 0 < int(refused["Retry-After"]) <= 3600
    assert "Terlalu banyak pendaftaran" in refused.text
    assert not User.objects.exists()
    # A made-up X-Forwarded-For is no other client; another address is.
    assert client.post("/daftar/", REGISTRATION, HTTP_X_FORWARDED_FOR="7.7.7.7").status_code == 429
    assert client.post("/daftar/", REGISTRATION, REMOTE_ADDR="10.1.1.1").status_code == 302
    assert Message.objects.filter(event=Event.REGISTRATION_CODE).exists()  # its code is sent


def test_registering_through_the_api_answers_429_with_the_error_body(settings):
    _register_rate(settings, "2/hour")
    api = APIClient()
    assert [_api_register(api).status_code for _attempt in range(2)] == [400, 400]
    refused = _api_register(api, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert refused.json()["error"]["code"] == "throttled" and refused.json()["error"]["message"]


def test_the_register_throttle_counts_portal_and_api_in_the_shared_store(
    shared_cache, settings, client
):
    _register_rate(settings, "2/hour")
    client.post("/daftar/", {**REGISTRATION, "nik": "1"})
    assert _api_register(APIClient()).status_code == 400
    other_worker = RedisCache(REDIS_URL, {})
    assert len(other_worker.get("throttle_register_127.0.0.1")) == 2
    assert client.post("/daftar/", REGISTRATION).status_code == 429
    assert _api_register(APIClient()).status_code == 429


def test_without_a_shared_cache_production_is_warned(settings):
    from django.core import checks

    settings.PRODUCTION = True
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert "accounts.W001" in [message.id for message in checks.run_checks()]
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    assert "accounts.W001" not in [message.id for message in checks.run_checks()]
