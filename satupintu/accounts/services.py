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
