"""Scheduled work of accounts: the retention periods of personal data, and the re-check with
Dukcapil of the accounts it could not verify."""

from celery import shared_task

from satupintu.accounts.identity.services import identity_recheck
from satupintu.accounts.retention import retention_apply


@shared_task(name="accounts.retention", ignore_result=True)
def retention() -> dict[str, int]:
    return retention_apply()


@shared_task(name="accounts.identity_recheck", ignore_result=True)
def identity_recheck_due() -> int:
    return identity_recheck()
