"""Tracking IDs come from the year's counter row, taken in the filing transaction: filings at
once never clash or retry, a gap in the numbers costs nothing, and the year is the mall's."""

import importlib
import threading
from datetime import UTC, datetime

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from satupintu.complaints.lapor.outbox import lapor_integration
from satupintu.complaints.models import Report, ReportCounter
from satupintu.complaints.tests.factories import ReportFactory
from satupintu.malls.calendar import in_mall_time
from satupintu.malls.tests.factories import MallFactory

FILINGS = 8


def _form(mall):
    return {
        "mall": mall.pk,
        "kind": "pengaduan",
        "category": "biaya",
        "title": "Pungutan di loket",
        "text": "Saya diminta membayar untuk KTP-el.",
        "email": "warga@example.id",
    }


def _filing_queries(mall, **fields) -> tuple[Report, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        report = ReportFactory(mall=mall, **fields)
    return report, [query["sql"] for query in queries.captured_queries]


def _filing_transaction(sqls: list[str]) -> list[str]:
    """The queries of a request up to its filing's commit: the COMMIT of the transaction it
    was written in, or the statement that numbers and writes the report, which commits by
    itself when nothing else is written (the message's delivery, eager in tests, comes after it
    and may carry other filings' messages too)."""
    numbered = next(n for n, sql in enumerate(sqls) if "complaints_reportcounter" in sql)
    if "BEGIN" not in sqls[:numbered]:
        return sqls[: numbered + 1]
    return sqls[: sqls.index("COMMIT", numbered) + 1]


def _seq(report: Report) -> int:
    return int(report.tracking_id.rsplit("-", 1)[1])


@pytest.mark.django_db(transaction=True)
def test_filings_at_once_take_distinct_consecutive_numbers_without_a_retry(client):
    mall = MallFactory()
    lapor_integration(mall)  # which malls sync with SP4N-LAPOR!: read once, then cached
    years_on_the_malls_clock = {in_mall_time(timezone.now(), mall).year}
    start = threading.Barrier(FILINGS)
    answers: list[int] = []
    retries: list[str] = []
    query_counts: list[int] = []
    counters: list[int] = []

    def file(n: int) -> None:
        try:
            start.wait()
            with CaptureQueriesContext(connection) as queries:
                response = client.__class__(REMOTE_ADDR=f"198.51.100.{n + 1}").post(
                    reverse("portal:report-new"), _form(mall)
                )
            answers.append(response.status_code)
            sqls = _filing_transaction([query["sql"] for query in queries.captured_queries])
            query_counts.append(len(sqls))
            counters.append(sum("complaints_reportcounter" in sql for sql in sqls))
            retries.extend(sql for sql in sqls if "ROLLBACK TO SAVEPOINT" in sql.upper())
            retries.extend(sql for sql in sqls if "COUNT(" in sql.upper() and "report" in sql)
        finally:
            connection.close()

    threads = [threading.Thread(target=file, args=(n,)) for n in range(FILINGS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [302] * FILINGS
    assert retries == []  # no clash rolled back and retried, no count over the table
    assert len(set(query_counts)) == 1, query_counts  # every filing costs the same
    assert counters == [1] * FILINGS  # one statement takes the number
    reports = list(Report.objects.all())
    assert sorted(_seq(report) for report in reports) == list(range(1, FILINGS + 1))
    years_on_the_malls_clock.add(in_mall_time(timezone.now(), mall).year)
    assert {int(report.tracking_id.split("-")[1]) for report in reports} <= years_on_the_malls_clock
    assert ReportCounter.objects.get().last == FILINGS


@pytest.mark.django_db
def test_a_gap_in_the_numbers_costs_no_retry():
    mall = MallFactory()
    # Measured against the second filing: the first also reads which malls sync with
    # SP4N-LAPOR! (kept in the cache afterwards).
    first, _ = _filing_queries(mall)
    second, queries_second = _filing_queries(mall)
    year = first.tracking_id.split("-")[1]
    second.delete()  # a deleted report leaves a gap
    Report.objects.filter(pk=first.pk).update(tracking_id=f"LPR-{year}-000100")  # imported high
    third, queries_third = _filing_queries(mall)
    assert third.tracking_id == f"LPR-{year}-000003"
    assert len(queries_third) == len(queries_second)
    assert not [sql for sql in queries_third if "SAVEPOINT" in sql.upper() and "ROLLBACK" in sql]
    assert not [sql for sql in queries_third if "COUNT(" in sql.upper()]


@pytest.mark.django_db
def test_a_filing_at_half_past_midnight_on_new_year_in_jakarta_takes_the_new_year():
    jakarta = MallFactory(time_zone="Asia/Jakarta")
    eve_utc = datetime(2026, 12, 31, 17, 30, tzinfo=UTC)  # 1 January 2027 00:30 WIB
    report = ReportFactory(mall=jakarta, now=eve_utc)
    assert report.tracking_id == "LPR-2027-000001"
    earlier = ReportFactory(mall=jakarta, now=datetime(2026, 12, 31, 16, 59, tzinfo=UTC))
    assert earlier.tracking_id == "LPR-2026-000001"  # 23:59 WIB: still the old year
    jayapura = MallFactory(time_zone="Asia/Jayapura")  # WIT is two hours ahead of WIB
    assert ReportFactory(
        mall=jayapura, now=datetime(2026, 12, 31, 15, 30, tzinfo=UTC)
    ).tracking_id == ("LPR-2027-000002")


@pytest.mark.django_db
def test_the_migration_continues_each_year_from_its_highest_number():
    migration = importlib.import_module(
        "satupintu.complaints.migrations.0007_report_counter_from_tracking_ids"
    )
    mall = MallFactory()
    for tracking_id in ["LPR-2025-000041", "LPR-2025-000007", "LPR-2026-000012", "LPR-X"]:
        Report.objects.filter(pk=ReportFactory(mall=mall).pk).update(tracking_id=tracking_id)
    ReportCounter.objects.all().delete()  # as before the counters existed
    migration.counters_from_tracking_ids(apps, None)
    assert dict(ReportCounter.objects.values_list("year", "last")) == {2025: 41, 2026: 12}
    next_id = ReportFactory(mall=mall, now=datetime(2026, 6, 1, 3, tzinfo=UTC)).tracking_id
    assert next_id == "LPR-2026-000013"
