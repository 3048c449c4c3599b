"""Ways back into an account without its password: "forgot password", a walk-in claiming the
account the front office made, and registration proved by a code to the phone or email.

A one-time code row (:class:`AccountCode`) holds a link's secret and a six-digit code, both as
hashes: the link goes by email, the code by WhatsApp or SMS (the email carries both). It lives
``RESET_TTL`` (a claim from the counter ``CLAIM_TTL``: the walk-in reads it at home), is used
once, and dies after ``CODE_ATTEMPTS`` wrong codes. Whoever asks gets the same answer whether
or not an account matches: only the owner's own channels ever hear which.
"""

import contextlib
import hashlib
import hmac
import secrets
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import make_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from satupintu.accounts.backends import login_match
from satupintu.accounts.errors import AccountError
from satupintu.accounts.identity.services import (
    birth_date_check,
    identity_verdict_apply,
    identity_verify,
)
from satupintu.accounts.lockout import login_succeeded
from satupintu.accounts.models import AccountCode, User
from satupintu.accounts.names import name_parts
from satupintu.accounts.validators import normalize_nik, normalize_phone
from satupintu.counters import minutes_to_wait
from satupintu.notify.models import Channel, Event
from satupintu.notify.services import Recipient, notify

RESET_TTL = timedelta(minutes=30)
CLAIM_TTL = timedelta(days=7)
REGISTRATION_TTL = timedelta(minutes=30)
CODE_DIGITS = 6
CODE_ATTEMPTS = 5
# Asking for a code: per account (or per unknown login) and per client, in the shared cache.
REQUESTS_PER_ACCOUNT = 5
REQUESTS_PER_CLIENT = 20
REQUEST_WINDOW = 3600
# Typing codes: per client, whatever the account (each code also dies after CODE_ATTEMPTS).
GUESSES_PER_CLIENT = 20
GUESS_WINDOW = 900
# An account found by a login: more than this many (a shared phone) are all sent a code.
MATCHES_MAX = 3


def _code_hash(code: str, *, salt: str) -> str:
    """An HMAC under the site's key: a leaked row or session does not give away a six-digit
    code to an offline search."""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{salt}:{code}".encode(), hashlib.sha256).hexdigest()


def _link_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _new_code() -> str:
    return "".join(secrets.choice("0123456789") for _n in range(CODE_DIGITS))


def _clean_code(code: str) -> str:
    return "".join(c for c in code if c.isdigit())[:CODE_DIGITS]


def throttle(*, key: str, limit: int, window: int) -> None:
    """Count one try of ``key``; past ``limit`` in ``window`` seconds, refuse (429)."""
    minutes = minutes_to_wait(key, limit=limit, seconds=window)
    if minutes is not None:
        raise AccountError(
            "throttled",
            _("Too many tries. Wait %(minutes)d minutes, then try again.") % {"minutes": minutes},
        )


def _masked(login: str) -> str:
    return hashlib.sha256(f"{settings.SECRET_KEY}:{login.lower()}".encode()).hexdigest()[:16]


def _login_query(login: str) -> Q | None:
    login = "".join(login.split()) if "@" not in login else login.strip()
    if not login:
        return None
    query = login_match(login)
    with contextlib.suppress(ValidationError):
        query |= Q(phone=normalize_phone(login))
    return query


def accounts_for_login(login: str) -> list[User]:
    """The active accounts a NIK, email or phone number names (a phone may be shared)."""
    query = _login_query(login)
    if query is None:
        return []
    return list(User.objects.filter(query, is_active=True).order_by("pk")[:MATCHES_MAX])


def _channels(user: User, via: str) -> tuple[str, ...]:
    """An email asked by email, a phone by WhatsApp then SMS; a NIK on the person's channels."""
    if via == "email":
        return (Channel.EMAIL,)
    if via == "phone":
        return (Channel.WHATSAPP, Channel.SMS)
    chosen = tuple(c for c in user.notification_channels if c in Channel.values and c != "inapp")
    rest = tuple(c for c in (Channel.EMAIL, Channel.WHATSAPP, Channel.SMS) if c not in chosen)
    return chosen + rest


def _via(login: str, user: User) -> str:
    if "@" in login and user.email.lower() == login.strip().lower():
        return "email"
    if user.nik and normalize_nik(login) == user.nik:
        return "nik"
    return "phone" if user.phone else "nik"


def _link(name: str, secret: str, language: str) -> str:
    with translation.override(language):
        return settings.SITE_URL + reverse(name, kwargs={"secret": secret})


