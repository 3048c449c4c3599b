"""Daily jobs of complaint handling, and the SP4N-LAPOR! pull."""

from celery import shared_task
from django.utils import timezone

from satupintu.complaints import services


@shared_task(name="complaints.daily", ignore_result=True)
def daily() -> None:
    today = timezone.localdate()
    services.reports_escalate(today=today)
    services.reports_close_silent(today=today)


@shared_task(name="complaints.lapor_sync", ignore_result=True)
def lapor_sync() -> None:
    """Follow-ups of linked reports and reports forwarded to the malls, from SP4N-LAPOR!."""
    from satupintu.complaints.lapor.services import lapor_sync_all

    lapor_sync_all()
