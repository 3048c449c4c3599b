"""API authentication by token (``Authorization: Token <secret>``), against the hashed tokens."""

from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from satupintu.accounts.models import ApiToken, User
from satupintu.accounts.services import api_token_authenticate, api_token_cached, api_token_keep


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token header, checked against :class:`ApiToken`'s hashes and expiry. Staff hold
    no tokens (they sign in to the back office), so a staff member's token is refused too.

    A token let in is kept in the shared cache for a few minutes (``api_token_keep``) and
    dropped from it by any change to it, its account or the account's roles."""

    def authenticate_credentials(self, key: str) -> tuple[User, ApiToken]:
        token = api_token_cached(secret=key)
        if token is not None:
            return token.user, token  # only a token that passed the checks below is kept
        token = api_token_authenticate(secret=key)
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid or expired token."))
        user = token.user
        # is_staff_person, with the roles read in the token's query (staff_role).
        if user.is_staff or user.is_superuser or token.staff_role:  # type: ignore[attr-defined]
            raise exceptions.AuthenticationFailed(_("Staff sign in to the back office."))
        api_token_keep(token=token)
        return user, token
