"""The shared core of the outside systems: encrypted credentials, choosing the integration that
applies, the outbox of calls against a real server on loopback (retries, refusals, held calls,
replays, hooks), the HTTP wrapper's limits, the fakes' parsing and their command."""

import io
import json
from datetime import timedelta
from typing import Any

import pytest
import requests
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from satupintu.integrations import http, registry, services
from satupintu.integrations.fakes import FakeRequest, FakeResponse, FakeServer, register_fake
from satupintu.integrations.models import Integration, IntegrationEvent, OutboundCall
from satupintu.integrations.registry import CallFailed
from satupintu.malls.tests.factories import AgencyFactory, MallFactory, UserFactory

pytestmark = pytest.mark.django_db


class Echo(FakeServer):
    """Answers each POST with the next queued (status, body), else 200 {"ok": true}."""

    name = "echo"

    def __init__(self) -> None:
        super().__init__()
        self.answers: list[tuple[int, Any]] = []

    def handle(self, request: FakeRequest) -> FakeResponse:
        if request.path == "/big":
            return FakeResponse(200, b"x" * 5000)
        if request.path == "/form":
            fields, files = request.form()
            return FakeResponse(
                200, {"fields": fields, "files": {k: len(v) for k, v in files.items()}}
            )
        if self.answers:
            status, body = self.answers.pop(0)
            return FakeResponse(status, body)
        return FakeResponse(200, {"ok": True, "got": request.json()})


@registry.operation("test.echo")
def _echo(call: OutboundCall) -> dict[str, Any]:
    answer = http.send(
        "POST",
        call.integration.base_url + "/echo",
        json=call.payload,
        headers={"user_key": call.integration.secret("user_key")},
        timeout=call.integration.option("timeout", 2),
    )
    if answer.status >= 500:
        raise CallFailed(f"HTTP {answer.status}", status_code=answer.status, answer=answer.text())
    if answer.status != 200:
        raise CallFailed(
            f"HTTP {answer.status}", status_code=answer.status, answer=answer.text(), retry=False
        )
    return {"got": answer.json()["got"]}


@registry.on_done("test.echo")
def _remember(call: OutboundCall) -> None:
    IntegrationEvent.objects.create(
        kind=call.integration.kind, direction="out", operation="hook", ok=True, message=call.subject
    )


registry.register_provider(Integration.Kind.OSS, "test-echo", "Echo")
register_fake("echo", Echo)


@pytest.fixture
def echo():
    with Echo() as server:
        yield server


def make_integration(base_url: str = "http://127.0.0.1:9", **kwargs: Any) -> Integration:
    kwargs.setdefault("name", "OSS")
    integration = Integration(
        kind=Integration.Kind.OSS, provider="test-echo", base_url=base_url, **kwargs
    )
    integration.set_secrets({"user_key": "k-123"})
    integration.save()
    return integration


def test_secrets_are_encrypted_at_rest_and_read_back(monkeypatch):
    integration = make_integration()
    integration.set_secrets({"password": "rahasia-sekali", "from_env": "env:SP_TEST_SECRET"})
    integration.save()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT credentials FROM integrations_integration WHERE id = %s", [integration.pk]
        )
        stored = cursor.fetchone()[0]
    assert "rahasia" not in stored and "k-123" not in stored
    fresh = Integration.objects.get(pk=integration.pk)
    assert fresh.secret("password") == "rahasia-sekali"
    assert fresh.secret("from_env") == ""
    monkeypatch.setenv("SP_TEST_SECRET", "dari-lingkungan")
    assert fresh.secret("from_env") == "dari-lingkungan"
    assert fresh.secret_names() == ["from_env", "password", "user_key"]
    fresh.set_secrets({"password": ""})
    assert "password" not in fresh.secret_names()


def test_secrets_unreadable_under_another_key(settings):
    integration = make_integration()
    settings.SECRET_KEY = "another-key-entirely"
    assert Integration.objects.get(pk=integration.pk).secret("user_key") == ""


