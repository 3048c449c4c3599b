"""The CSV export: a header and a row per part of the period, made as it is read."""

import csv
import inspect
import io
from datetime import date

import pytest
from django.core.management import call_command

from satupintu.stats.errors import StatsError
from satupintu.stats.exports import csv_lines, csv_rows
from satupintu.stats.selectors import Period, StatsFilter, series
from satupintu.stats.tests.history import make_history

pytestmark = pytest.mark.django_db


def test_csv_rows_give_a_row_per_month_across_years_equal_to_the_series():
    made = make_history(seed=11, malls=2, per_mall=15)
    call_command("stats_backfill", "--no-progress", stdout=io.StringIO())
    mall = StatsFilter(mall_id=made["malls"][0].pk)
    period = Period(date(2024, 12, 20), date(2026, 2, 10))
    rows = csv_rows(mall, period, "month")
    assert inspect.isgenerator(rows)  # made as it is read, never a list of the whole range
    text = "".join(csv_lines(rows))
    table = list(csv.reader(io.StringIO(text)))
    header, body = table[0], table[1:]
    assert header[:2] == ["hari pertama", "hari terakhir"]
    assert [row[:2] for row in body][:2] == [
        ["2024-12-20", "2024-12-31"],
        ["2025-01-01", "2025-01-31"],
    ]
    assert body[-1][:2] == ["2026-02-01", "2026-02-10"]
    assert len(body) == 1 + 12 + 2
    expected = dict(series(filter=mall, period=period, granularity="month"))
    applicants = header.index(str(expected[date(2026, 1, 1)].rows()[0][1]))
    for row in body:
        assert int(row[applicants]) == expected[date.fromisoformat(row[0])].applicants
    assert sum(int(row[applicants]) for row in body) > 0


def test_an_unknown_channel_or_granularity_is_refused():
    with pytest.raises(StatsError):
        StatsFilter(channel="fax")
    with pytest.raises(StatsError):
        list(csv_rows(StatsFilter(), Period(date(2026, 1, 1), date(2026, 1, 2)), "hour"))
