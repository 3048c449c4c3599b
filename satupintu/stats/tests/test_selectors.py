"""The figures as the pages read them: local dates, periods, bad input."""

from datetime import UTC, date, datetime

import pytest

from satupintu.booking.tests.factories import citizen
from satupintu.cases.models import Application, Transition
from satupintu.catalog.tests.factories import ServiceFactory
from satupintu.malls.tests.factories import AgencyFactory, MallFactory
from satupintu.stats.errors import StatsError
from satupintu.stats.selectors import Period, StatsFilter, direct_figures
from satupintu.stats.tests.history import make_history

pytestmark = pytest.mark.django_db


def _submitted(service, moment, n, **fields):
    app = Application.objects.create(
        tracking_number=f"T{n}",
        service=service,
        applicant=citizen(),
        status=Application.Status.IN_PROGRESS,
        submitted_at=moment,
        **fields,
    )
    t = Transition.objects.create(
        application=app, action="submit", from_status="draft", to_status="in_progress"
    )
    Transition.objects.filter(pk=t.pk).update(created_at=moment)


def test_an_application_counts_on_the_mall_s_local_date():
    jayapura = MallFactory(time_zone="Asia/Jayapura")
    service = ServiceFactory(agency=AgencyFactory(mall=jayapura))
    # 31 January 16:30 UTC is 1 February 01:30 in Jayapura (WIT, UTC+9).
    _submitted(service, datetime(2026, 1, 31, 16, 30, tzinfo=UTC), 1)
    january = Period(date(2026, 1, 1), date(2026, 1, 31))
    february = Period(date(2026, 2, 1), date(2026, 2, 28))
    mall = StatsFilter(mall_id=jayapura.pk)

    assert direct_figures(filter=mall, period=january).applications_submitted == 0
    feb = direct_figures(filter=mall, period=february)
    assert feb.applications_submitted_online == 1
    assert feb.applicants == 1
    assert direct_figures(filter=StatsFilter(), period=february).applicants == 1
    assert direct_figures(filter=StatsFilter(channel="oss"), period=february).applicants == 0


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2026-02-30", "2026-03-01"),
        ("2026-03-01", "2026-02-01"),
        ("1999-12-31", "2000-01-02"),
        ("2015-01-01", "2026-01-01"),
        ("kemarin", "2026-01-01"),
    ],
)
def test_impossible_periods_are_refused_with_a_message(start, end):
    with pytest.raises(StatsError) as refused:
        Period.parse(start, end)
    assert refused.value.code == "period"
    assert refused.value.message


def test_direct_figures_run_over_random_history():
    made = make_history(malls=3, per_mall=10)
    whole = Period(date(2026, 1, 1), date(2026, 3, 31))
    figures = direct_figures(filter=StatsFilter(), period=whole)
    assert figures.applications_submitted == 30
    assert figures.complaints_received == 30
    by_mall = sum(
        direct_figures(filter=StatsFilter(mall_id=m.pk), period=whole).applicants
        for m in made["malls"]
    )
    assert by_mall == figures.applicants
    assert dict((k, v) for k, _l, v in figures.rows())["applicants"] == figures.applicants


def test_waiting_and_serving_times_are_measured_from_the_ticket_to_the_first_call():
    from datetime import timedelta

    from satupintu.booking.models import Ticket, TicketEvent

    service = ServiceFactory(agency=AgencyFactory(mall=MallFactory(time_zone="Asia/Makassar")))
    queued = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    for n, (wait, serve) in enumerate([(125, 30), (60, 600), (3000, 45)], start=1):
        ticket = Ticket.objects.create(
            agency=service.agency, service=service, date=date(2026, 3, 2), number=n, label="A"
        )
        first_call = queued + timedelta(seconds=wait)
        TicketEvent.objects.create(
            ticket=ticket, at=first_call, to_status="called", reason="called"
        )
        last_call = first_call + timedelta(seconds=40)  # called again: serving runs from here
        Ticket.objects.filter(pk=ticket.pk).update(
            created_at=queued,
            status=Ticket.Status.SERVED,
            called_at=last_call,
            finished_at=last_call + timedelta(seconds=serve),
        )
    figures = direct_figures(
        filter=StatsFilter(mall_id=service.agency.mall_id),
        period=Period(date(2026, 3, 2), date(2026, 3, 2)),
    )
    assert figures.walk_ins == 3
    assert figures.visits_served == 3
    assert figures.wait_mean_seconds == round((125 + 60 + 3000) / 3, 2)
    # Nearest rank: the 3rd of 3 (3000 s) lies in the minute from 3000 to 3060 s; the
    # percentile is that minute's top (exact to the minute).
    assert figures.wait_p90_seconds == 3060
    assert figures.serve_mean_seconds == round((30 + 600 + 45) / 3, 2)
    assert figures.serve_p90_seconds == 660
