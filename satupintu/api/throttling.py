"""API throttles: counted per trusted client address in the shared cache (``CACHE_URL``)."""

from django.core.exceptions import ImproperlyConfigured
from rest_framework import throttling
from rest_framework.request import Request
from rest_framework.settings import api_settings

from satupintu.accounts.clientip import client_ip


class ScopedRateThrottle(throttling.ScopedRateThrottle):
    """DRF's scoped throttle, keyed on :func:`client_ip` rather than ``X-Forwarded-For``."""

    def get_ident(self, request: Request) -> str:
        return client_ip(request._request)

    def get_rate(self) -> str | None:
        # Read the rates when asked, not once at import, so a changed setting holds.
        try:
            return api_settings.DEFAULT_THROTTLE_RATES[self.scope]
        except KeyError as missing:
            raise ImproperlyConfigured(f"No throttle rate for scope {self.scope!r}") from missing
