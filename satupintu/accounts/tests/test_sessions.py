"""Staff sessions end after an idle time and an absolute lifetime; citizens' stay."""

import time

import pytest

from satupintu.accounts.models import User
from satupintu.accounts.sessions import SEEN, STARTED
from satupintu.malls.models import StaffMembership
from satupintu.malls.tests.factories import AgencyFactory, UserFactory, staff_member

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.STAFF_SESSION_IDLE_SECONDS = 1800
    settings.STAFF_SESSION_MAX_SECONDS = 12 * 3600


def _officer() -> User:
    return staff_member(StaffMembership.Role.FRONT_OFFICE, agency=AgencyFactory())


def _staff_kinds():
    return {
        "officer": _officer,
        "is_staff": lambda: UserFactory(is_staff=True),
        "superuser": lambda: UserFactory(is_staff=True, is_superuser=True),
    }


def _age(client, *, started_ago: int, seen_ago: int) -> None:
    session = client.session
    now = int(time.time())
    session[STARTED] = now - started_ago
    session[SEEN] = now - seen_ago
    session.save()


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.parametrize("kind", ["officer", "is_staff", "superuser"])
def test_staff_are_signed_out_after_the_idle_time(client, kind):
    client.force_login(_staff_kinds()[kind]())
    _age(client, started_ago=1700, seen_ago=1700)
    client.get("/akun/")
    assert _signed_in(client)
    _age(client, started_ago=1900, seen_ago=1801)
    answer = client.get("/akun/", follow=True)
    assert not _signed_in(client)
    assert answer.redirect_chain[-1][0].startswith("/masuk/")
    assert "30 menit" in answer.content.decode()


@pytest.mark.parametrize("kind", ["officer", "is_staff", "superuser"])
def test_staff_are_signed_out_after_the_absolute_lifetime_even_when_busy(client, kind):
    client.force_login(_staff_kinds()[kind]())
    _age(client, started_ago=12 * 3600 + 1, seen_ago=5)
    answer = client.get("/admin/", follow=True)
    assert not _signed_in(client)
    assert answer.redirect_chain[-1][0].startswith("/admin/login/")


def test_a_request_keeps_a_staff_session_alive(client):
    client.force_login(_officer())
    _age(client, started_ago=1000, seen_ago=1000)
    client.get("/akun/")
    assert int(time.time()) - client.session[SEEN] < 5
    _age(client, started_ago=2000, seen_ago=100)
    client.get("/akun/")
    assert _signed_in(client)


def test_citizens_keep_their_session(client):
    citizen = UserFactory()
    client.force_login(citizen)
    assert client.session[STARTED] is None
    session = client.session
    session[SEEN] = None
    session.save()
    assert client.get("/akun/").status_code == 200
    assert _signed_in(client)


def test_a_session_from_before_the_clocks_gets_them(client):
    client.force_login(_officer())
    session = client.session
    del session[STARTED]
    del session[SEEN]
    session.save()
    client.get("/akun/")
    assert client.session[STARTED] is not None and _signed_in(client)