def _code_row(*, user: User, purpose: str) -> tuple[str, str, AccountCode]:
    """A new code row for ``user``: its link's secret and its code, which only the caller ever
    holds in clear."""
    now = timezone.now()
    # The person's rows dead for a day go now: nothing else erases them.
    AccountCode.objects.filter(user=user, expires__lt=now - timedelta(days=1)).delete()
    secret, code = secrets.token_urlsafe(32), _new_code()
    ttl = CLAIM_TTL if purpose == AccountCode.Purpose.CLAIM else RESET_TTL
    row = AccountCode.objects.create(
        user=user,
        purpose=purpose,
        link_hash=_link_hash(secret),
        code_hash=_code_hash(code, salt=str(user.pk)),
        expires=now + ttl,
    )
    return secret, code, row


@transaction.atomic
def code_send(*, user: User, purpose: str, via: str = "nik") -> None:
    """Make a one-time code for ``user`` and write its message to the outbox (sent once the
    caller's transaction commits). Codes made before stay good until they expire: the walk-in
    who types the code from the counter on "forgot password" has just been sent another one.
    (Few are live at once: asking is throttled, and a wrong code counts against them all.)"""
    secret, code, _row = _code_row(user=user, purpose=purpose)
    ttl = CLAIM_TTL if purpose == AccountCode.Purpose.CLAIM else RESET_TTL
    recipient = Recipient(
        user=user,
        email=user.email,
        phone=user.phone,
        language=user.language,
        channels=_channels(user, via),
    )
    event = Event.ACCOUNT_CLAIM if purpose == AccountCode.Purpose.CLAIM else Event.PASSWORD_RESET
    valid = (
        _("%(days)d days") % {"days": ttl.days}
        if ttl.days
        else _("%(minutes)d minutes") % {"minutes": ttl.seconds // 60}
    )
    with translation.override(user.language):
        valid = str(valid)
    notify(
        event=event,
        recipient=recipient,
        context={
            "name": user.get_full_name() or user.get_username(),
            "mall": "Satu Pintu",
            "code": code,
            "valid": valid,
            "link": _link("portal:password-link", secret, user.language),
        },
    )


@dataclass(frozen=True)
class ClaimSlip:
    """A claim code handed over on paper at the counter (slip klaim akun): the code, the link
    it goes with, and when both expire. Only this object ever holds them in clear."""

    code: str
    link: str
    expires: datetime


def claimable(user: User) -> bool:
    """Whether ``user`` is a walk-in's account still waiting to be claimed: active, never given
    a password, and no staff's (the counter must not be able to take over anyone else's)."""
    return (
        user.is_active
        and not user.has_usable_password()
        and not user.is_staff
        and not user.is_superuser
    )


@transaction.atomic
def claim_slip_issue(*, user: User) -> ClaimSlip:
    """A new claim code for a walk-in with no phone or email (or who wants it on paper), to
    print and hand over: every code of theirs still live dies, so only the latest slip works.
    Refused (``not_claimable``) for an account that has a password or is staff's."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if not claimable(user):
        raise AccountError(
            "not_claimable",
            _(
                "This account already has a password: its owner signs in, or uses "
                '"Forgot password".'
            ),
        )
    AccountCode.objects.filter(user=user, used_at__isnull=True).update(used_at=timezone.now())
    secret, code, row = _code_row(user=user, purpose=AccountCode.Purpose.CLAIM)
    return ClaimSlip(
        code=code, link=_link("portal:password-link", secret, user.language), expires=row.expires
    )


def password_reset_request(*, login: str, client: str) -> None:
    """Forgot password (lupa kata sandi): send each account ``login`` names a link or code on
    the channel the login is (email, phone) or on its own channels (NIK). Nothing tells the
    asker whether an account matched; asking too often for one login or from one client is
    refused (429) alike."""
    accounts = accounts_for_login(login)
    account_key = (
        f"reset:user:{accounts[0].pk}" if accounts else f"reset:login:{_masked(login.strip())}"
    )
    throttle(key=f"reset:client:{client}", limit=REQUESTS_PER_CLIENT, window=REQUEST_WINDOW)
    throttle(key=account_key, limit=REQUESTS_PER_ACCOUNT, window=REQUEST_WINDOW)
    for user in accounts:
        purpose = (
            AccountCode.Purpose.RESET if user.has_usable_password() else AccountCode.Purpose.CLAIM
        )
        code_send(user=user, purpose=purpose, via=_via(login, user))
    if not accounts:
        # The same work as making a code (the hashes), so the answer takes as long.
        _code_hash(_new_code(), salt="0")
        _link_hash(secrets.token_urlsafe(32))


def _invalid() -> AccountError:
    return AccountError(
        "code_invalid",
        _("That code or link is wrong, used or expired. Ask for a new one."),
        fields={"code": [_("That code is wrong, used or expired. Ask for a new one.")]},
    )


def _live(queryset: Any) -> Any:
    # A closed account (inactive) is not reopened by a code sent before it was closed.
    return queryset.filter(
        used_at__isnull=True,
        expires__gt=timezone.now(),
        failed_attempts__lt=CODE_ATTEMPTS,
        user__is_active=True,
    )


def link_check(*, secret: str) -> AccountCode:
    """The live code row a link's secret opens, or ``code_invalid``."""
    row = (
        _live(AccountCode.objects.filter(link_hash=_link_hash(secret)))
        .select_related("user")
        .first()
    )
    if row is None:
        raise _invalid()
    return row


def _new_password(user: User, password: str, *, field: str = "password1") -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as weak:
        raise ValidationError({field: weak.messages}) from weak


@transaction.atomic
def _use(row: AccountCode, password: str) -> User:
    """Set the password and use the row up (every other live code of the person dies too).
    Every session elsewhere ends (Django checks the password's hash on each request) and so
    does every API token (accounts.signals); the sign-in lock-out of the account starts afresh."""
    user = row.user
    _new_password(user, password)
    used = AccountCode.objects.filter(pk=row.pk, used_at__isnull=True).update(
        used_at=timezone.now()
    )
    if not used:  # the same link sent twice at once
        raise _invalid()
    AccountCode.objects.filter(user=user, used_at__isnull=True).update(used_at=timezone.now())
    user.set_password(password)
    user.save(update_fields=["password"])
    login_succeeded(login=user.get_username())
    return user


def password_set_with_link(*, secret: str, password: str) -> User:
    """The new password through the emailed link."""
    return _use(link_check(secret=secret), password)


def password_set_with_code(*, login: str, code: str, password: str, client: str) -> User:
    """The new password with the code sent by WhatsApp or SMS to the account ``login`` names.
    A wrong code counts against every live code of those accounts, and against the client."""
    throttle(key=f"reset-code:client:{client}", limit=GUESSES_PER_CLIENT, window=GUESS_WINDOW)
    accounts = accounts_for_login(login)
    rows = list(_live(AccountCode.objects.filter(user__in=accounts)).select_related("user"))
    code = _clean_code(code)
    for row in rows:
        if hmac.compare_digest(row.code_hash, _code_hash(code, salt=str(row.user_id))):
            return _use(row, password)
    AccountCode.objects.filter(pk__in=[r.pk for r in rows]).update(
        failed_attempts=F("failed_attempts") + 1
    )
    raise _invalid()


@transaction.atomic
def password_change(*, user: User, old: str, new: str) -> User:
    """A signed-in person changes their password, giving the current one (other sessions and
    API tokens end; the caller keeps this session with ``update_session_auth_hash``)."""
    if not user.check_password(old):
        raise ValidationError({"old_password": _("That is not your current password.")})
    _new_password(user, new, field="new_password1")
    user.set_password(new)
    user.save(update_fields=["password"])
    return user


# Registration proved by a code --------------------------------------------------------------


@dataclass
class PendingRegistration:
    """What someone typed on /daftar/, kept (in their session) until the code sent to their
    phone or email proves the address: the password only as its hash."""

    full_name: str
    nik: str
    phone: str
    email: str
    password_hash: str
    code_hash: str
    expires: str
    attempts: int = 0
    # The birth date typed and the identity check's verdict (User.Dukcapil) with when it was
    # asked, ISO strings ("" for none): the check runs before the code is sent.
    birth_date: str = ""
    dukcapil_status: str = ""
    dukcapil_asked_at: str = ""

    def as_session(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_session(cls, data: Any) -> "PendingRegistration | None":
        try:
            return cls(**data)
        except TypeError:
            return None


def registration_start(
    *,
    full_name: str,
    nik: str,
    phone: str,
    email: str,
    password: str,
    language: str,
    birth_date: date | None = None,
) -> PendingRegistration:
    """Begin opening an account: a code goes to the phone (WhatsApp, then SMS) or email typed.

    First the NIK, name and birth date are checked with the deployment's identity provider
    (Dukcapil where it is on): a mismatch refuses (``identity_not_matched``), whether or not
    the NIK has an account; the registry not answering refuses nothing (the account is checked
    again later). When the NIK has an account already, its owner is sent a claim (a walk-in's
    account without a password) or a reset link on their own channels instead, and the asker
    gets the same answer: "check your phone or email"; a code they type will never match."""
    nik = normalize_nik(nik)
    first, last = name_parts(full_name, field="full_name")
    try:
        birth_date_check(birth_date)
    except ValidationError as invalid:
        raise ValidationError({"birth_date": invalid.messages}) from invalid
    status, asked_at = identity_verify(nik=nik, name=f"{first} {last}", birth_date=birth_date)
    owner = User.objects.filter(nik=nik).first()
    code = _new_code()
    if owner is None:
        notify(
            event=Event.REGISTRATION_CODE,
            recipient=Recipient(
                email=email,
                phone=phone,
                language=language,
                channels=(Channel.WHATSAPP, Channel.SMS, Channel.EMAIL),
            ),
            context={
                "name": full_name.strip(),
                "mall": "Satu Pintu",
                "code": code,
                "link": settings.SITE_URL,
            },
        )
        code_hash = _code_hash(code, salt=nik)
    else:
        if owner.is_active:
            purpose = (
                AccountCode.Purpose.RESET
                if owner.has_usable_password()
                else AccountCode.Purpose.CLAIM
            )
            code_send(user=owner, purpose=purpose)
        code_hash = _code_hash(secrets.token_hex(16), salt=nik)  # matches no six digits
    return PendingRegistration(
        full_name=full_name.strip(),
        nik=nik,
        phone=phone,
        email=email,
        password_hash=make_password(password),
        code_hash=code_hash,
        expires=(timezone.now() + REGISTRATION_TTL).isoformat(),
        birth_date=birth_date.isoformat() if birth_date else "",
        dukcapil_status=status,
        dukcapil_asked_at=asked_at.isoformat() if asked_at else "",
    )


def registration_finish(*, pending: PendingRegistration, code: str) -> User:
    """Open the account once the code is right (``pending.attempts`` counts the wrong ones)."""
    expired = datetime.fromisoformat(pending.expires) <= timezone.now()
    if expired or pending.attempts >= CODE_ATTEMPTS:
        raise _invalid()
    if not hmac.compare_digest(pending.code_hash, _code_hash(_clean_code(code), salt=pending.nik)):
        pending.attempts += 1
        raise _invalid()
    first, last = name_parts(pending.full_name, field="full_name")
    user = User(
        username=pending.nik,
        nik=pending.nik,
        first_name=first,
        last_name=last,
        phone=pending.phone,
        email=pending.email,
        password=pending.password_hash,
        birth_date=date.fromisoformat(pending.birth_date) if pending.birth_date else None,
        notification_channels=(["whatsapp"] if pending.phone else [])
        + (["email"] if pending.email else []),
    )
    identity_verdict_apply(
        user=user,
        status=pending.dukcapil_status,
        asked_at=(
            datetime.fromisoformat(pending.dukcapil_asked_at) if pending.dukcapil_asked_at else None
        ),
    )
    try:
        with transaction.atomic():
            user.full_clean(exclude=["password"])
            user.save()
    except ValidationError as taken:  # the NIK was registered meanwhile
        raise _invalid() from taken
    return user


# The API's registration waits in the shared cache (no session), under an unguessable id.
_PARKED = "registration-pending:"


def _parked_key(registration: str) -> str:
    """The cache key of an id as sent: hashed, whatever characters a client sends."""
    digest = hashlib.sha256(registration.encode("utf-8", "surrogatepass")).hexdigest()
    return _PARKED + digest


def registration_park(pending: PendingRegistration) -> str:
    """Keep ``pending`` until its code comes back through the API; the id to send with it."""
    registration = secrets.token_urlsafe(24)
    cache.set(
        _parked_key(registration), pending.as_session(), int(REGISTRATION_TTL.total_seconds())
    )
    return registration


def registration_confirm(*, registration: str, code: str) -> User:
    """The API's second step: the code sent by ``registration_start`` opens the account."""
    key = _parked_key(registration)
    pending = PendingRegistration.from_session(cache.get(key))
    if pending is None:
        raise _invalid()
    try:
        user = registration_finish(pending=pending, code=code)
    except AccountError:
        cache.set(key, pending.as_session(), int(REGISTRATION_TTL.total_seconds()))
        raise
    cache.delete(key)
    return user
