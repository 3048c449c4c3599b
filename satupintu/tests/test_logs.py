"""Logs: JSON lines with the request id, followed into tasks; no personal data in any line."""

import io
import json
import logging
import re

import pytest
from celery import Celery
from django.conf import settings
from django.urls import resolve

from satupintu import logs
from satupintu.celery import app
from satupintu.tests.test_settings import PRODUCTION, _check


def lines(buffer: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def test_settings_log_through_the_filters_in_the_chosen_format():
    handler = settings.LOGGING["handlers"]["console"]
    assert handler["filters"] == ["request_id", "personal_data"]
    assert handler["formatter"] == settings.LOG_FORMAT
    assert settings.MIDDLEWARE[0] == "satupintu.logs.RequestLogMiddleware"


def test_production_logs_json_lines_by_default_and_a_wrong_format_refuses_to_start():
    show = (
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings; print(settings.LOG_FORMAT)",
    )
    assert _check(*show, **PRODUCTION).stdout.strip() == "json"
    assert _check(*show, **PRODUCTION, LOG_FORMAT="text").stdout.strip() == "text"
    assert _check(*show).stdout.strip() == "text"  # the demo
    refused = _check(*show, LOG_FORMAT="xml")
    assert refused.returncode != 0 and "LOG_FORMAT must be json or text" in refused.stderr


@pytest.mark.parametrize(
    "text",
    [
        "3271014501900001",
        "+6281234567890",
        "6281234567890",
        "081234567890",
        "0812-3456-7890",
        "0812 3456 7890",
        "0812.3456.7890",
        "+62 812-3456-7890",
        "+62 812 3456 7890",
        "%2B6281234567890",
        "warga@demo.satupintu.id",
        "Warga.Siti+mpp@Demo.SatuPintu.id",
        "warga%40demo.satupintu.id",
    ],
)
def test_personal_data_is_masked_in_any_common_format(text):
    masked = logs.mask_personal_data(f"login={text}; next")
    assert masked.startswith("login=[") and masked.endswith("]; next")
    assert not re.search(r"\d{5}|@|%40", masked)


@pytest.mark.parametrize(
    "text",
    [
        "LPR-2026-000123",
        "MPP-2026-123456",
        "client 10.0.0.12",
        "client 80.123.45.67",
        "took 0.0123456789s",
        "succeeded in 0.8123456789012345s: None",
        "0.62812345678",
        "a1b2c3d4e5f60718293a4b5c6d7e8f90",
        "2026-11-30 08:00",
        "user 1234567",
    ],
)
def test_what_is_no_personal_data_stays(text):
    assert logs.mask_personal_data(text) == text


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        ("/kunjungan/ABCD-EFGH/batal/", "/kunjungan/*/batal/"),
        ("/kunjungan/abcd-efgh/", "/kunjungan/*/"),  # lowercase: still the route's code
        ("/verify/ABCDEFGHJKLM/", "/verify/*/"),
        ("/lupa-sandi/tautan/s3cr3t-Token_x/", "/lupa-sandi/tautan/*/"),
        (
            "/pengaduan/LPR-2026-000001/Zx9_secret/tanda-terima.txt",
            "/pengaduan/*/*/tanda-terima.txt",
        ),
        (
            "/kunjungan/kalender/eyJ0ZXN0IjoxfQ:1v5qVz/kunjungan.ics",
            "/kunjungan/kalender/*/kunjungan.ics",
        ),
        ("/api/v1/track/MPP-2026-123456/", "/api/v1/track/*/"),
        ("/mpp/kota-bogor/instansi/disdukcapil/", "/mpp/kota-bogor/instansi/disdukcapil/"),
        ("/akun/permohonan/42/berkas/7/", "/akun/permohonan/42/berkas/7/"),
        ("/open311/v2/requests/LPR-2026-000001.json", "/open311/v2/requests/*.json"),
        ("/akun/2fa/", "/akun/2fa/"),
    ],
)
def test_secrets_in_routes_are_masked_and_the_route_stays_recognisable(rf, path, logged):
    request = rf.get(path)
    request.resolver_match = resolve(path)
    assert logs.path_for_log(request) == logged


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        ("/akun/3271014501900001/", "/akun/*/"),
        ("/cari/warga@demo.satupintu.id/", "/cari/*/"),
        ("/api/v1/nothing/Zx9Secret/", "/api/v1/nothing/*/"),
        ("/kota-bogor/12/laporan.pdf", "/kota-bogor/12/laporan.pdf"),
        ("/x/1234567890/", "/x/*/"),
    ],
)
def test_a_path_that_matched_no_route_keeps_only_words_and_ids(rf, path, logged):
    assert logs.path_for_log(rf.get(path)) == logged


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("0f8fad5b-d9cb-469f-a165-70867728950e", True),
        ("a1b2c3d4e5f60718", True),
        ("short", False),
        ("x" * 65, False),
        ("id with spaces", False),
        ('"}{"level":"CRITICAL', False),
        ("warga@demo.satupintu.id", False),
        ("3271014501900001", False),  # sane characters, but a NIK
    ],
)
def test_the_proxys_request_id_is_taken_only_when_sane(client, sent, kept):
    response = client.get("/healthz", headers={"X-Request-ID": sent})
    answered = response["X-Request-ID"]
    assert (answered == sent) is kept
    assert re.fullmatch(r"[A-Za-z0-9._:-]{8,64}", answered)


