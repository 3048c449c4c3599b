"""The request type of pages only a signed-in user reaches, and its account."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from satupintu.accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """A request behind ``login_required``: its user is an account, never AnonymousUser.

    Only an annotation for the type checker (django-stubs' recipe); Django still passes an
    ``HttpRequest``."""

    user: User


def signed_in_user(request: HttpRequest) -> User:
    """The account of a request only a signed-in user reaches (the admin site lets in only
    active staff accounts): never AnonymousUser; refused (403) if it somehow were."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user
