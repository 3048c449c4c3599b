"""Writes of accounts: a citizen's own settings, registration, a walk-in's account, API tokens."""

import hashlib
import secrets
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from satupintu.accounts.identity.services import (
    birth_date_check,
    identity_verdict_apply,
    identity_verdict_reset,
    identity_verify,
)
from satupintu.accounts.models import AccountCode, ApiToken, User
from satupintu.accounts.names import name_parts
from satupintu.accounts.recovery import code_send
from satupintu.accounts.validators import normalize_nik, normalize_phone, validate_nik
from satupintu.counters import cache_is_shared
from satupintu.db import update_unflushed
from satupintu.malls.permissions import staff_roles

# last_used is written at most this often per token, not on every request.
LAST_USED_RESOLUTION = timedelta(minutes=5)


def user_preferences_set(
    *, user: User, channels: list[str], language: str, email: str, phone: str
) -> User:
    """Save how ``user`` wants to be told: channels in order, language, and the addresses."""
    user.notification_channels = channels
    user.language = language
    user.email = email
    user.phone = phone
    user.save(update_fields=["notification_channels", "language", "email", "phone"])
    return user


@transaction.atomic
def user_profile_set(
    *, user: User, full_name: str, channels: list[str], language: str, email: str, phone: str
) -> User:
    """/akun/: the person's name, then how they want to be told (``user_preferences_set``)."""
    first, last = name_parts(full_name, field="full_name")
    if not first:
        raise ValidationError({"full_name": _("Write your name.")})
    renamed = (first, last) != (user.first_name, user.last_name)
    user.first_name, user.last_name = first, last
    user.save(update_fields=["first_name", "last_name"])
    if renamed and user.dukcapil_status != User.Dukcapil.UNCHECKED:
        # The registry's verdict was on the old name: the new one is checked again.
        identity_verdict_reset(user=user)
    return user_preferences_set(
        user=user, channels=channels, language=language, email=email, phone=phone
    )


def user_language_set(*, user: User, language: str) -> User:
    """Remember the language ``user`` chose on the site: their messages follow it."""
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
    return user


def citizen_register(*, full_name: str, nik: str, phone: str, email: str, password: str) -> User:
    """Create a citizen's account; the NIK is their login and must not be taken."""
    nik = normalize_nik(nik)
    first, last = name_parts(full_name, field="full_name")
    user = User(
        username=nik,
        nik=nik,
        first_name=first,
        last_name=last,
        phone=phone,
        email=email,
        notification_channels=(["whatsapp"] if phone else []) + (["email"] if email else []),
    )
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    return user


def walk_in_citizen(
    *, nik: str, name: str, phone: str, email: str = "", birth_date: date | None = None
) -> User:
    """The citizen at the counter: their account found by NIK, or one made for them without a
    password; then a claim link and code go to them on their channels (``recovery``), to set
    a password and follow their application from home. A new account's NIK, name and birth
    date are checked with Dukcapil where it is on (``identity_verify``): a mismatch refuses."""
    nik = normalize_nik(nik)
    try:
        validate_nik(nik)
    except ValidationError as invalid:
        raise ValidationError({"nik": invalid.messages}) from invalid
    existing = User.objects.filter(nik=nik).first()
    if existing is not None:
        if existing.is_active and not existing.has_usable_password():
            # Back at the counter and never claimed it: the claim goes again.
            code_send(user=existing, purpose=AccountCode.Purpose.CLAIM)
        return existing
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = _("Write the applicant's name.")
    else:
        try:
            first, last = name_parts(name, field="name")
        except ValidationError as invalid:
            errors.update({k: v[0] for k, v in invalid.message_dict.items()})
    try:
        phone = normalize_phone(phone) if phone.strip() else ""
    except ValidationError as invalid:
        errors["phone"] = invalid.messages[0]
    try:
        birth_date_check(birth_date)
    except ValidationError as invalid:
        errors["birth_date"] = invalid.messages[0]
    if errors:
        raise ValidationError(errors)
    # Asked outside the transaction: a refusal rolls back nothing of the integration's log.
    status, asked_at = identity_verify(nik=nik, name=f"{first} {last}", birth_date=birth_date)
    return _walk_in_create(
        nik=nik,
        first=first,
        last=last,
        phone=phone,
        email=email,
        birth_date=birth_date,
        status=status,
        asked_at=asked_at,
    )


@transaction.atomic
def _walk_in_create(
    *,
    nik: str,
    first: str,
    last: str,
    phone: str,
    email: str,
    birth_date: date | None,
    status: str,
    asked_at: datetime | None,
) -> User:
    user = User(
        username=nik,
        nik=nik,
        first_name=first,
        last_name=last,
        phone=phone,
        email=email.strip(),
        birth_date=birth_date,
        notification_channels=(["whatsapp"] if phone else []) + (["email"] if email else []),
    )
    identity_verdict_apply(user=user, status=status, asked_at=asked_at)
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    code_send(user=user, purpose=AccountCode.Purpose.CLAIM)
    return user


def token_hash(secret: str) -> str:
    """What is kept of a token's secret: its SHA-256 (the secret has 256 random bits)."""
    return hashlib.sha256(secret.encode()).hexdigest()


TOKEN_NAME_MAX = 100


