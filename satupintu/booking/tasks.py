"""Background work of visits: periodic reminders; ticket slips for the printer."""

from celery import shared_task

from satupintu.booking import printing
from satupintu.booking.services.bookings import reminders_send


@shared_task(name="booking.reminders", ignore_result=True)
def reminders() -> None:
    """Hourly: remind tomorrow's visitors (each once; the hour only makes it timely)."""
    reminders_send()


@shared_task(name="booking.ticket_print", ignore_result=True)
def ticket_print(ticket_id: int) -> None:
    """Print a kiosk ticket's slip (queue "printing"); no retry: a late slip is of no use, and
    a failure is logged by ``printing``."""
    printing.ticket_print_by_id(ticket_id=ticket_id)
