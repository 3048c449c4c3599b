"""Reads of the service catalog: search and the service page."""

from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import (
    BooleanField,
    Case,
    Count,
    F,
    FloatField,
    Func,
    Prefetch,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.utils.translation import get_language

from satupintu.catalog import search
from satupintu.catalog.models import Service
from satupintu.malls.models import Agency, Mall

# The stored tsvector of Service.search_text (migration 0003, PostgreSQL only).
SEARCH_VECTOR = RawSQL('"catalog_service"."search_vector"', (), output_field=TextField())


class ToTsQuery(Func):
    function = "to_tsquery"
    template = "%(function)s('simple'::regconfig, %(expressions)s)"
    output_field = TextField()


def service_list_base(*, using: str = DEFAULT_DB_ALIAS) -> QuerySet[Service]:
    """Active services of active agencies in active malls, with what a result row shows."""
    return (
        Service.objects.using(using)
        .filter(is_active=True, agency__is_active=True, agency__mall__is_active=True)
        .select_related("agency", "agency__mall")
    )


def _match(qs: QuerySet[Service], query: str, operator: str) -> QuerySet[Service]:
    terms = search.query_terms(query)
    if not terms:
        return qs.none()
    if connections[qs.db].vendor == "sqlite":
        return _match_sqlite(qs, query, terms, operator)
    tsquery = ToTsQuery(Value(search.tsquery(terms, operator=operator)))
    matches = Func(
        SEARCH_VECTOR,
        tsquery,
        template="%(expressions)s",
        arg_joiner=" @@ ",
        output_field=BooleanField(),
    )
    rank = Func(SEARCH_VECTOR, tsquery, function="ts_rank", output_field=FloatField())
    found = qs.filter(matches).annotate(rank=rank).order_by("-rank", "name", "pk")
    if operator == "|" or found.exists():
        return found
    # Typos: the whole query close to some words of the service (pg_trgm's %>).
    folded = search.fold(query)
    similarity = Func(
        Value(folded), F("search_text"), function="word_similarity", output_field=FloatField()
    )
    return (
        qs.filter(search_text__trigram_word_similar=folded)
        .annotate(rank=similarity)
        .order_by("-rank", "name", "pk")
    )


# pg_trgm's default word_similarity_threshold: what production's typo fallback accepts.
TYPO_SIMILARITY = 0.6
# Typo candidates scored by trigram share; the demo's catalog is a few hundred services.
TYPO_CANDIDATES = 200


def _ranked(qs: QuerySet[Service], ranks: dict[int, float]) -> QuerySet[Service]:
    if not ranks:
        return qs.none()
    rank = Case(
        *(When(pk=pk, then=Value(score)) for pk, score in ranks.items()),
        default=Value(0.0),
        output_field=FloatField(),
    )
    return qs.filter(pk__in=ranks).annotate(rank=rank).order_by("-rank", "name", "pk")


def _match_sqlite(
    qs: QuerySet[Service], query: str, terms: list[str], operator: str
) -> QuerySet[Service]:
    """The embedded demo's search: SQLite FTS5 (migration 0004) ranked by bm25, then, as on
    PostgreSQL, the whole query's trigrams for typos when every term together finds nothing."""
    with connections[qs.db].cursor() as cursor:
        cursor.execute(
            "SELECT rowid, bm25(catalog_service_fts) FROM catalog_service_fts "
            "WHERE catalog_service_fts MATCH %s",
            [search.fts5_query(terms, operator=operator)],
        )
        # bm25 is lower for a better match; rank is higher, as ts_rank's.
        ranks = {pk: -score for pk, score in cursor.fetchall()}
    found = _ranked(qs, ranks)
    if operator == "|" or found.exists():
        return found
    grams = sorted(search.trigrams(query))
    if not grams:
        return found
    with connections[qs.db].cursor() as cursor:
        cursor.execute(
            "SELECT rowid, search_text FROM catalog_service_trigram "
            "WHERE catalog_service_trigram MATCH %s ORDER BY bm25(catalog_service_trigram) "
            "LIMIT %s",
            [" OR ".join(f'"{gram}"' for gram in grams), TYPO_CANDIDATES],
        )
        close = {
            pk: similarity
            for pk, text in cursor.fetchall()
            if (similarity := search.trigram_similarity(query, text)) >= TYPO_SIMILARITY
        }
    return _ranked(qs, close)


def service_search(
    *,
    query: str = "",
    mall: Mall | None = None,
    agency: Agency | None = None,
    channel: str | None = None,
    using: str = DEFAULT_DB_ALIAS,
) -> QuerySet[Service]:
    """Services matching a free-text query, best first, optionally within a mall or agency.

    All significant terms must match (or the query as a whole must be close, for typos); when
    nothing does, services matching any term are returned, ranked. ``using``: the database
    searched (``satupintu.db.replica()`` for the public search, which tolerates lag).
    """
    qs = service_list_base(using=using)
    if mall is not None:
        qs = qs.filter(agency__mall=mall)
    if agency is not None:
        qs = qs.filter(agency=agency)
    if channel == "online":
        qs = qs.filter(channel__in=[Service.Channel.ONLINE, Service.Channel.BOTH])
    elif channel == "in_person":
        qs = qs.filter(channel__in=[Service.Channel.IN_PERSON, Service.Channel.BOTH])
    if not query.strip():
        return qs.order_by("agency__mall__name", "agency__name", "name", "pk")
    matched = _match(qs, query, "&")
    if matched.exists():
        return matched
    return _match(qs, query, "|")


def service_detail(*, service_id: int) -> Service:
    """One active service with its standard, requirements, steps and forms (raises DoesNotExist)."""
    return service_list_base().prefetch_related("requirements", "steps", "forms").get(pk=service_id)


def agency_list(*, mall: Mall) -> QuerySet[Agency]:
    """A mall's active agencies with the number of active services each offers."""
    return (
        Agency.objects.filter(mall=mall, is_active=True)
        .annotate(service_count=Count("services", filter=Q(services__is_active=True)))
        .order_by("kind", "name")
    )


def agency_with_services(*, mall: Mall, slug: str) -> Agency:
    return (
        Agency.objects.filter(mall=mall, is_active=True)
        .prefetch_related(
            Prefetch("services", queryset=Service.objects.filter(is_active=True).order_by("name"))
        )
        .get(slug=slug)
    )


def field_label(field: dict[str, Any], language: str | None = None) -> str:
    """A form field's label in ``language`` (the active one by default), else Indonesian."""
    label = field.get("label") or field.get("name", "")
    if isinstance(label, dict):
        language = (language or get_language() or "id")[:2]
        label = label.get(language) or label.get("id") or field.get("name", "")
    return str(label)
