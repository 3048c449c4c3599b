"""Personal data under UU 27/2022 (PDP): the record of every look at it."""

from datetime import datetime

from django.db import models

from satupintu.accounts.models import PersonalDataAccess, User
from satupintu.batches import in_batches
from satupintu.malls.models import Mall

Kind = PersonalDataAccess.Kind


def record_access(
    *,
    user: User,
    kind: str,
    where: str,
    subject: User | None = None,
    obj: models.Model | None = None,
    mall: Mall | None = None,
) -> PersonalDataAccess:
    """Record that ``user`` looked at ``subject``'s personal data of ``kind`` (on ``obj``, from
    the page ``where``). Only which record was looked at is kept, never what it says."""
    return PersonalDataAccess.objects.create(
        user=user,
        kind=kind,
        subject=subject,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        mall=mall,
        where=where[:120],
    )


def access_records_purge_older_than(*, cutoff: datetime, dry_run: bool = False) -> int:
    """Delete the records of looks at personal data made before ``cutoff``."""
    old = PersonalDataAccess.objects.filter(at__lt=cutoff)
    return in_batches(old, lambda batch: batch.delete(), dry_run=dry_run)
