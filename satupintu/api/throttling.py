"""Throttles: counted per trusted client address in the shared cache (``CACHE_URL``), by the
API's views and by the pages that share a scope with them (``page_throttle_wait``)."""

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from rest_framework import throttling
from rest_framework.request import Request
from rest_framework.settings import api_settings

from satupintu.accounts.clientip import client_ip


class ScopedRateThrottle(throttling.ScopedRateThrottle):
    """DRF's scoped throttle, keyed on :func:`client_ip` rather than ``X-Forwarded-For``."""

    def get_ident(self, request: Request | HttpRequest) -> str:
        return client_ip(getattr(request, "_request", request))

    def get_rate(self) -> str | None:
        # Read the rates when asked, not once at import, so a changed setting holds.
        try:
            # Stub gap: the rates are "n/period" strings or None, and a throttle asked for its
            # rate has a scope (DRF lets a view without one through before asking).
            return api_settings.DEFAULT_THROTTLE_RATES[self.scope]  # type: ignore[index, return-value]
        except KeyError as missing:
            raise ImproperlyConfigured(f"No throttle rate for scope {self.scope!r}") from missing


class _Page:
    """What a throttle reads of a view: its scope."""

    def __init__(self, scope: str) -> None:
        self.throttle_scope = scope


def page_throttle_wait(request: HttpRequest, *, scope: str) -> float | None:
    """Count a page's request against ``scope``'s rate, as the API views of that scope do, in
    the same counter (a client registering on the portal and through the API has one count).
    None: go on; else the seconds to wait before the next request is let through."""
    throttle = ScopedRateThrottle()
    # Duck-typed: the throttle reads only the request's user and address (get_ident above takes
    # an HttpRequest) and the view's scope.
    if throttle.allow_request(request, _Page(scope)):  # type: ignore[arg-type]
        return None
    return throttle.wait()
