"""Who calls an endpoint, for the type checker as for the code."""

from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request

from satupintu.accounts.models import User


def signed_in_user(request: Request) -> User:
    """The account behind a request that passed an authenticated permission (IsAuthenticated,
    StaffOnly, or CitizenOrIntegration without an integration key): never AnonymousUser. A
    request without one is answered 401 (never reached past those permissions)."""
    user = request.user
    if not isinstance(user, User):
        raise NotAuthenticated()
    return user
