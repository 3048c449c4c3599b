"""Celery tasks of the outbox: thin, taking ids, routed to the "notify" queue."""

from celery import shared_task

from satupintu.notify import services


@shared_task(name="notify.deliver", ignore_result=True)
def deliver(message_id: int) -> None:
    services.message_deliver(message_id=message_id)


@shared_task(name="notify.sweep", ignore_result=True)
def sweep() -> None:
    services.outbox_sweep()
