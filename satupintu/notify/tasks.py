"""Celery tasks of the outbox: thin, routed to the "notify" queue."""

from celery import shared_task

from satupintu.notify import services


@shared_task(name="notify.deliver_due", ignore_result=True)
def deliver_due() -> None:
    """Deliver a batch of due messages; a full batch first asks another worker to join in."""
    services.delivery_started()
    services.deliver_due(on_full_batch=deliver_due.delay)


@shared_task(name="notify.sweep", ignore_result=True)
def sweep() -> None:
    services.outbox_sweep()
