"""Counts taken from signals: bookings made (once committed) and Celery tasks that failed."""

from typing import Any

from celery.signals import task_failure
from django.db import transaction
from django.db.models.signals import post_save

from satupintu.booking.models import BookingEvent
from satupintu.metrics.instruments import BOOKINGS_MADE, TASK_FAILURES


def booking_event_saved(sender: type, instance: BookingEvent, created: bool, **kwargs: Any) -> None:
    """A booking's first history row is written with the booking: count it once it commits
    (a booking rolled back, or an idempotent replay that wrote nothing, is not one made)."""
    if created and instance.reason == BookingEvent.Reason.BOOKED:
        transaction.on_commit(BOOKINGS_MADE.inc)


def task_failed(sender: Any = None, **kwargs: Any) -> None:
    name = getattr(sender, "name", None) or "unknown"
    TASK_FAILURES.labels(name).inc()


def connect() -> None:
    post_save.connect(booking_event_saved, sender=BookingEvent, dispatch_uid="metrics.booking_made")
    task_failure.connect(task_failed, dispatch_uid="metrics.task_failed", weak=False)