def test_the_most_specific_active_integration_applies():
    mall, other = MallFactory(), MallFactory()
    agency = AgencyFactory(mall=mall)
    national = make_integration(name="national")
    assert services.integration_for(Integration.Kind.OSS, agency=agency) == national
    for_mall = make_integration(name="mall", mall=mall)
    assert services.integration_for(Integration.Kind.OSS, agency=agency) == for_mall
    assert services.integration_for(Integration.Kind.OSS, mall=other) == national
    for_agency = make_integration(name="agency", mall=mall, agency=agency)
    assert services.integration_for(Integration.Kind.OSS, agency=agency) == for_agency
    for_agency.is_active = False
    for_agency.save()
    assert services.integration_for(Integration.Kind.OSS, agency=agency) == for_mall
    assert services.integration_for(Integration.Kind.BSRE, agency=agency) is None


def test_a_call_is_made_once_its_change_commits(echo, django_capture_on_commit_callbacks):
    integration = make_integration(echo.base_url)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        call = services.call_enqueue(
            integration=integration, operation="test.echo", payload={"a": 1}, subject="app:1"
        )
    assert echo.requests == []  # nothing leaves before the change commits
    for callback in callbacks:
        callback()  # eager Celery in tests: the worker's attempt runs here
    call.refresh_from_db()
    assert call.status == OutboundCall.Status.DONE
    assert call.result == {"got": {"a": 1}}
    assert echo.requests[0].header("USER_KEY") == "k-123"
    assert IntegrationEvent.objects.filter(operation="hook", message="app:1").exists()
    integration.refresh_from_db()
    assert integration.last_success_at is not None


def test_same_key_same_call():
    integration = make_integration()
    first = services.call_enqueue(
        integration=integration, operation="test.echo", payload={}, key="izin-1"
    )
    again = services.call_enqueue(
        integration=integration, operation="test.echo", payload={"other": True}, key="izin-1"
    )
    assert first.pk == again.pk
    assert OutboundCall.objects.count() == 1


def test_unknown_operation_is_a_programming_error():
    with pytest.raises(ValueError):
        services.call_enqueue(integration=make_integration(), operation="nope", payload={})


def test_an_outage_is_retried_later_then_gives_up(echo):
    integration = make_integration(echo.base_url)
    call = OutboundCall.objects.create(integration=integration, operation="test.echo", payload={})
    echo.answers = [(503, {"error": "down"})] * 10
    call = services.call_attempt(call_id=str(call.pk))
    assert call.status == OutboundCall.Status.PENDING
    assert call.last_status_code == 503 and '"down"' in call.last_answer
    assert call.next_attempt_at > timezone.now() + timedelta(seconds=30)
    assert services.call_attempt(call_id=str(call.pk)) is None  # not due yet
    integration.refresh_from_db()
    assert integration.last_error == "HTTP 503"
    for _ in range(5):
        OutboundCall.objects.filter(pk=call.pk).update(next_attempt_at=timezone.now())
        call = services.call_attempt(call_id=str(call.pk))
    assert call.status == OutboundCall.Status.FAILED
    assert call.attempts == 6


def test_a_refusal_is_not_retried(echo):
    integration = make_integration(echo.base_url)
    call = OutboundCall.objects.create(integration=integration, operation="test.echo", payload={})
    echo.answers = [(400, {"error": "bad"})]
    call = services.call_attempt(call_id=str(call.pk))
    assert call.status == OutboundCall.Status.FAILED


def test_a_timeout_holds_a_call_that_must_not_be_made_twice_until_replayed(
    echo, django_capture_on_commit_callbacks
):
    integration = make_integration(echo.base_url, options={"timeout": 0.3})
    once = OutboundCall.objects.create(
        integration=integration, operation="test.echo", payload={}, retry=False
    )
    again = OutboundCall.objects.create(integration=integration, operation="test.echo", payload={})
    echo.delay = 1.0
    assert services.call_attempt(call_id=str(once.pk)).status == OutboundCall.Status.HELD
    assert services.call_attempt(call_id=str(again.pk)).status == OutboundCall.Status.PENDING
    assert services.calls_sweep() == 0  # a held call is never picked up by itself
    echo.delay = 0
    with django_capture_on_commit_callbacks(execute=True):
        replayed = services.call_replay(call=once)
    replayed.refresh_from_db()
    assert replayed.status == OutboundCall.Status.DONE


