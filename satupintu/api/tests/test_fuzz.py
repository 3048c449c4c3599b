"""Schemathesis over the committed openapi.yaml: no operation answers a 5xx, and every answer
matches the schema it documents.

Every operation runs through Django's WSGI application against the PostgreSQL test database,
as anonymous, a citizen, a mall manager and an outside system holding an integration key.
"""

from datetime import timedelta
from pathlib import Path

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from satupintu.accounts.services import api_token_create
from satupintu.api.models import IntegrationKey
from satupintu.booking.tests.factories import citizen, visit_service
from satupintu.malls.services import announcement_publish, membership_grant
from satupintu.malls.tests.factories import UserFactory

SCHEMA = Path(__file__).resolve().parents[3] / "openapi.yaml"
schema = schemathesis.openapi.from_path(SCHEMA)
schema.app = get_wsgi_application()
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
WHO = ["anonymous", "citizen", "staff", "integration"]


@pytest.fixture
def _one_transaction():
    """The WSGI handler closes "old" connections around each request, which would end the
    test's transaction; the test client does without that too."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def credentials(db, _one_transaction) -> dict[str, dict[str, str]]:
    """The Authorization header of each kind of caller (API tokens made as the token
    service makes them)."""
    service = visit_service()
    # Data whose answers the schema once got wrong: a mall-wide announcement (no agency) and
    # opening hours (times of day).
    now = timezone.now()
    announcement_publish(
        mall=service.agency.mall,
        title="Libur",
        body="Tutup",
        valid_from=now - timedelta(days=1),
        valid_until=now + timedelta(days=1),
    )
    manager = UserFactory()
    membership_grant(user=manager, role="mall_manager", mall=service.agency.mall)
    _key, secret = IntegrationKey.issue(name="fuzz", mall=service.agency.mall)
    return {
        "anonymous": {},
        "citizen": {"Authorization": f"Token {api_token_create(user=citizen())[1]}"},
        "staff": {"Authorization": f"Token {api_token_create(user=manager)[1]}"},
        "integration": {"Authorization": f"Api-Key {secret}"},
    }


@schema.parametrize()
@settings(
    max_examples=6,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@schema.given(who=st.sampled_from(WHO))
def test_api(case, who, credentials):
    response = case.call(headers=credentials[who])
    case.validate_response(response, checks=CHECKS, headers=credentials[who])
