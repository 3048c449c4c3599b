"""Reactions of accounts to changes: a changed or removed password revokes every API token;
signing in brings the account's language along."""

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.http import HttpRequest

from satupintu.accounts.models import User
from satupintu.accounts.services import api_tokens_revoke_all


@receiver(post_save, sender=User, dispatch_uid="accounts.revoke_tokens_on_password_change")
def revoke_tokens_on_password_change(
    sender: Any, instance: User, created: bool, **kwargs: Any
) -> None:
    # set_password() leaves the new password in _password until save() (Django's password
    # validators read it there); a rehash on sign-in clears it first, so it revokes nothing.
    changed = instance._password is not None  # type: ignore[attr-defined]  # not in django-stubs
    removed = instance.__dict__.pop("_password_removed", False)
    if (changed or removed) and not created:
        api_tokens_revoke_all(user=instance)


@receiver(user_logged_in, dispatch_uid="accounts.remember_language_on_sign_in")
def remember_language_on_sign_in(
    sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any
) -> None:
    # The pages follow the account's language on a browser that has not chosen one.
    from satupintu.languages import SESSION_LANGUAGE, language_valid

    language = language_valid(getattr(user, "language", None))
    if request is not None and hasattr(request, "session") and language is not None:
        request.session[SESSION_LANGUAGE] = language
