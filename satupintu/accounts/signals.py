"""Reactions of accounts to changes: a changed or removed password revokes every API token; any
change of an account, of its staff roles or of a token drops its tokens from the shared cache;
signing in brings the account's language along."""

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import HttpRequest

from satupintu.accounts.models import ApiToken, User
from satupintu.accounts.services import api_tokens_forget, api_tokens_revoke_all
from satupintu.malls.models import StaffMembership


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


@receiver(post_save, sender=User, dispatch_uid="accounts.forget_tokens_on_account_change")
def forget_tokens_on_account_change(
    sender: Any, instance: User, created: bool, **kwargs: Any
) -> None:
    # A cached token carries its user: deactivated, renamed, a new NIK or address, it must not
    # answer for the old one.
    if not created:
        api_tokens_forget(user_id=instance.pk)


@receiver(post_save, sender=StaffMembership, dispatch_uid="accounts.forget_tokens_on_role")
@receiver(post_delete, sender=StaffMembership, dispatch_uid="accounts.forget_tokens_on_role_end")
def forget_tokens_on_staff_role(sender: Any, instance: StaffMembership, **kwargs: Any) -> None:
    # Staff hold no tokens: a citizen given a role loses the use of theirs at once.
    api_tokens_forget(user_id=instance.user_id)


@receiver(post_delete, sender=ApiToken, dispatch_uid="accounts.forget_deleted_token")
def forget_deleted_token(sender: Any, instance: ApiToken, **kwargs: Any) -> None:
    # However it goes (revoked, its account deleted), a token stops working at once.
    api_tokens_forget(key_hashes=[instance.key_hash])


@receiver(user_logged_in, dispatch_uid="accounts.remember_language_on_sign_in")
def remember_language_on_sign_in(
    sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any
) -> None:
    # The pages follow the account's language on a browser that has not chosen one.
    from satupintu.languages import SESSION_LANGUAGE, language_valid

    language = language_valid(getattr(user, "language", None))
    if request is not None and hasattr(request, "session") and language is not None:
        request.session[SESSION_LANGUAGE] = language
