"""Periodic work of visits."""

from celery import shared_task

from satupintu.booking.services.bookings import reminders_send


@shared_task(name="booking.reminders", ignore_result=True)
def reminders() -> None:
    """Hourly: remind tomorrow's visitors (each once; the hour only makes it timely)."""
    reminders_send()
