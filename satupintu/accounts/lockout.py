"""Lock-out after failed sign-ins, counted per account and per client in the shared cache.

Every sign-in (``/masuk/``, the admin, ``POST /api/v1/auth/token/``) asks :func:`login_check`
before the password is looked at, and reports the outcome with :func:`login_failed` or
:func:`login_succeeded`. The counters live in the default cache, which production points at a
Redis shared by every worker (``CACHE_URL``), so a guesser gains nothing by spreading tries.
"""

import hashlib
import logging

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import ngettext

from satupintu.accounts.backends import login_match
from satupintu.accounts.clientip import client_ip
from satupintu.accounts.models import User
from satupintu.counters import count_in_window

logger = logging.getLogger(__name__)


class LoginLocked(Exception):
    """Too many failed sign-ins for this account or from this client: wait, then try again."""

    @property
    def message(self) -> str:
        minutes = max(1, -(-settings.LOGIN_LOCKOUT_SECONDS // 60))
        return ngettext(
            "Too many failed sign-ins. Wait %(minutes)d minute, then try again.",
            "Too many failed sign-ins. Wait %(minutes)d minutes, then try again.",
            minutes,
        ) % {"minutes": minutes}

    def __str__(self) -> str:
        return self.message


def _normalized(login: str) -> str:
    return "".join(login.split()).lower()


def _account_key(login: str) -> str:
    """One counter per account, whichever of its NIK, email or username is typed; a login
    matching no account is counted on its own (hashed) so guessing it costs the same."""
    login = login.strip()
    user_id = (
        User.objects.filter(login_match(login)).order_by("pk").values_list("pk", flat=True).first()
    )
    if user_id is not None:
        return f"login-fail:user:{user_id}"
    return f"login-fail:login:{masked(login)}"


def _client_key(request: HttpRequest) -> str:
    return f"login-fail:client:{client_ip(request)}"


def masked(login: str) -> str:
    """What the log says instead of a login (it may be a NIK or an email): a short hash."""
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{_normalized(login)}".encode()).hexdigest()
    return digest[:12]


def login_check(*, request: HttpRequest, login: str) -> None:
    """Raise :class:`LoginLocked` if this account or this client is locked out; nothing else,
    so a right password is not even looked at while locked."""
    account, client = _account_key(login), _client_key(request)
    counts = cache.get_many([account, client])
    if (
        counts.get(account, 0) >= settings.LOGIN_FAILURE_LIMIT
        or counts.get(client, 0) >= settings.LOGIN_CLIENT_FAILURE_LIMIT
    ):
        logger.warning(
            "Sign-in refused, locked out: account %s, client %s", masked(login), client_ip(request)
        )
        raise LoginLocked


def login_failed(*, request: HttpRequest, login: str, where: str) -> None:
    """Count a failed sign-in for the account and for the client, and log it (never the
    password, never the login itself)."""
    account = count_in_window(_account_key(login), settings.LOGIN_LOCKOUT_SECONDS)
    client = count_in_window(_client_key(request), settings.LOGIN_LOCKOUT_SECONDS)
    logger.warning(
        "Failed sign-in at %s: account %s (failure %d of %d), client %s (failure %d of %d)",
        where,
        masked(login),
        account,
        settings.LOGIN_FAILURE_LIMIT,
        client_ip(request),
        client,
        settings.LOGIN_CLIENT_FAILURE_LIMIT,
    )


def login_succeeded(*, login: str) -> None:
    """A right password starts the account's count afresh (the client's count stays)."""
    cache.delete(_account_key(login))
