"""Where to go after signing in, registering or giving a code: only a path of this site."""

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def next_path(request: HttpRequest, target: str, *, default: str) -> str:
    """``target`` when it is a path on this site (``/...``), else ``default``.

    A bare word is refused too: ``redirect()`` would take it for a URL name and fail, and a
    relative path would land somewhere the person did not ask for.
    """
    if (
        target.startswith("/")
        and not target.startswith(("//", "/\\"))
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return target
    return default
