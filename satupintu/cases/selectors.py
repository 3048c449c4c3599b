"""Reads of applications: public tracking, which shows the steps and never personal data."""

from dataclasses import dataclass
from datetime import date, datetime

from django.utils.translation import gettext as _

from satupintu.cases.models import Application, Step
from satupintu.cases.services import workflow


@dataclass
class TrackedStep:
    step: str
    label: str
    done_at: datetime | None
    current: bool


@dataclass
class Tracking:
    tracking_number: str
    service: str
    agency: str
    status: str
    status_label: str
    due_date: date | None
    steps: list[TrackedStep]


def track(*, tracking_number: str, phone_last4: str) -> Tracking | None:
    """An application's progress, for whoever knows its number and the last four digits of
    the applicant's phone; None otherwise (a wrong pair and an unknown number look the same)."""
    digits = "".join(c for c in phone_last4 if c.isdigit())
    if len(digits) != 4:
        return None
    application = (
        Application.objects.filter(tracking_number=tracking_number.strip().upper())
        .exclude(status=Application.Status.DRAFT)
        .select_related("service__agency", "applicant")
        .first()
    )
    if application is None or not application.applicant.phone.endswith(digits):
        return None
    forwarded = {
        t.from_step: t.created_at
        for t in application.transitions.filter(action="forward").order_by("created_at")
    }
    labels = dict(Step.choices)
    steps = [
        TrackedStep(
            step=step,
            label=str(labels[step]),
            done_at=forwarded.get(step),
            current=step == application.step,
        )
        for step, _role in workflow(application.service)
    ]
    return Tracking(
        tracking_number=application.tracking_number,
        service=application.service.name,
        agency=application.service.agency.name,
        status=application.status,
        status_label=application.get_status_display(),
        due_date=application.due_date,
        steps=steps,
    )


def bot_application_status(code: str, phone: str) -> str | None:
    """The WhatsApp bot's STATUS answer for an application, only to the applicant's number."""
    application = (
        Application.objects.filter(tracking_number=code, applicant__phone=phone)
        .exclude(status=Application.Status.DRAFT)
        .select_related("service")
        .first()
    )
    if application is None:
        return None
    text = _("Application %(id)s (%(service)s): %(status)s.") % {
        "id": application.tracking_number,
        "service": application.service.name,
        "status": application.get_status_display(),
    }
    if application.step:
        text += " " + _("Step: %(step)s.") % {"step": application.get_step_display()}
    return text
