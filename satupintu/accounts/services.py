"""Writes of accounts: a citizen's own settings."""

from satupintu.accounts.models import User


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