def test_no_connection_is_retried_even_for_a_call_that_must_not_be_made_twice():
    integration = make_integration("http://127.0.0.1:9")  # nothing listens on port 9
    call = OutboundCall.objects.create(
        integration=integration, operation="test.echo", payload={}, retry=False
    )
    assert services.call_attempt(call_id=str(call.pk)).status == OutboundCall.Status.PENDING


def test_a_turned_off_integration_fails_its_calls(echo):
    integration = make_integration(echo.base_url, is_active=False)
    call = OutboundCall.objects.create(integration=integration, operation="test.echo", payload={})
    assert services.call_attempt(call_id=str(call.pk)).status == OutboundCall.Status.FAILED
    assert echo.requests == []


def test_the_sweep_queues_what_is_due(echo):
    integration = make_integration(echo.base_url)
    due = OutboundCall.objects.create(integration=integration, operation="test.echo", payload={})
    OutboundCall.objects.create(
        integration=integration,
        operation="test.echo",
        payload={},
        next_attempt_at=timezone.now() + timedelta(hours=1),
    )
    assert services.calls_sweep() == 1
    due.refresh_from_db()
    assert due.status == OutboundCall.Status.DONE
    state = services.integration_state(integration)
    assert (state.pending, state.held, state.failed) == (1, 0, 0)


def test_fetch_refuses_a_body_over_the_limit(echo):
    rules = http.fetch_rules(echo.base_url)
    assert http.fetch(echo.base_url + "/big", rules=rules, max_bytes=5000) == b"x" * 5000
    with pytest.raises(CallFailed) as refused:
        http.fetch(echo.base_url + "/big", rules=rules, max_bytes=4999)
    assert refused.value.retry is False


def test_fake_parses_multipart_and_urlencoded_forms(echo):
    answer = requests.post(
        echo.base_url + "/form",
        data={"nik": "3271014501900001", "tampilan": "invisible"},
        files={"file": ("a.pdf", b"%PDF-1.7 test", "application/pdf")},
        timeout=5,
    ).json()
    assert answer == {
        "fields": {"nik": "3271014501900001", "tampilan": "invisible"},
        "files": {"file": 13},
    }
    answer = requests.post(echo.base_url + "/form", data={"grant_type": "x"}, timeout=5).json()
    assert answer["fields"] == {"grant_type": "x"}


def test_run_fakes_starts_and_stops_the_fakes():
    out = io.StringIO()
    call_command("run_fakes", "echo", "--seconds", "0.1", stdout=out)
    assert out.getvalue().startswith("echo: http://127.0.0.1:")


def test_admin_writes_secrets_and_never_shows_them(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.post(
        reverse("admin:integrations_integration_add"),
        {
            "kind": "oss",
            "provider": "test-echo",
            "name": "OSS Kota Bogor",
            "base_url": "https://api-stg.oss.go.id/stg/v1/kl/rba",
            "options": json.dumps({"kd_daerah": "3271000000"}),
            "is_active": "on",
            "new_secrets": "username=bogor\npassword=sangat-rahasia",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    integration = Integration.objects.get()
    assert integration.secret("password") == "sangat-rahasia"
    page = client.get(reverse("admin:integrations_integration_change", args=[integration.pk]))
    assert page.status_code == 200
    assert b"sangat-rahasia" not in page.content
    assert b"password, username" in page.content
    refused = client.post(
        reverse("admin:integrations_integration_add"),
        {"kind": "bsre", "provider": "test-echo", "name": "x", "options": "{}"},
    )
    assert refused.status_code == 200  # a provider of another kind of system
    assert Integration.objects.count() == 1


def test_the_admin_list_counts_every_queue_in_one_query(client, django_assert_max_num_queries):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    for n in range(5):
        integration = make_integration(name=f"OSS {n}")
        for status in (OutboundCall.Status.PENDING, OutboundCall.Status.HELD):
            OutboundCall.objects.create(
                integration=integration, operation="test.echo", payload={}, status=status
            )
    url = reverse("admin:integrations_integration_changelist")
    client.get(url)  # warm: session, user
    with django_assert_max_num_queries(12):
        page = client.get(url)
    assert page.status_code == 200
    assert page.content.decode().count("1 menunggu, 1 ditahan, 0 gagal") == 5
