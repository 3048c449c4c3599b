"""Celery tasks of the webhooks: thin, routed to the "webhooks" queue."""

from celery import shared_task

from satupintu.api import webhooks


@shared_task(name="api.webhook_deliver", ignore_result=True)
def webhook_deliver(delivery_id: str) -> None:
    webhooks.delivery_attempt(delivery_id=delivery_id)


@shared_task(name="api.webhook_sweep", ignore_result=True)
def webhook_sweep() -> None:
    """Queue the retries that are due, and deliveries a broker that was down never got."""
    webhooks.deliveries_sweep()
