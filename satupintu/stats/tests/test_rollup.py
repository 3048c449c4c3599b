"""The count tables give the same figures as a direct count over the base tables."""

import io
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from satupintu.booking.models import Booking, Ticket
from satupintu.malls.calendar import in_mall_time
from satupintu.stats.models import DailyCount, DurationCount, MallCount, MallDurationCount
from satupintu.stats.selectors import (
    Period,
    StatsFilter,
    buckets,
    direct_figures,
    figures,
    figures_by_mall,
    figures_by_unit,
    series,
)
from satupintu.stats.services import rollup_mall, rollup_recent
from satupintu.stats.tests.history import make_history

pytestmark = pytest.mark.django_db

PERIODS = [
    Period(date(2026, 1, 1), date(2026, 1, 31)),
    Period(date(2026, 2, 1), date(2026, 2, 28)),
    Period(date(2026, 1, 25), date(2026, 2, 5)),  # over the month's end
    Period(date(2026, 1, 31), date(2026, 1, 31)),
    Period(date(2026, 2, 1), date(2026, 2, 1)),
]


def _backfill():
    call_command("stats_backfill", "--no-progress", stdout=io.StringIO())


def _snapshot():
    fine = ["day", "mall_id", "agency_id", "service_id", "channel", "value"]
    mall_wide = ["span", "day", "mall_id", "channel", "value"]
    return [
        sorted(DailyCount.objects.values_list(*fine, "metric")),
        sorted(DurationCount.objects.values_list(*fine, "kind", "bucket")),
        sorted(MallCount.objects.values_list(*mall_wide, "metric")),
        sorted(MallDurationCount.objects.values_list(*mall_wide, "kind", "bucket")),
    ]


def test_rolled_up_figures_equal_a_direct_count_on_random_history():
    made = make_history(seed=13, malls=4, per_mall=40)
    _backfill()
    mall, agency, service = made["malls"][2], made["agencies"][1], made["services"][5]
    filters = [
        StatsFilter(),
        StatsFilter(mall_id=mall.pk),
        StatsFilter(agency_id=agency.pk),
        StatsFilter(mall_id=service.agency.mall_id, service_id=service.pk),
        StatsFilter(channel="online"),
        StatsFilter(channel="walk_in"),
        StatsFilter(mall_id=mall.pk, channel="booking"),
        StatsFilter(channel="front_office"),
    ]
    compared = 0
    for stats_filter in filters:
        for period in PERIODS:
            assert figures(filter=stats_filter, period=period) == direct_figures(
                filter=stats_filter, period=period
            ), (stats_filter, period)
            compared += 1
    assert compared == 40
    whole = Period(date(2026, 1, 1), date(2026, 2, 28))
    assert figures(filter=StatsFilter(), period=whole).applicants > 0
    for mall_row, mall_figures in figures_by_mall(period=whole):
        assert mall_figures == direct_figures(filter=StatsFilter(mall_id=mall_row.pk), period=whole)


@pytest.mark.parametrize("granularity", ["day", "week", "month", "year"])
def test_a_series_equals_the_direct_count_of_each_of_its_parts(granularity):
    make_history(seed=7, malls=3, per_mall=25)
    _backfill()
    period = Period(date(2026, 1, 14), date(2026, 2, 10))  # a week cut at both ends
    points = series(filter=StatsFilter(), period=period, granularity=granularity)
    cuts = buckets(period, granularity)
    assert [day for day, _f in points] == [cut.start for cut in cuts]
    assert points[0][0] == period.start
    for (_day, rolled), cut in zip(points, cuts, strict=True):
        assert rolled == direct_figures(filter=StatsFilter(), period=cut)


