"""Reads of applications: public tracking, which shows the steps and never personal data."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from satupintu.accounts.models import User
from satupintu.cases.access import applications_seen_by_staff
from satupintu.cases.models import (
    DEFAULT_WORKFLOW,
    AccessLog,
    Application,
    Step,
    Transition,
    WorkflowStep,
)
from satupintu.cases.services.configuration import workflow
from satupintu.malls.models import AGENCY_ROLES, Mall
from satupintu.malls.permissions import staff_scope

# "Due soon" in the work queue: due today or within this many calendar days.
SOON_DAYS = 3


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
    the applicant's phone; None otherwise (a wrong pair and an unknown number look the same).

    One query, whatever the answer: the application's fields the answer shows, its applicant's
    phone (compared here, never shown), its service's own steps and its forwards, as arrays.
    The public endpoint asks this for every guess, so it reads no model it does not show."""
    digits = "".join(c for c in phone_last4 if c.isdigit())
    if len(digits) != 4:
        return None
    sql, params = _track_sql()
    number = tracking_number.strip().upper()
    with connection.cursor() as cursor:
        cursor.execute(sql, [number if p is _NUMBER else p for p in params])
        row = cursor.fetchone()
    if row is None or not row[0].endswith(digits):
        return None
    number, service, agency, status, step, due_date, own, steps, moments = row[1:]
    return _tracking(
        tracking_number=number,
        service=service,
        agency=agency,
        status=status,
        step=step,
        due_date=due_date,
        steps=own or [str(s) for s, _role in DEFAULT_WORKFLOW],  # as ``workflow`` does
        forwarded=dict(zip(steps, moments, strict=True)),
    )


class _Number(str):
    """Where the tracking number goes in the query's parameters."""


_NUMBER = _Number("")


@lru_cache(maxsize=1)
def _track_sql() -> tuple[str, tuple[Any, ...]]:
    """``track``'s query, compiled once per process (the ORM takes longer to build it than
    PostgreSQL to answer it): its SQL and its parameters, ``_NUMBER`` for the number."""
    # An application's forwards, earliest first (a step forwarded twice: the last time counts).
    forwards = Transition.objects.filter(application=OuterRef("pk"), action="forward").order_by(
        "created_at"
    )
    query = (
        Application.objects.filter(tracking_number=_NUMBER)
        .exclude(status=Application.Status.DRAFT)
        .annotate(
            own_steps=ArraySubquery(
                WorkflowStep.objects.filter(service=OuterRef("service_id"))
                .order_by("order")
                .values("step")
            ),
            forwarded_steps=ArraySubquery(forwards.values("from_step")),
            forwarded_at=ArraySubquery(forwards.values("created_at")),
        )
        .values_list(
            "applicant__phone",
            "tracking_number",
            "service__name",
            "service__agency__name",
            "status",
            "step",
            "due_date",
            "own_steps",
            "forwarded_steps",
            "forwarded_at",
        )[:1]
    ).query
    sql, params = query.get_compiler(using="default").as_sql()
    assert any(p is _NUMBER for p in params)
    return sql, tuple(params)


def _tracking(
    *,
    tracking_number: str,
    service: str,
    agency: str,
    status: str,
    step: str,
    due_date: date | None,
    steps: list[str],
    forwarded: dict[str, datetime],
) -> Tracking:
    labels = dict(Step.choices)
    return Tracking(
        tracking_number=tracking_number,
        service=service,
        agency=agency,
        status=status,
        status_label=str(dict(Application.Status.choices).get(status, status)),
        due_date=due_date,
        steps=[
            TrackedStep(
                step=name,
                label=str(labels[name]),
                done_at=forwarded.get(name),
                current=name == step,
            )
            for name in steps
        ],
    )


def track_own(application: Application) -> Tracking:
    """The progress of an application its applicant (or its agency) is looking at."""
    forwarded = {
        t.from_step: t.created_at
        for t in application.transitions.filter(action="forward").order_by("created_at")
    }
    return _tracking(
        tracking_number=application.tracking_number,
        service=application.service.name,
        agency=application.service.agency.name,
        status=application.status,
        step=application.step,
        due_date=application.due_date,
        steps=[step for step, _role in workflow(application.service)],
        forwarded=forwarded,
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


def applications_of(user: User) -> QuerySet[Application]:
    """A citizen's applications across every agency and mall, newest first."""
    return Application.objects.filter(applicant=user).select_related(
        "service__agency__mall", "issued_document"
    )


def staff_agency_ids(user: User, *, role: str = "") -> list[int]:
    """The agencies ``user`` works for (in ``role`` when given)."""
    return list(staff_scope(user).agency_ids_as([role] if role else AGENCY_ROLES))


def cases_for_staff(user: User) -> QuerySet[Application]:
    """The cases ``user`` sees as agency staff (``access.applications_seen_by_staff``)."""
    return applications_seen_by_staff(user).select_related(
        "service__agency__mall", "applicant", "assignee"
    )


def work_queue(
    user: User, *, step: str = "", due: str = "", assignee: str = "", status: str = "open"
) -> QuerySet[Application]:
    """The agency's queue: open cases by due date, filtered by step, due (soon / overdue) and
    assignee (me / none)."""
    cases = cases_for_staff(user)
    if status == "open":
        cases = cases.filter(
            status__in=[Application.Status.IN_PROGRESS, Application.Status.REVISION]
        )
    elif status:
        cases = cases.filter(status=status)
    if step:
        cases = cases.filter(step=step)
    waiting = cases.filter(status=Application.Status.IN_PROGRESS)  # a revision's clock is paused
    if due == "overdue":
        cases = waiting.filter(_by_mall_day(lambda today: Q(due_date__lt=today)))
    elif due == "soon":
        cases = waiting.filter(
            _by_mall_day(
                lambda today: Q(
                    due_date__gte=today, due_date__lte=today + timedelta(days=SOON_DAYS)
                )
            )
        )
    if assignee == "me":
        cases = cases.filter(assignee=user)
    elif assignee == "none":
        cases = cases.filter(assignee__isnull=True)
    return cases.order_by("due_date", "submitted_at", "pk")


def _by_mall_day(condition: Callable[[date], Q]) -> Q:
    """``condition`` on the date it is now in each case's mall (WIB, WITA or WIT)."""
    now = timezone.now()
    either = Q(pk__in=[])
    for zone in Mall.TimeZone.values:
        today = now.astimezone(ZoneInfo(zone)).date()
        either |= Q(service__agency__mall__time_zone=zone) & condition(today)
    return either


def case_access(*, user: User, application: Application, what: str) -> None:
    """Audit a staff member's look at a case's personal data."""
    AccessLog.objects.create(user=user, application=application, what=what[:120])
