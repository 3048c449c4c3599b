"""Insert many model rows with PostgreSQL's COPY: ``bulk_create`` spends most of a 10,000-row
insert compiling its SQL and parameters; COPY streams the same values and the server reads them
as fast as it can write them (a closure's history rows and outbox messages)."""

from collections.abc import Callable, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from django.db import connection, models
from django.db.models import Model

# Fields whose attribute value is already what the database takes (their conversions only
# check it): read as they are, which halves the time of a wide row. Exact types: a subclass
# may convert.
_AS_THEY_ARE = {
    models.AutoField,
    models.BigAutoField,
    models.CharField,
    models.TextField,
    models.SmallIntegerField,
    models.IntegerField,
    models.BigIntegerField,
    models.PositiveSmallIntegerField,
    models.PositiveIntegerField,
    models.PositiveBigIntegerField,
    models.BooleanField,
    models.ForeignKey,
    models.OneToOneField,
}


def _reader(field: "models.Field[Any, Any]") -> Callable[[Model], Any]:
    """How one field's value for the database is read from an object."""
    attname = field.attname
    if type(field) in _AS_THEY_ARE:
        return lambda obj: getattr(obj, attname)

    def converted(obj: Model) -> Any:
        return field.get_db_prep_save(field.pre_save(obj, True), connection)

    if type(field) is models.DateTimeField and not (field.auto_now or field.auto_now_add):
        # None or an aware moment go as they are; anything else is converted (and warned of).
        def moment(obj: Model) -> Any:
            value = getattr(obj, attname)
            if value is None or (isinstance(value, datetime) and value.tzinfo is not None):
                return value
            return converted(obj)

        return moment
    return converted


@lru_cache(maxsize=64)
def _fields_of(model: type[Model]) -> tuple[tuple["models.Field[Any, Any]", ...], frozenset[str]]:
    fields = tuple(model._meta.concrete_fields)
    return fields, frozenset(field.attname for field in fields)


def built[M: Model](model: type[M], values: dict[str, Any]) -> M:
    """``model(**values)``, the keys being the fields' attnames (``mall_id``, not ``mall``),
    built by position as a row read from the database is: ``Model.__init__``'s keyword path
    costs about three times as much, which ten thousand history rows or messages feel. Fields
    not given take their defaults; an unknown name is refused as the keyword path refuses it."""
    fields, names = _fields_of(model)
    if not names.issuperset(values):
        unknown = sorted(set(values) - names)
        raise TypeError(f"{model.__name__} has no field {unknown[0]!r}")
    return model(
        *[
            values[field.attname] if field.attname in values else field.get_default()
            for field in fields
        ]
    )


def copy_create[M: Model](objs: Sequence[M]) -> Sequence[M]:
    """Insert ``objs`` (of one model, not saved yet) with one COPY, in the caller's transaction,
    as ``bulk_create`` would: their primary keys are drawn from the table's sequence first and
    set on them, ``auto_now_add`` fields and defaults are filled, and each value goes through
    its field's conversion for the database. No signals are sent (nor by ``bulk_create``)."""
    if not objs:
        return objs
    model = type(objs[0])
    meta = model._meta
    pk = meta.pk
    assert pk is not None
    table = meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [connection.ops.quote_name(table), pk.column, len(objs)],
        )
        for obj, (key,) in zip(objs, cursor.fetchall(), strict=True):
            setattr(obj, pk.attname, key)
            obj._state.adding = False
            obj._state.db = connection.alias
        fields = [f for f in meta.concrete_fields if not f.generated]
        readers = [_reader(f) for f in fields]
        names = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)
        with cursor.copy(f"COPY {connection.ops.quote_name(table)} ({names}) FROM STDIN") as copy:
            for obj in objs:
                copy.write_row([read(obj) for read in readers])
    return objs
