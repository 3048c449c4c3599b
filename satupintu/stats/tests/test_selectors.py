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
