"""Daily jobs of complaint handling."""

from celery import shared_task
from django.utils import timezone

from satupintu.complaints import services


@shared_task(name="complaints.daily", ignore_result=True)
def daily() -> None:
    today = timezone.localdate()
    services.reports_escalate(today=today)
    services.reports_close_silent(today=today)
