"""gunicorn, as deployed (gunicorn.conf.py), writes its own lines, access log included, as JSON
with the request id, the path's secrets masked and no query string."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from django.conf import settings
from django.db import connection

pytestmark = pytest.mark.django_db  # gunicorn reads the schema and nothing it writes


@pytest.fixture
def gunicorn(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_ENV": "demo",
        "LOG_FORMAT": "json",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
    }
    log = tmp_path / "gunicorn.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "satupintu.wsgi", "-w", "1"]
        + ["-b", f"127.0.0.1:{port}", "--access-logfile", "-"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"gunicorn did not start:\n{log.read_text()}")
            time.sleep(0.2)
    yield f"http://127.0.0.1:{port}", log
    process.terminate()
    process.wait(timeout=30)


def _get(url: str, **headers: str) -> str:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (our own server)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.headers["X-Request-ID"]
    except urllib.error.HTTPError as error:
        return error.headers["X-Request-ID"]


def test_gunicorns_lines_are_json_with_the_request_id_and_nothing_secret(gunicorn):
    base, log = gunicorn
    referer = f"{base}/lupa-sandi/tautan/Zx9-secret/?email=warga@demo.satupintu.id"
    first = _get(f"{base}/akun/3271014501900001/?telepon=081234567890", Referer=referer)
    second = _get(f"{base}/healthz", **{"X-Request-ID": "proxy-req-0001"})
    assert second == "proxy-req-0001"
    deadline = time.monotonic() + 10
    while log.read_text().count('"gunicorn.access"') < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    text = log.read_text()
    lines = [json.loads(line) for line in text.splitlines()]
    access = [line for line in lines if line["logger"] == "gunicorn.access"]
    assert [line["request_id"] for line in access] == [first, second]
    assert 'GET /akun/*/ HTTP/1.1" 404' in access[0]["message"]
    assert f"{base}/lupa-sandi/tautan/*/" in access[0]["message"]
    assert any(line["logger"] == "gunicorn.error" for line in lines)  # "Booting worker..."
    app = [line for line in lines if line["logger"] == "satupintu.request"]
    assert [line["request_id"] for line in app] == [first, second]
    for secret in ("3271014501900001", "081234567890", "warga@", "Zx9-secret", "telepon"):
        assert secret not in text
