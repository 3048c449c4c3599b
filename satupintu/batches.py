"""Erasing rows in small batches: the retention job's one way through every app's records."""

from collections.abc import Callable

from django.db import transaction
from django.db.models import QuerySet

RETENTION_BATCH = 500


def in_batches(
    queryset: QuerySet,
    apply: Callable[[QuerySet], object],
    *,
    dry_run: bool = False,
    batch_size: int = RETENTION_BATCH,
) -> int:
    """Apply ``apply`` (a delete or a blanking update) to ``queryset`` a batch at a time, each
    batch in its own transaction, and return how many rows it took; with ``dry_run`` only count.

    ``queryset`` must stop matching a row once ``apply`` has done its work on it, so that a
    second run finds nothing (the job is idempotent); batches go by rising pk, so the loop
    ends even if it does not.
    """
    if dry_run:
        return queryset.count()
    done, last = 0, None
    while True:
        batch = queryset.order_by("pk") if last is None else queryset.filter(pk__gt=last)
        ids = list(batch.order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not ids:
            return done
        with transaction.atomic():
            apply(queryset.model._default_manager.filter(pk__in=ids))
        done, last = done + len(ids), ids[-1]
