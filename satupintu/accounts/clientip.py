"""The client's address as the trusted proxies in front of us saw it, and nothing a client says."""

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The address every per-client counter (lock-out, throttles, report flood) is keyed on.

    With ``NUM_PROXIES = 0`` (no proxy in front) it is ``REMOTE_ADDR``, whatever
    ``X-Forwarded-For`` says: a client can write anything there. Behind ``n`` proxies each
    appends the address it received from, so the n-th entry from the right is the one the first
    trusted proxy saw; entries left of it are the client's own words.
    """
    remote = request.META.get("REMOTE_ADDR", "") or ""
    proxies = settings.NUM_PROXIES
    if proxies <= 0:
        return remote
    forwarded = [
        part.strip()
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    if not forwarded:
        return remote
    return forwarded[-min(proxies, len(forwarded))]
