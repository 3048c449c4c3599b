"""What counting and timing every request costs: RequestMetricsMiddleware's own time per request
beside the time of GET /healthz through Django's whole middleware stack without it.

Usage: python bench/metrics_middleware.py
Runs in prometheus_client's multi-process mode (the production one, where each count is written
to a file shared with the other workers: the dearer mode), in a temporary folder. Each figure
is the least of 7 repeats (the least disturbed on a shared machine). Bar: the middleware adds at
most 5 % to /healthz, the cheapest request there is.
"""

import io
import os
import shutil
import sys
import tempfile
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="bench-metrics-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "satupintu.settings")

import django  # noqa: E402

django.setup()

import harness  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.urls import resolve  # noqa: E402

from satupintu.metrics.middleware import RequestMetricsMiddleware  # noqa: E402

BAR = 0.05
REPEATS = 7


def per_call_us(call, number: int) -> float:
    for _ in range(min(number, 200)):
        call()
    return min(timeit.repeat(call, number=number, repeat=REPEATS)) / number * 1e6


def healthz_us() -> float:
    """GET /healthz through the WSGI handler and every middleware but the metrics one."""
    bare = [name for name in settings.MIDDLEWARE if "RequestMetrics" not in name]
    with override_settings(MIDDLEWARE=bare):
        handler = WSGIHandler()

        def start(status: str, headers: list) -> None:
            assert status.startswith("200"), status

        def call() -> bytes:
            environ = {
                "REQUEST_METHOD": "GET",
                "PATH_INFO": "/healthz",
                "SERVER_NAME": "127.0.0.1",
                "SERVER_PORT": "80",
                "HTTP_HOST": "127.0.0.1",
                "REMOTE_ADDR": "127.0.0.1",
                "wsgi.input": io.BytesIO(),
                "wsgi.url_scheme": "http",
            }
            return b"".join(handler(environ, start))

        return per_call_us(call, 2_000)


def middleware_us() -> float:
    """The middleware around a view that answers at once, minus that view alone."""
    request = RequestFactory().get("/healthz")
    match = resolve("/healthz")
    response = HttpResponse(b"ok")

    def view(req: HttpRequest) -> HttpResponse:
        req.resolver_match = match
        return response

    wrapped = RequestMetricsMiddleware(view)
    alone = per_call_us(lambda: view(request), 100_000)
    return per_call_us(lambda: wrapped(request), 100_000) - alone


def main() -> None:
    floor = healthz_us()
    cost = middleware_us()
    ratio = cost / floor
    passed = ratio <= BAR
    print(f"/healthz through Django without the metrics middleware: {floor:.0f} us")
    print(f"metrics middleware (multi-process mode): +{cost:.1f} us per request")
    print(f"ratio {ratio:.3f} (bar <= {BAR}) {'PASS' if passed else 'FAIL'}")
    harness.record(
        "metrics middleware",
        f"+{cost:.1f} us/request",
        f"/healthz {floor:.0f} us",
        ratio,
        f"<= {BAR}",
        passed,
    )


if __name__ == "__main__":
    try:
        main()
    finally:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
