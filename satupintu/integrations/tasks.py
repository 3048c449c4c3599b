"""Celery tasks of the outbox of calls to outside systems: thin."""

from celery import shared_task

from satupintu.integrations import services


@shared_task(name="integrations.call_deliver", ignore_result=True)
def call_deliver(call_id: str) -> None:
    services.call_attempt(call_id=call_id)


@shared_task(name="integrations.sweep", ignore_result=True)
def sweep() -> None:
    """Queue the retries that are due, and calls a broker that was down never got."""
    services.calls_sweep()
