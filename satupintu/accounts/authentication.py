"""API authentication by token (``Authorization: Token <secret>``), against the hashed tokens."""

from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from satupintu.accounts.models import ApiToken, User
from satupintu.accounts.selectors import is_staff_person
from satupintu.accounts.services import api_token_authenticate


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token header, checked against :class:`ApiToken`'s hashes and expiry. Staff hold
    no tokens (they sign in to the back office), so a staff member's token is refused too."""

    def authenticate_credentials(self, key: str) -> tuple[User, ApiToken]:
        token = api_token_authenticate(secret=key)
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid or expired token."))
        if is_staff_person(user=token.user):
            raise exceptions.AuthenticationFailed(_("Staff sign in to the back office."))
        return token.user, token
