"""The request type of pages only a signed-in user reaches."""

from django.http import HttpRequest

from satupintu.accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """A request behind ``login_required``: its user is an account, never AnonymousUser.

    Only an annotation for the type checker (django-stubs' recipe); Django still passes an
    ``HttpRequest``."""

    user: User