@transaction.atomic
def api_token_create(*, user: User, name: str = "") -> tuple[ApiToken, str]:
    """A new token for ``user``; the secret is returned here and nowhere else, ever."""
    name = name.strip()
    if len(name) > TOKEN_NAME_MAX:
        raise ValidationError(
            {
                "name": _("The name has %(n)s characters; at most %(limit)s are allowed.")
                % {"n": len(name), "limit": TOKEN_NAME_MAX}
            }
        )
    secret = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        key_hash=token_hash(secret),
        prefix=secret[:8],
        expires=timezone.now() + timedelta(days=settings.API_TOKEN_TTL_DAYS),
    )
    return token, secret


def api_token_revoke(*, user: User, token_id: int) -> None:
    """Revoke one of ``user``'s own tokens; someone else's is not found."""
    tokens = ApiToken.objects.filter(user=user, pk=token_id)
    api_tokens_forget(key_hashes=list(tokens.values_list("key_hash", flat=True)))
    deleted, _rows = tokens.delete()
    if not deleted:
        raise ApiToken.DoesNotExist


def api_tokens_revoke_all(*, user: User) -> int:
    """Revoke every token of ``user`` (their password changed)."""
    api_tokens_forget(user_id=user.pk)
    deleted, _rows = ApiToken.objects.filter(user=user).delete()
    return deleted


# A token found in the database is kept in the shared cache (with its user and the user's staff
# scope) for at most as long as last_used may lag, so most requests of a client cost no query.
# Whatever changes what a token stands for (revoking it, a new password, any change of the
# account or of its staff roles) calls api_tokens_forget, which drops it from the cache at once.
TOKEN_CACHE_SECONDS = int(LAST_USED_RESOLUTION.total_seconds())
FORGOTTEN = "forgotten"


def _token_key(key_hash: str) -> str:
    return f"api-token:{key_hash}"


def api_token_cached(*, secret: str) -> ApiToken | None:
    """The token with this secret as the shared cache holds it (user joined, last used within
    LAST_USED_RESOLUTION, not expired), or None: then ask api_token_authenticate."""
    if not cache_is_shared():
        return None
    token = cache.get(_token_key(token_hash(secret)))
    now = timezone.now()
    if not isinstance(token, ApiToken) or token.expires <= now or token.last_used is None:
        return None
    return token if now - token.last_used <= LAST_USED_RESOLUTION else None


def api_token_keep(*, token: ApiToken) -> None:
    """Keep ``token`` (as api_token_authenticate found it, with its user) in the shared cache,
    once the check that let it in has read all it needs of the user."""
    if not cache_is_shared() or token.last_used is None:
        return
    lasts = min(TOKEN_CACHE_SECONDS, (token.expires - token.last_used).total_seconds())
    if lasts > 0:
        # add, not set: a token forgotten since this request read it stays forgotten.
        cache.add(_token_key(token.key_hash), token, lasts)


def api_tokens_forget(*, user_id: int | None = None, key_hashes: Iterable[str] = ()) -> None:
    """Drop these tokens (every token of the user ``user_id`` when given) from the shared
    cache: now, and again once the transaction commits."""
    if not cache_is_shared():
        return
    hashes = list(key_hashes)
    if user_id is not None:
        hashes += ApiToken.objects.filter(user_id=user_id).values_list("key_hash", flat=True)
    if not hashes:
        return
    # A mark in the token's place, not a deletion: a request that read the token before this
    # change cannot put it back (api_token_keep adds only where nothing is).
    forgotten = {_token_key(key_hash): FORGOTTEN for key_hash in hashes}
    cache.set_many(forgotten, TOKEN_CACHE_SECONDS)
    transaction.on_commit(lambda: cache.set_many(forgotten, TOKEN_CACHE_SECONDS))


def api_token_authenticate(*, secret: str) -> ApiToken | None:
    """The live token with this secret, its user joined, and whether the user holds a staff
    role (``staff_role``, read in the same query); None when unknown or expired."""
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .annotate(staff_role=Exists(staff_roles().filter(user=OuterRef("user_id"))))
        .filter(key_hash=token_hash(secret), expires__gt=now)
        .first()
    )
    if token is None:
        return None
    if token.last_used is None or now - token.last_used > LAST_USED_RESOLUTION:
        # A hint for the token list, not a guarantee: its commit need not wait for the disk.
        update_unflushed(ApiToken, token.pk, last_used=now)
        token.last_used = now
    return token


RECOVERY_CODES = 10


@transaction.atomic
def totp_enrol_start(*, user: User) -> TOTPDevice:
    """The authenticator ``user`` is setting up: the one started before, or a new secret."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator", confirmed=False)
    return device


@transaction.atomic
def totp_enrol_confirm(*, device: TOTPDevice, code: str) -> list[str]:
    """The first code from the authenticator confirms it (it replaces any earlier one); the
    answer is a fresh set of recovery codes, shown once."""
    if not device.verify_token(code.strip()):
        raise ValidationError(
            {"code": _("That code is not right. Check the time on your phone and try again.")}
        )
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    return recovery_codes_renew(user=device.user)


@transaction.atomic
def recovery_codes_renew(*, user: User) -> list[str]:
    """New single-use recovery codes for ``user``; the old ones stop working."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    codes = [StaticToken.random_token() for _n in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes
