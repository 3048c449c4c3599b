"""API tokens are kept hashed, expire, are listed and revoked by their owner, die with a
password change, and are never given to staff by the citizens' endpoint."""

import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from satupintu.accounts.models import ApiToken, User
from satupintu.accounts.services import api_token_create
from satupintu.malls.models import StaffMembership
from satupintu.malls.services import membership_grant
from satupintu.malls.tests.factories import AgencyFactory, UserFactory, staff_member

pytestmark = pytest.mark.django_db

NIK = "3271014501900001"
PASSWORD = "kunjungan-aman-2020"


@pytest.fixture
def siti():
    user = User(username=NIK, nik=NIK, email="siti@example.id", first_name="Siti")
    user.set_password(PASSWORD)
    user.save()
    return user


def _sign_in(login=NIK, password=PASSWORD, **extra):
    return APIClient().post("/api/v1/auth/token/", {"login": login, "password": password, **extra})


def _as(secret: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return api


def test_only_the_hash_of_a_token_is_kept_and_it_works_in_the_old_header(settings, siti):
    settings.API_TOKEN_TTL_DAYS = 30
    answer = _sign_in(name="Ponsel Siti")
    assert answer.status_code == 200
    secret = answer.json()["token"]
    token = ApiToken.objects.get(user=siti)
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in {token.key_hash, token.prefix, token.name}
    assert token.prefix == secret[:8] and token.name == "Ponsel Siti"
    assert abs(token.expires - (timezone.now() + timedelta(days=30))) < timedelta(minutes=1)
    listed = _as(secret).get("/api/v1/auth/tokens/")
    assert listed.status_code == 200
    assert ApiToken.objects.get(pk=token.pk).last_used is not None


def test_an_unknown_or_expired_token_is_refused(siti):
    token, secret = api_token_create(user=siti)
    assert _as(secret + "x").get("/api/v1/auth/tokens/").status_code == 401
    ApiToken.objects.filter(pk=token.pk).update(expires=timezone.now() - timedelta(seconds=1))
    refused = _as(secret).get("/api/v1/auth/tokens/")
    assert refused.status_code == 401
    assert refused.json()["error"]["message"] == "Token tidak sah atau sudah kedaluwarsa."


def test_owners_list_their_own_live_tokens_without_secrets(siti):
    mine, secret = api_token_create(user=siti, name="laptop")
    other, _other_secret = api_token_create(user=siti, name="ponsel")
    expired, _expired_secret = api_token_create(user=siti, name="lama")
    ApiToken.objects.filter(pk=expired.pk).update(expires=timezone.now() - timedelta(days=1))
    api_token_create(user=UserFactory(), name="orang lain")
    listed = _as(secret).get("/api/v1/auth/tokens/").json()
    assert [(t["id"], t["name"], t["current"]) for t in listed] == [
        (other.pk, "ponsel", False),
        (mine.pk, "laptop", True),
    ]
    assert set(listed[0]) == {"id", "name", "prefix", "created", "last_used", "expires", "current"}


def test_owners_revoke_their_own_tokens_and_nobody_elses(siti):
    mine, secret = api_token_create(user=siti)
    lost, lost_secret = api_token_create(user=siti)
    theirs, their_secret = api_token_create(user=UserFactory())
    api = _as(secret)
    assert api.delete(f"/api/v1/auth/tokens/{theirs.pk}/").status_code == 404
    assert ApiToken.objects.filter(pk=theirs.pk).exists()
    assert api.delete(f"/api/v1/auth/tokens/{lost.pk}/").status_code == 204
    assert _as(lost_secret).get("/api/v1/auth/tokens/").status_code == 401
    assert api.delete(f"/api/v1/auth/tokens/{mine.pk}/").status_code == 204
    assert api.get("/api/v1/auth/tokens/").status_code == 401
    assert _as(their_secret).get("/api/v1/auth/tokens/").status_code == 200


def test_a_password_change_revokes_every_token(siti):
    _one, secret = api_token_create(user=siti)
    api_token_create(user=siti)
    other_user = UserFactory()
    api_token_create(user=other_user)
    siti.set_password("kata-sandi-baru-2026")
    siti.save()
    assert not ApiToken.objects.filter(user=siti).exists()
    assert ApiToken.objects.filter(user=other_user).count() == 1
    assert _as(secret).get("/api/v1/auth/tokens/").status_code == 401


def test_an_unusable_password_revokes_every_token(siti):
    api_token_create(user=siti)
    siti.set_unusable_password()
    siti.save()
    assert not ApiToken.objects.filter(user=siti).exists()


def test_other_saves_and_a_password_rehash_keep_the_tokens(siti, settings):
    api_token_create(user=siti)
    siti.first_name = "Siti A."
    siti.save()
    # A stronger hasher rehashes the same password on sign-in: not a change of password.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.ScryptPasswordHasher",
        *settings.PASSWORD_HASHERS,  # the one the password was stored with
    ]
    assert _sign_in().status_code == 200
    siti.refresh_from_db()
    assert siti.password.startswith("scrypt")
    assert ApiToken.objects.filter(user=siti).count() == 2


def _staff_kinds():
    officer = staff_member(StaffMembership.Role.APPROVER, agency=AgencyFactory())
    return {
        "officer": officer,
        "is_staff": UserFactory(is_staff=True),
        "superuser": UserFactory(is_staff=True, is_superuser=True),
    }


def test_staff_and_superusers_get_no_token_from_the_citizen_endpoint():
    for kind, user in _staff_kinds().items():
        refused = _sign_in(login=user.username, password="secret-pass-123")
        assert refused.status_code == 403, kind
        error = refused.json()["error"]
        assert error["code"] == "staff_no_token"
        assert "petugas" in error["message"].lower()
        assert "token" not in refused.json()
    assert not ApiToken.objects.exists()


def test_a_token_made_before_its_holder_became_staff_is_refused(siti):
    _token, secret = api_token_create(user=siti)
    membership_grant(user=siti, role=StaffMembership.Role.FRONT_OFFICE, agency=AgencyFactory())
    assert _as(secret).get("/api/v1/auth/tokens/").status_code == 401


def test_the_account_page_lists_and_revokes_ones_own_tokens(client, siti):
    mine, secret = api_token_create(user=siti, name="Ponsel Siti")
    theirs, _their_secret = api_token_create(user=UserFactory(), name="Laptop Budi")
    client.force_login(siti)
    page = client.get("/akun/token/").content.decode()
    assert "Ponsel Siti" in page and mine.prefix in page
    assert "Laptop Budi" not in page and secret not in page
    refused = client.post("/akun/token/", {"token": theirs.pk}, follow=True)
    assert ApiToken.objects.filter(pk=theirs.pk).exists()
    assert "bukan milik Anda" in refused.content.decode()
    assert client.post("/akun/token/", {"token": "x"}).status_code == 302
    done = client.post("/akun/token/", {"token": mine.pk}, follow=True)
    assert not ApiToken.objects.filter(pk=mine.pk).exists()
    assert "Dicabut" in done.content.decode()
    assert client.get("/en/akun/token/").status_code == 200
