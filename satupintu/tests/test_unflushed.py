"""update_unflushed: an advisory write whose commit does not wait for the disk, and never
lends that to anyone else's commit."""

import pytest
from django.db import connection, transaction
from django.utils import timezone

from satupintu.accounts.models import ApiToken
from satupintu.accounts.services import api_token_create
from satupintu.db import update_unflushed
from satupintu.malls.tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _synchronous_commit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


def _statements(block) -> list[str]:
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        block()
    return [query["sql"] for query in queries.captured_queries]


def test_the_write_lands_in_one_statement_and_the_setting_dies_with_it():
    token, _secret = api_token_create(user=UserFactory())
    when = timezone.now()
    assert _synchronous_commit() == "on"
    sent = _statements(lambda: update_unflushed(ApiToken, token.pk, last_used=when))
    assert len(sent) == 1 and "set_config('synchronous_commit', 'off', true)" in sent[0]
    assert ApiToken.objects.get(pk=token.pk).last_used == when
    # The statement's own transaction is over: the session's later commits flush again.
    assert _synchronous_commit() == "on"


def test_inside_a_transaction_it_is_a_plain_update_and_the_commit_stays_durable():
    token, _secret = api_token_create(user=UserFactory())
    when = timezone.now()
    with transaction.atomic():
        sent = _statements(lambda: update_unflushed(ApiToken, token.pk, last_used=when))
        # Turning it off here would hold for every write of the enclosing transaction.
        assert not any("synchronous_commit" in sql for sql in sent)
        assert _synchronous_commit() == "on"
    assert ApiToken.objects.get(pk=token.pk).last_used == when


def test_a_tokens_first_use_touches_it_unflushed():
    _token, secret = api_token_create(user=UserFactory())
    from django.test import Client

    sent = _statements(
        lambda: Client(headers={"Authorization": f"Token {secret}"}).get("/api/v1/auth/tokens/")
    )
    touches = [sql for sql in sent if sql.startswith('UPDATE "accounts_apitoken"')]
    assert len(touches) == 1 and "synchronous_commit" in touches[0]
    assert _synchronous_commit() == "on"
