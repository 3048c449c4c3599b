"""Every request counted and timed by the name of the URL it matched, never by its path."""

from collections.abc import Callable
from time import perf_counter

from django.http import HttpRequest, HttpResponseBase

from satupintu.metrics.instruments import REQUEST_SECONDS, REQUESTS

# Requests answered before any URL matched: unknown paths (404), static files, refusals of bad
# input and language redirects. Their paths are the client's words: one label for all of them.
UNMATCHED = "<unmatched>"


class RequestMetricsMiddleware:
    """Counts each answer by (URL name, status class) and times it by URL name.

    The URL name (``portal:booking_detail``) is one label for every booking code, tracking number
    or token the path carries: raw paths would put those codes into the metrics, and a series
    per code would grow without end. It runs on every request, /healthz included: two clock
    reads and two lookups of children kept in a dict.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self._counted: dict[tuple[str, int], tuple[Callable[[], None], Callable[[float], None]]]
        self._counted = {}

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        started = perf_counter()
        response = self.get_response(request)
        elapsed = perf_counter() - started
        match = request.resolver_match
        view = match.view_name if match is not None else UNMATCHED
        key = (view, response.status_code // 100)
        children = self._counted.get(key)
        if children is None:
            counter = REQUESTS.labels(view, f"{key[1]}xx")
            children = (counter.inc, REQUEST_SECONDS.labels(view).observe)
            self._counted[key] = children
        children[0]()
        children[1](elapsed)
        return response
