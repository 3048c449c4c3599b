"""Periodic work of visits."""

from celery import shared_task

from satupintu.booking import services


@shared_task(name="booking.reminders", ignore_result=True)
def reminders() -> None:
    """Hourly: remind tomorrow's visitors (each once; the hour only makes it timely)."""
    services.reminders_send()