@pytest.mark.django_db
def test_an_access_line_per_request_with_its_id_view_status_and_duration(client, captured):
    response = client.get(
        "/kunjungan/ABCD-EFGH/?token=secret", headers={"X-Request-ID": "req-1234abcd"}
    )
    assert response["X-Request-ID"] == "req-1234abcd"
    access = [line for line in lines(captured) if line["logger"] == "satupintu.request"]
    assert len(access) == 1
    (line,) = access
    assert line["request_id"] == "req-1234abcd" and line["method"] == "GET"
    assert line["path"] == "/kunjungan/*/" and line["view"] == "portal:booking"
    assert line["status"] == response.status_code and isinstance(line["duration_ms"], float)
    assert line["level"] == "INFO" and re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:.]+\+00:00", line["time"])
    assert "token" not in captured.getvalue() and "ABCD-EFGH" not in captured.getvalue()


def test_django_404_warnings_name_the_masked_path(client, captured):
    client.get("/akun/3271014501900001/ABCD-EFGH/")
    warning = next(line for line in lines(captured) if line["logger"] == "django.request")
    assert warning["message"] == "Not Found: /akun/*/*/"
    assert warning["level"] == "WARNING" and warning["request_id"]


def test_a_traceback_and_text_fields_are_masked_too(captured):
    log = logging.getLogger("satupintu.test")
    try:
        raise ValueError("no account for warga@demo.satupintu.id")
    except ValueError:
        log.exception("lookup of %s failed", "3271014501900001", extra={"to": "+6281234567890"})
    (line,) = lines(captured)
    assert line["message"] == "lookup of [nik] failed" and line["to"] == "[phone]"
    assert "ValueError: no account for [email]" in line["exception"]
    assert line["request_id"] is None  # written outside any request


def test_a_log_call_with_arguments_that_do_not_fit_still_writes_a_masked_line(captured):
    logging.getLogger("satupintu.test").warning("%s and %s", "warga@demo.satupintu.id")
    (line,) = lines(captured)
    assert "[email]" in line["message"] and "warga@" not in line["message"]


def test_the_text_format_carries_the_request_id(captured):
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logs.TextFormatter())
    handler.addFilter(logs.PersonalDataFilter())
    log = logging.getLogger("satupintu.test")
    log.addHandler(handler)
    try:
        with logs.request_id_set("abcdef123456"):
            log.warning("to %s", "0812-3456-7890")
        log.warning("outside")
    finally:
        log.removeHandler(handler)
    first, second = buffer.getvalue().splitlines()
    assert first.endswith("WARNING satupintu.test [abcdef123456] to [phone]")
    assert second.endswith("WARNING satupintu.test [-] outside")


# -- Celery ------------------------------------------------------------------------------------


def test_publishing_a_task_puts_the_request_id_in_its_headers():
    headers: dict = {}
    with logs.request_id_set("req-abcdef12"):
        logs.task_publishing(headers=headers, body=(), exchange="", routing_key="x")
    assert headers == {"request_id": "req-abcdef12"}
    empty: dict = {}
    logs.task_publishing(headers=empty)  # outside a request: nothing to carry
    assert empty == {}


def test_a_task_message_published_to_a_broker_carries_the_request_id():
    """A real publish through kombu's in-memory transport: the message's headers hold the id."""
    probe = Celery("probe", broker="memory://", set_as_current=False)
    with logs.request_id_set("req-published1"):
        probe.send_task("notify.sweep", queue="probe")
    with probe.connection_for_read() as connection:
        message = connection.SimpleQueue("probe").get(timeout=5)
    assert message.headers["request_id"] == "req-published1"
    assert message.headers["task"] == "notify.sweep"


class _FakeTask:
    """What task_prerun hands over: the task, whose request holds the message's headers."""

    name = "notify.sweep"

    def __init__(self, **headers):
        self.request = type("Request", (), headers)()


def test_a_worker_takes_the_request_id_from_the_headers_and_clears_it_after_the_task():
    assert logs.current_request_id() is None
    logs.task_starting(task_id="t-1", task=_FakeTask(request_id="req-fromheader"))
    assert logs.current_request_id() == "req-fromheader"
    logs.task_finished(task_id="t-1")
    assert logs.current_request_id() is None


def test_a_task_run_in_process_keeps_the_requests_id(captured):
    """Eager mode (the demo): the task logs with the id of the request that queued it."""

    @app.task(name="tests.log_something", shared=False)
    def log_something():
        logging.getLogger("satupintu.test").warning("in the task")

    with logs.request_id_set("req-eager1234"):
        log_something.delay()
        assert logs.current_request_id() == "req-eager1234"  # still the request's after it
    (line,) = [line for line in lines(captured) if line["message"] == "in the task"]
    assert line["request_id"] == "req-eager1234"
    assert line["task_name"] == "tests.log_something" and line["task_id"]
