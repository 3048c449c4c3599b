"""Scheduled work of accounts: the retention periods of personal data."""

from celery import shared_task

from satupintu.accounts.retention import retention_apply


@shared_task(name="accounts.retention", ignore_result=True)
def retention() -> dict[str, int]:
    return retention_apply()
