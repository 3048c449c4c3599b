"""The demo history (satupintu.demo.history): the articles' figures by a direct count over the
base tables, nothing on a day a mall's building was closed, nothing sent, and one copy only."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone

from satupintu.accounts.models import User
from satupintu.booking.models import Booking, Ticket
from satupintu.cases.models import Application, Transition
from satupintu.complaints.models import Report, ReportEvent
from satupintu.demo.history import FIRST_RANGE, closed_days
from satupintu.malls.calendar import in_mall_time
from satupintu.malls.models import Mall
from satupintu.notify.models import Message
from satupintu.stats.selectors import Period, StatsFilter, figures
from satupintu.surveys.models import Invitation, Response

pytestmark = pytest.mark.django_db


def _applicants(mall: Mall, year: int, month: int) -> int:
    """Visits checked in (booked check-ins and walk-ins: the queue tickets) plus applications
    submitted online (portal or OSS: not filed at a counter), by the mall's local day."""
    zone = ZoneInfo(mall.time_zone)
    start = date(year, month, 1)
    end = date(year + (month == 12), month % 12 + 1, 1)
    tickets = Ticket.objects.filter(agency__mall=mall, date__gte=start, date__lt=end).count()
    online = Application.objects.filter(
        service__agency__mall=mall,
        filed_by__isnull=True,
        submitted_at__gte=datetime.combine(start, datetime.min.time(), tzinfo=zone),
        submitted_at__lt=datetime.combine(end, datetime.min.time(), tzinfo=zone),
    ).count()
    return tickets + online


def _counts() -> dict[str, int]:
    models = [Booking, Ticket, Application, Transition, Report, ReportEvent, Response, Mall]
    return {model.__name__: model.objects.count() for model in models}


def test_the_history_reproduces_the_articles_on_open_days_only_sends_nothing_and_runs_once():
    call_command("seed_demo", "--no-history")
    messages = Message.objects.count()
    call_command("seed_demo")

    bogor = Mall.objects.get(slug="kota-bogor")
    assert _applicants(bogor, 2020, 2) == 7912
    assert _applicants(bogor, 2020, 3) == 4431
    # The statistics pages read the count tables, which the seed filled: the same figures.
    for first, last, expected in (
        ("2020-02-01", "2020-02-29", 7912),
        ("2020-03-01", "2020-03-31", 4431),
    ):
        period = Period(date.fromisoformat(first), date.fromisoformat(last))
        assert figures(filter=StatsFilter(mall_id=bogor.pk), period=period).applicants == expected
    # The building closed from 16 March 2020; online applications went on.
    assert not Ticket.objects.filter(agency__mall=bogor, date__range=("2020-03-16", "2020-04-30"))
    assert Application.objects.filter(
        service__agency__mall=bogor, submitted_at__date__range=("2020-04-01", "2020-04-30")
    ).exists()
    # Every booked check-in has its ticket; those who did not come have none.
    served = Booking.objects.filter(service__agency__mall=bogor, status="served").count()
    assert served == Ticket.objects.filter(agency__mall=bogor, booking__isnull=False).count()
    assert not Ticket.objects.filter(booking__status__in=["no_show", "cancelled"]).exists()

    for mall in Mall.objects.all():
        today = in_mall_time(timezone.now(), mall).date()
        closed = closed_days(mall, FIRST_RANGE[0], today)
        assert Ticket.objects.filter(agency__mall=mall).exists(), mall
        assert Report.objects.filter(mall=mall, tracking_id__startswith="DEMO-").exists(), mall
        assert Response.objects.filter(mall=mall, date__lt=today).exists(), mall
        visit_days = set(Ticket.objects.filter(agency__mall=mall).values_list("date", flat=True))
        visit_days |= set(
            Booking.objects.filter(service__agency__mall=mall, code__startswith="DEMO")
            .values_list("date", flat=True)
            .distinct()
        )
        visit_days |= set(
            Response.objects.filter(mall=mall, channel="paper").values_list("date", flat=True)
        )
        zone = ZoneInfo(mall.time_zone)
        visit_days |= {
            moment.astimezone(zone).date()
            for moment in Application.objects.filter(
                service__agency__mall=mall, filed_by__isnull=False
            ).values_list("submitted_at", flat=True)
        }
        assert not visit_days & closed, (mall, sorted(visit_days & closed)[:5])
        assert max(visit_days) < today

    # Written as rows: nothing sent, nobody invited to the survey, nobody can sign in.
    assert Message.objects.count() == messages
    assert not Invitation.objects.exists()
    people = User.objects.filter(username__startswith="demo.riwayat.")
    assert people.exists() and not people.filter(is_active=True).exists()
    assert not any(person.has_usable_password() for person in people[:5])
    assert not Application.objects.filter(
        tracking_number__startswith="DEMO-", status__in=["draft", "in_progress"]
    ).exists()

    before = _counts()
    call_command("seed_demo")
    assert _counts() == before

    # The tables' id sequences went past the history: the next rows are written as ever.
    application = Application.objects.filter(tracking_number__startswith="DEMO-").latest("pk")
    Transition.objects.create(application=application, action="x", from_status="a", to_status="b")
    Response.objects.create(
        mall=bogor, agency=application.service.agency, date=date(2020, 1, 2), channel="paper",
        **{f"u{n}": 3 for n in range(1, 10)},
    )  # fmt: skip