def test_the_backfill_is_idempotent_and_follows_changes():
    made = make_history(seed=3, malls=2, per_mall=20)
    _backfill()
    first = _snapshot()
    assert all(first)
    assert MallCount.objects.filter(span="month").exists()
    _backfill()
    assert _snapshot() == first

    # A booking cancelled since: the day counted again no longer has it.
    booking = Booking.objects.exclude(
        status__in=[Booking.Status.CANCELLED, Booking.Status.RELEASED]
    ).first()
    mall = booking.service.agency.mall
    day = Period(booking.date, booking.date)
    before = figures(filter=StatsFilter(mall_id=mall.pk), period=day).visits_booked
    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.CANCELLED)
    Ticket.objects.filter(booking=booking).delete()
    rollup_mall(mall=mall, start=booking.date, end=booking.date)
    after = figures(filter=StatsFilter(mall_id=mall.pk), period=day)
    assert after.visits_booked == before - 1
    assert after == direct_figures(filter=StatsFilter(mall_id=mall.pk), period=day)
    # The month's mall-wide count follows its day.
    month = Period.month(booking.date.year, booking.date.month)
    for stats_filter in (StatsFilter(mall_id=mall.pk), StatsFilter()):
        assert figures(filter=stats_filter, period=month) == direct_figures(
            filter=stats_filter, period=month
        )
    assert made["malls"]


def test_the_periodic_job_counts_today_on_each_mall_s_clock():
    made = make_history(seed=5, malls=3, per_mall=2)
    for mall in made["malls"]:
        service = next(s for s in made["services"] if s.agency.mall_id == mall.pk)
        today = in_mall_time(timezone.now(), mall).date()
        Ticket.objects.create(
            agency=service.agency, service=service, date=today, number=9000 + mall.pk, label="X"
        )
    rollup_recent()
    for mall in made["malls"]:
        today = in_mall_time(timezone.now(), mall).date()
        period = Period(today - timedelta(days=1), today)
        rolled = figures(filter=StatsFilter(mall_id=mall.pk), period=period)
        assert rolled.walk_ins >= 1
        assert rolled == direct_figures(filter=StatsFilter(mall_id=mall.pk), period=period)


def test_every_mall_and_every_agency_read_in_a_few_queries_equal_the_direct_count(
    django_assert_num_queries,
):
    made = make_history(seed=11, malls=4, per_mall=30)
    _backfill()
    month = Period(date(2026, 1, 1), date(2026, 1, 31))
    # The version, the two count reads and the malls, whatever the number of malls.
    with django_assert_num_queries(4):
        by_mall = figures_by_mall(period=month)
    assert len(by_mall) == 4
    assert sum(f.applicants for _m, f in by_mall) > 0
    for mall_row, mall_figures in by_mall:
        assert mall_figures == direct_figures(filter=StatsFilter(mall_id=mall_row.pk), period=month)
    mall = made["malls"][1]
    per_agency = figures_by_unit(mall=mall, period=month, by="agency")
    agencies = [a for a in made["agencies"] if a.mall_id == mall.pk]
    assert agencies
    assert any(agency.pk in per_agency for agency in agencies)
    for agency in agencies:
        direct = direct_figures(filter=StatsFilter(agency_id=agency.pk), period=month)
        if agency.pk in per_agency:
            assert per_agency[agency.pk] == direct
        else:
            assert direct.applicants == direct.applications_submitted == 0


def test_the_national_figures_are_kept_until_the_rollup_writes_their_days_again(
    django_assert_num_queries,
):
    made = make_history(seed=17, malls=2, per_mall=30)
    _backfill()
    month = Period(date(2026, 1, 1), date(2026, 1, 31))
    first = figures_by_mall(period=month)
    with django_assert_num_queries(2):  # the version and the malls: no count read
        assert figures_by_mall(period=month) == first
    mall = made["malls"][0]
    bookings = Booking.objects.filter(
        service__agency__mall=mall, date__range=(month.start, month.end)
    )
    Ticket.objects.filter(booking__in=bookings).delete()
    gone, _kinds = bookings.delete()
    assert gone
    _backfill()
    again = dict(figures_by_mall(period=month))
    assert again[mall] == direct_figures(filter=StatsFilter(mall_id=mall.pk), period=month)
    assert again[mall] != dict(first)[mall]
