"""/metrics, for Prometheus: answered to a bearer token or to the internal network, else 404."""

import hmac
import ipaddress
from functools import cache

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
)

from satupintu.accounts.clientip import client_ip
from satupintu.metrics.collectors import BacklogCollector

# Read at scrape time, by the one process answering it (never per worker).
BACKLOG = CollectorRegistry(auto_describe=False)
BACKLOG.register(BacklogCollector())
# Headers a reverse proxy adds. With NUM_PROXIES = 0 we trust none of them, and REMOTE_ADDR is
# then the proxy's own address when there is one after all (often loopback): not a client of
# the internal network.
PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@cache
def allowed_networks(nets: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(net.strip(), strict=False) for net in nets if net.strip())


def _token_given(request: HttpRequest) -> bool:
    expected = settings.METRICS_TOKEN
    scheme, _sep, given = request.headers.get("Authorization", "").partition(" ")
    if not expected or scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), expected.encode())


def _from_allowed_network(request: HttpRequest) -> bool:
    """Whether the client address (as the throttles key it: client_ip) is in
    METRICS_ALLOWED_NETS.

    ``client_ip`` trusts X-Forwarded-For only as far as NUM_PROXIES says: a client writing
    ``X-Forwarded-For: 127.0.0.1`` is still its own address. With no trusted proxy declared, a
    request carrying a proxy's headers is refused: it came through a proxy we were not told of,
    whose own (loopback) address is all REMOTE_ADDR shows, so it may come from anywhere.
    """
    if settings.NUM_PROXIES <= 0 and any(header in request.META for header in PROXY_HEADERS):
        return False
    try:
        address = ipaddress.ip_address(client_ip(request))
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in net for net in allowed_networks(tuple(settings.METRICS_ALLOWED_NETS)))


def exposition() -> bytes:
    """The metrics in Prometheus' text format: every process's counters (summed over the
    processes sharing PROMETHEUS_MULTIPROC_DIR, else this process's), then the backlog."""
    if settings.PROMETHEUS_MULTIPROC_DIR:
        processes = CollectorRegistry()
        multiprocess.MultiProcessCollector(processes, path=settings.PROMETHEUS_MULTIPROC_DIR)
        own = generate_latest(processes)
    else:
        own = generate_latest(REGISTRY)
    return own + generate_latest(BACKLOG)


@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    """Not public: a 404, as for any missing page, unless the token or the network allows it."""
    if not (_token_given(request) or _from_allowed_network(request)):
        raise Http404
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
