"""Writes of the identity check: a new account's NIK, name and birth date asked about before
it is made, the verdict kept on the account (only the verdict), and the re-check of the
accounts the registry could not give one for."""

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from satupintu.accounts.errors import AccountError
from satupintu.accounts.identity.base import NOT_ASKED, Claim, IdentityProvider, Outcome, Verdict
from satupintu.accounts.identity.registry import identity_provider
from satupintu.accounts.models import User

OLDEST_BIRTH_YEAR = 1900
QUOTA_KEY = "dukcapil:quota-reached:{day}"


def identity_refused() -> AccountError:
    """A mismatch, said so that it tells nothing of what the registry holds (not even which
    field differs, nor whether the NIK exists)."""
    return AccountError(
        "identity_not_matched",
        _(
            "The NIK, name and birth date do not match the civil registry (Dukcapil). Type them "
            "exactly as on the KTP-el; if they are right, ask the Disdukcapil office."
        ),
    )


def birth_date_check(birth_date: date | None) -> None:
    """A birth date someone can have: not in the future, not before 1900 (none is fine here)."""
    if birth_date is None:
        return
    if not (birth_date.year >= OLDEST_BIRTH_YEAR and birth_date <= timezone.localdate()):
        raise ValidationError(
            _("Enter the birth date as on the KTP-el (not in the future)."), code="birth_date"
        )


def dukcapil_quota_reached() -> bool:
    """Whether Dukcapil said today (the mall's day, WIB) that our daily quota is used up."""
    return bool(cache.get(QUOTA_KEY.format(day=timezone.localdate().isoformat())))


def _dukcapil_quota_mark() -> None:
    """Ask no more today: until midnight (WIB), every check is "unavailable" without a call."""
    now = timezone.localtime()
    midnight = timezone.make_aware(datetime.combine(now.date() + timedelta(days=1), time()))
    seconds = max(60, int((midnight - now).total_seconds()))
    cache.set(QUOTA_KEY.format(day=now.date().isoformat()), True, seconds)


def identity_check(
    *, claim: Claim, provider: IdentityProvider | None = None
) -> tuple[IdentityProvider, Verdict]:
    """Ask ``provider`` (the deployment's identity provider by default) about ``claim``; with
    Dukcapil's quota used up today, nothing is asked and the answer is "unavailable"."""
    provider = provider or identity_provider()
    if provider.verifies and dukcapil_quota_reached():
        return provider, Verdict(Outcome.UNAVAILABLE, reason=NOT_ASKED, quota_reached=True)
    verdict = provider.check(claim)
    if verdict.quota_reached:
        _dukcapil_quota_mark()
    return provider, verdict


def identity_verify(*, nik: str, name: str, birth_date: date | None) -> tuple[str, datetime | None]:
    """A new account's identity, checked before it is made: its ``User.Dukcapil`` status and
    when the registry was asked (None when it was not). A mismatch refuses
    (``identity_not_matched``); the registry down, slow or out of quota does not: the account
    is made ``PENDING`` and ``identity_recheck`` asks again later."""
    provider = identity_provider()
    if provider.needs_birth_date and birth_date is None:
        raise ValidationError(
            {"birth_date": _("Enter the birth date as on the KTP-el: it is checked with Dukcapil.")}
        )
    claim = Claim(nik=nik, name=name, birth_date=birth_date)
    provider, verdict = identity_check(claim=claim, provider=provider)
    if verdict.outcome == Outcome.MISMATCH:
        raise identity_refused()
    if not provider.verifies:
        return User.Dukcapil.UNCHECKED, None
    asked_at = None if verdict.reason == NOT_ASKED else timezone.now()
    if verdict.outcome == Outcome.MATCH:
        return User.Dukcapil.VERIFIED, asked_at
    return User.Dukcapil.PENDING, asked_at


def identity_verdict_apply(*, user: User, status: str, asked_at: datetime | None) -> None:
    """Put a verdict on an account not saved yet (registration, a walk-in)."""
    user.dukcapil_status = status
    user.dukcapil_checked_at = asked_at
    user.dukcapil_verified_at = asked_at if status == User.Dukcapil.VERIFIED else None


def identity_verdict_reset(*, user: User) -> None:
    """The account's verdict no longer holds (its name changed): checked again by the job
    where Dukcapil is on, else simply not checked."""
    status = User.Dukcapil.PENDING if identity_provider().verifies else User.Dukcapil.UNCHECKED
    user.dukcapil_status = status
    user.dukcapil_verified_at = None
    user.save(update_fields=["dukcapil_status", "dukcapil_verified_at"])


def identity_recheck(*, limit: int | None = None) -> int:
    """Ask Dukcapil about accounts it has not given a verdict on (it was down at registration,
    or it was turned on since) that have a birth date: at most ``limit`` (DUKCAPIL_RECHECK_BATCH)
    per run, the longest waiting first. A run stops at the first call without a verdict (the
    registry is down: the next run tries again) and, once the daily quota is reached, for the
    rest of the day. A mismatch found here refuses nothing: the account is marked, and staff
    see it. Returns the number of accounts asked about."""
    provider = identity_provider()
    if not provider.verifies or dukcapil_quota_reached():
        return 0
    waiting = (
        User.objects.filter(
            # As the partial index says it: the planner then uses it.
            dukcapil_status__in=[User.Dukcapil.UNCHECKED, User.Dukcapil.PENDING],
            birth_date__isnull=False,
            is_active=True,
        )
        .exclude(nik="")
        .order_by(F("dukcapil_checked_at").asc(nulls_first=True), "pk")
    )
    asked = 0
    for user in waiting[: limit or settings.DUKCAPIL_RECHECK_BATCH]:
        claim = Claim(nik=user.nik, name=user.get_full_name(), birth_date=user.birth_date)
        _provider, verdict = identity_check(claim=claim, provider=provider)
        if verdict.reason == NOT_ASKED:
            break
        asked += 1
        now = timezone.now()
        status = {
            Outcome.MATCH: User.Dukcapil.VERIFIED,
            Outcome.MISMATCH: User.Dukcapil.NOT_MATCHED,
        }.get(verdict.outcome, User.Dukcapil.PENDING)
        # Only if nothing changed meanwhile (a new name is asked about on the next run).
        User.objects.filter(
            pk=user.pk,
            dukcapil_status=user.dukcapil_status,
            first_name=user.first_name,
            last_name=user.last_name,
        ).update(
            dukcapil_status=status,
            dukcapil_checked_at=now,
            dukcapil_verified_at=now if status == User.Dukcapil.VERIFIED else None,
        )
        if verdict.outcome == Outcome.UNAVAILABLE or verdict.quota_reached:
            break
    return asked
