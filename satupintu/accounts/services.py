"""Writes of accounts: a citizen's own settings, registration, a walk-in's account."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from satupintu.accounts.models import User
from satupintu.accounts.validators import normalize_nik, normalize_phone, validate_nik


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


def citizen_register(*, full_name: str, nik: str, phone: str, email: str, password: str) -> User:
    """Create a citizen's account; the NIK is their login and must not be taken."""
    nik = normalize_nik(nik)
    first, _space, last = full_name.strip().partition(" ")
    user = User(
        username=nik,
        nik=nik,
        first_name=first[:150],
        last_name=last[:150],
        phone=phone,
        email=email,
        notification_channels=(["whatsapp"] if phone else []) + (["email"] if email else []),
    )
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    return user


def walk_in_citizen(*, nik: str, name: str, phone: str, email: str = "") -> User:
    """The citizen at the counter: their account found by NIK, or one made for them without a
    password (they can set one with "forgot password" later, by their email)."""
    nik = normalize_nik(nik)
    try:
        validate_nik(nik)
    except ValidationError as invalid:
        raise ValidationError({"nik": invalid.messages}) from invalid
    existing = User.objects.filter(nik=nik).first()
    if existing is not None:
        return existing
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = _("Write the applicant's name.")
    try:
        phone = normalize_phone(phone) if phone.strip() else ""
    except ValidationError as invalid:
        errors["phone"] = invalid.messages[0]
    if errors:
        raise ValidationError(errors)
    first, _space, last = name.strip().partition(" ")
    user = User(
        username=nik,
        nik=nik,
        first_name=first[:150],
        last_name=last[:150],
        phone=phone,
        email=email.strip(),
        notification_channels=(["whatsapp"] if phone else []) + (["email"] if email else []),
    )
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    return user
