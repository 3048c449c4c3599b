"""The read replica: which database a read goes to, and the router that keeps writes on default.

Nothing reads from the replica unless its caller asks by name with ``replica()``: a read that
follows a write must see it, and a replica lags. Callers ask only for heavy reads that tolerate
a few seconds of lag (public search, Open311 lists; README "Read replica"). Even then the read
goes to ``default`` when

- no replica is configured (``DATABASE_REPLICA_URL`` unset: the demo, the tests);
- it runs inside a transaction on default (``transaction.atomic``): what the transaction reads
  may decide what it writes;
- the request has written, or is an unsafe request (POST, PUT, PATCH, DELETE): the router pins
  it to default at its first write, ``ReplicaPinMiddleware`` from the start of an unsafe request
  (django-multidb-router's pinning, per request rather than per thread). Outside requests
  (workers, commands) the pin holds from the first write on, for good.
"""

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, router
from django.db.models import Field, Model
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

# True once the current request has written (or may write): its reads stay on default.
_pinned: ContextVar[bool] = ContextVar("satupintu_db_pinned", default=False)


def _in_transaction() -> bool:
    """Whether the code runs in an atomic block on default. A test case's own wrapping block
    does not count (as Django's ``durable`` check ignores it), so tests see production's routing."""
    connection = connections[DEFAULT_DB_ALIAS]
    if not connection.in_atomic_block:
        return False
    blocks = connection.atomic_blocks
    return not blocks or any(not getattr(block, "_from_testcase", False) for block in blocks)


def update_unflushed(model: type[Model], pk: int, **values: object) -> None:
    """Write ``values`` to the row ``pk`` of ``model`` in one statement whose commit does not
    wait for the disk (PostgreSQL's ``synchronous_commit`` off for that statement's transaction
    alone): for advisory writes, such as when a token was last used, that a crash may lose
    without harm. A flushed commit costs an ``fdatasync`` (3 ms on the 2-core test machine,
    0.3 ms without), paid on the first request of every client of a rush. One round trip, as a
    plain update. Inside a transaction (or off PostgreSQL) it is the plain update: the setting
    would hold for the whole transaction, whose other writes must stay durable."""
    connection = connections[router.db_for_write(model)]
    if connection.in_atomic_block or connection.vendor != "postgresql":
        model._default_manager.filter(pk=pk).update(**values)
        return
    quote = connection.ops.quote_name
    fields = [model._meta.get_field(name) for name in values]
    assert all(isinstance(field, Field) for field in fields), "columns only"
    columns = [
        (field.column, field.get_db_prep_save(values[field.name], connection))
        for field in fields
        if isinstance(field, Field)
    ]
    assignments = ", ".join(f"{quote(str(column))} = %s" for column, _value in columns)
    params: list[Any] = [value for _column, value in columns]
    with connection.cursor() as cursor:
        # set_config(..., true) lasts until the end of this statement's own transaction; the
        # subquery in FROM makes PostgreSQL run it before the row is written.
        # Only quoted names of the model go into the text; every value is a parameter.
        sql = (
            f"UPDATE {quote(str(model._meta.db_table))} SET {assignments} "  # noqa: S608
            "FROM (SELECT set_config('synchronous_commit', 'off', true)) AS unflushed "
            f"WHERE {quote(str(model._meta.pk.column))} = %s"
        )
        cursor.execute(sql, [*params, pk])


def replica_configured() -> bool:
    """Whether a replica is in use: its alias and this module's router, which
    ``DATABASE_REPLICA_URL`` sets together."""
    return REPLICA in connections and any(
        isinstance(each, PrimaryReplicaRouter) for each in router.routers
    )


def replica() -> str:
    """The database alias for a heavy read that tolerates replication lag: ``"replica"`` when
    one is configured and nothing above sends the read to ``"default"``."""
    if _pinned.get() or not replica_configured() or _in_transaction():
        return DEFAULT_DB_ALIAS
    return REPLICA


class PrimaryReplicaRouter:
    """Installed when ``DATABASE_REPLICA_URL`` is set. Every write goes to default (even of a row
    read from the replica) and pins the rest of the request there; reads go where the queryset
    says (``.using(replica())``), else to default or the database their row came from; only
    default is migrated (the replica copies its schema by replication)."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str | None:
        return None

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        _pinned.set(True)
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool | None:
        # Both aliases hold the same rows (give or take the lag): a row read from the replica
        # may be linked to one from default.
        if {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA}:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS


class ReplicaPinMiddleware:
    """Each request starts unpinned, or pinned to default when its method may write; the pin
    ends with the request (``PrimaryReplicaRouter`` pins at the first write)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _pinned.set(request.method not in SAFE_METHODS)
        try:
            return self.get_response(request)
        finally:
            _pinned.reset(token)
