"""The statistics pages show the selectors' figures within each person's scope, export them
(CSV streamed, XLSX written row by row, the monthly PDF), give the ministry monitor every mall
side by side, and answer bad input with a message, never a 500."""

import csv
import io
import re
from datetime import date

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils.translation import gettext
from openpyxl import load_workbook

from satupintu.backoffice import stats_tables
from satupintu.malls.models import StaffMembership
from satupintu.malls.regions import PROVINCES, province_code, province_name
from satupintu.malls.tests.factories import AgencyFactory, MallFactory, UserFactory, staff_member
from satupintu.stats import selectors as stats
from satupintu.stats.tests.history import make_history

pytestmark = pytest.mark.django_db
Role = StaffMembership.Role
# make_history's moments lie from 20 January to 12 February 2026.
WHOLE = {"dari": "2026-01-01", "sampai": "2026-02-28"}


@pytest.fixture
def history():
    made = make_history(malls=2, per_mall=24)
    call_command("stats_backfill", "--no-progress", stdout=io.StringIO())
    return made


@pytest.fixture
def mall(history):
    return history["malls"][0]


@pytest.fixture
def bare_mall():
    """A mall with no history (bad input needs none)."""
    return MallFactory()


def _page(client, user, mall, **query):
    client.force_login(user)
    return client.get(reverse("backoffice:stats", args=[mall.slug]), query)


def _shown(text: str) -> dict[str, str]:
    """The figures of the page's table of every figure: key -> the raw value."""
    return dict(re.findall(r'data-key="([a-z0-9_]+)" data-value="([^"]*)"', text))


def _expected(figures: stats.Figures) -> dict[str, str]:
    return {key: "" if value is None else str(value) for key, _label, value in figures.rows()}


def _chart_rows(text: str, key: str) -> list[list[str]]:
    """The data-value cells of each row of chart ``key``'s table."""
    start = text.index(f'id="chart-{key}"')
    table = text[start : text.index("</figure>", start)]
    return [re.findall(r'data-value="([^"]*)"', row) for row in table.split("<tr>")[2:]]


# --- the numbers ----------------------------------------------------------------------------


def test_the_page_shows_the_selectors_figures_and_series(client, mall):
    manager = staff_member(Role.MALL_MANAGER, mall=mall)
    page = _page(client, manager, mall, satuan="minggu", **WHOLE)
    assert page.status_code == 200
    period = stats.Period(date(2026, 1, 1), date(2026, 2, 28))
    mine = stats.StatsFilter(mall_id=mall.pk)
    figures = stats.figures(filter=mine, period=period)
    assert figures.applicants > 0
    assert _shown(page.text) == _expected(figures)

    series = stats.series(filter=mine, period=period, granularity="week")
    assert [row[0] for row in _chart_rows(page.text, "applicants")] == [
        str(f.applicants) for _day, f in series
    ]
    assert len(_chart_rows(page.text, "visits")) == len(series)
    # Each chart is drawn from its table by the project's own Chart.js.
    assert "/static/satupintu/vendor/chartjs/chart.umd.min.js" in page.text
    assert page.text.count('<figure class="chart"') == page.text.count("<table") - 1


def test_a_channel_narrows_the_figures_and_drops_those_without_one(client, mall):
    manager = staff_member(Role.MALL_MANAGER, mall=mall)
    page = _page(client, manager, mall, kanal="oss", **WHOLE)
    assert page.status_code == 200
    period = stats.Period(date(2026, 1, 1), date(2026, 2, 28))
    figures = stats.figures(filter=stats.StatsFilter(mall_id=mall.pk, channel="oss"), period=period)
    assert _shown(page.text) == _expected(figures)
    assert 'id="chart-complaints"' not in page.text


def test_agency_staff_see_their_agency_only(client, history, mall):
    agency, other = [a for a in history["agencies"] if a.mall_id == mall.pk]
    officer = staff_member(Role.VERIFIER, agency=agency)
    page = _page(client, officer, mall, **WHOLE)
    assert page.status_code == 200
    period = stats.Period(date(2026, 1, 1), date(2026, 2, 28))
    own = stats.figures(
        filter=stats.StatsFilter(mall_id=mall.pk, agency_id=agency.pk), period=period
    )
    assert _shown(page.text) == _expected(own)
    agencies = page.text[page.text.index('id="instansi"') : page.text.index("</select>")]
    assert f'value="{agency.pk}"' in agencies and f'value="{other.pk}"' not in agencies

    assert _page(client, officer, mall, instansi=other.pk).status_code == 404
    service = other.services.first()
    assert _page(client, officer, mall, layanan=service.pk).status_code == 404
    elsewhere = history["malls"][1]
    assert _page(client, officer, elsewhere).status_code == 404
    for name in ("backoffice:stats-csv", "backoffice:stats-xlsx", "backoffice:stats-pdf"):
        url = reverse(name, args=[mall.slug])
        assert client.get(url, {"instansi": other.pk}).status_code == 404, name


def test_a_manager_of_another_mall_finds_nothing_and_a_citizen_is_refused(client, history):
    mall, elsewhere = history["malls"]
    manager = staff_member(Role.MALL_MANAGER, mall=elsewhere)
    assert _page(client, manager, mall).status_code == 404
    assert _page(client, UserFactory(), mall).status_code == 403
    client.logout()
    response = client.get(reverse("backoffice:stats", args=[mall.slug]))
    assert response.status_code == 302 and "/masuk/" in response["Location"]


def test_the_mall_filter_leads_to_the_chosen_mall_s_page(client, history):
    mall, elsewhere = history["malls"]
    monitor = staff_member(Role.MINISTRY_MONITOR)
    page = _page(client, monitor, mall, mpp=elsewhere.slug, instansi=1, kanal="oss")
    assert page.status_code == 302
    assert page["Location"] == reverse("backoffice:stats", args=[elsewhere.slug]) + "?kanal=oss"
    assert client.get(page["Location"]).status_code == 200


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"dari": "2026-02-30", "sampai": "2026-03-01"}, "tanggal"),
        ({"dari": "2026-03-01", "sampai": "2026-02-01"}, "berakhir sebelum"),
        ({"dari": "2015-01-01", "sampai": "2026-01-01"}, "lima tahun"),
        ({"dari": "kemarin", "sampai": "2026-01-01"}, "tanggal"),
        ({"dari": "2026-01-01"}, "tanggal"),
        ({"kanal": "merpati"}, "Kanal"),
        ({"satuan": "abad"}, "Pilih hari, minggu"),
        ({"satuan": "hari", "dari": "2024-01-01", "sampai": "2026-01-01"}, "minggu, bulan"),
    ],
)
def test_bad_input_is_a_translated_message_never_a_server_error(client, bare_mall, query, message):
    manager = staff_member(Role.MALL_MANAGER, mall=bare_mall)
    if "dari" in query and "sampai" not in query:
        query = {**query, "sampai": ""}
    page = _page(client, manager, bare_mall, **query)
    assert page.status_code == 400
    assert 'role="alert"' in page.text and message.lower() in page.text.lower()
    if query.get("satuan") != "hari":  # a long series per day is refused only on the page
        for name in ("backoffice:stats-csv", "backoffice:stats-xlsx"):
            refused = client.get(reverse(name, args=[bare_mall.slug]), query)
            assert refused.status_code == 400 and message.lower() in refused.text.lower()


@pytest.mark.parametrize(
    "query",
    [
        {"instansi": "abc"},
        {"layanan": "99999999"},
        {"mpp": "bukan slug!"},
        {"mpp": "x" * 101},
    ],
)
def test_unknown_agencies_and_services_are_missing(client, bare_mall, query):
    manager = staff_member(Role.MALL_MANAGER, mall=bare_mall)
    assert _page(client, manager, bare_mall, **query).status_code == 404


def test_a_nul_in_a_filter_is_refused_before_the_page(client, bare_mall):
    manager = staff_member(Role.MALL_MANAGER, mall=bare_mall)
    assert _page(client, manager, bare_mall, instansi="1\x00").status_code == 400


def test_the_report_month_must_be_a_month(client, bare_mall):
    client.force_login(staff_member(Role.MALL_MANAGER, mall=bare_mall))
    url = reverse("backoffice:stats-pdf", args=[bare_mall.slug])
    for month in ("2026-13", "Januari", "2026-1-1", "1999-12", "2000-01"):
        refused = client.get(url, {"bulan": month})
        assert refused.status_code == 400, month
        assert refused.text in (
            gettext("There is no such month."),
            gettext("Give the month as year-month, e.g. 2020-02."),
            gettext("The period starts before 2000."),
        ), refused.text


# --- exports --------------------------------------------------------------------------------


def test_the_csv_streams_the_series_a_bucket_a_row(client, mall):
    client.force_login(staff_member(Role.MALL_MANAGER, mall=mall))
    response = client.get(
        reverse("backoffice:stats-csv", args=[mall.slug]),
        {"dari": "2026-01-28", "sampai": "2026-02-06", "satuan": "hari"},
    )
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    period = stats.Period(date(2026, 1, 28), date(2026, 2, 6))
    series = stats.series(
        filter=stats.StatsFilter(mall_id=mall.pk), period=period, granularity="day"
    )
    assert len(rows) == 1 + len(series) == 1 + 10
    labels = [label for _k, label, _v in series[0][1].rows()]
    assert rows[0] == ["hari pertama", "hari terakhir", *labels]
    for row, (day, figures) in zip(rows[1:], series, strict=True):
        assert row[0] == row[1] == day.isoformat()
        assert row[2:] == ["" if v is None else str(v) for _k, _l, v in figures.rows()]


def test_a_huge_range_is_streamed_a_chunk_at_a_time(client, mall):
    client.force_login(staff_member(Role.MALL_MANAGER, mall=mall))
    response = client.get(
        reverse("backoffice:stats-csv", args=[mall.slug]),
        {"dari": "2021-03-01", "sampai": "2026-02-28", "satuan": "hari"},
    )
    assert response.status_code == 200 and response.streaming
    lines = iter(response.streaming_content)
    assert next(lines).startswith(b"hari pertama,hari terakhir,")
    assert next(lines).startswith(b"2021-03-01,2021-03-01,")


def test_the_xlsx_holds_the_series(client, mall):
    client.force_login(staff_member(Role.MALL_MANAGER, mall=mall))
    response = client.get(
        reverse("backoffice:stats-xlsx", args=[mall.slug]), {**WHOLE, "satuan": "bulan"}
    )
    assert response.status_code == 200 and response.streaming
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][0] == mall.name
    header = next(i for i, row in enumerate(rows) if row and row[0] == "Dari")
    period = stats.Period(date(2026, 1, 1), date(2026, 2, 28))
    series = stats.series(
        filter=stats.StatsFilter(mall_id=mall.pk), period=period, granularity="month"
    )
    data = rows[header + 1 :]
    assert len(data) == len(series) == 2
    for row, (_day, figures) in zip(data, series, strict=True):
        assert list(row[2:]) == [v for _k, _l, v in figures.rows()]


def test_the_monthly_report_is_a_pdf(client, mall):
    client.force_login(staff_member(Role.MALL_MANAGER, mall=mall))
    response = client.get(reverse("backoffice:stats-pdf", args=[mall.slug]), {"bulan": "2026-02"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    assert "laporan-" in response["Content-Disposition"]


# --- the national view ----------------------------------------------------------------------


def test_the_monitor_sees_every_mall_beside_the_month_before(client, history):
    monitor = staff_member(Role.MINISTRY_MONITOR)
    client.force_login(monitor)
    page = client.get(reverse("backoffice:national"), {"bulan": "2026-02"})
    assert page.status_code == 200
    february = stats.Period.month(2026, 2)
    january = stats.Period.month(2026, 1)
    now = dict(stats.figures_by_mall(period=february))
    before = dict(stats.figures_by_mall(period=january))
    for mall in history["malls"]:
        start = page.text.index(f'data-mall="{mall.slug}"')
        row = page.text[start : page.text.index("</tr>", start)]
        assert f'data-key="applicants" data-value="{now[mall].applicants}"' in row
        assert f'data-key="applicants_previous" data-value="{before[mall].applicants}"' in row
        expected = stats_tables.change(now[mall].applicants, before[mall].applicants)
        if expected is not None:
            shown = f"{expected:+}".replace(".", ",").replace("+", "+" if expected > 0 else "")
            assert shown in row
    assert 'data-province="32"' in page.text and "Jawa Barat" in page.text
    assert 'id="ranking-applicants"' in page.text


def test_the_national_exports_hold_every_mall(client, history):
    client.force_login(staff_member(Role.MINISTRY_MONITOR))
    response = client.get(reverse("backoffice:national-csv"), {"bulan": "2026-01"})
    assert response.status_code == 200 and response.streaming
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["MPP", "Kode wilayah", "Provinsi"]
    january = stats.Period.month(2026, 1)
    expected = {m.name: f for m, f in stats.figures_by_mall(period=january)}
    assert {row[0] for row in rows[1:]} == set(expected)
    for row in rows[1:]:
        assert row[3:] == ["" if v is None else str(v) for _k, _l, v in expected[row[0]].rows()]
    book = client.get(reverse("backoffice:national-xlsx"), {"bulan": "2026-01"})
    sheet = load_workbook(io.BytesIO(b"".join(book.streaming_content)), read_only=True).active
    names = [row[0] for row in sheet.iter_rows(min_row=5, values_only=True)]
    assert set(names) == set(expected)


@pytest.mark.parametrize(
    "role", [Role.MALL_MANAGER, Role.FRONT_OFFICE, Role.VERIFIER, Role.APPROVER, None]
)
def test_only_the_monitor_and_the_superuser_open_the_national_view(client, role):
    mall = MallFactory()
    if role is None:
        person = UserFactory()
    elif role == Role.MALL_MANAGER:
        person = staff_member(role, mall=mall)
    else:
        person = staff_member(role, agency=AgencyFactory(mall=mall))
    client.force_login(person)
    for name in ("backoffice:national", "backoffice:national-csv", "backoffice:national-xlsx"):
        assert client.get(reverse(name)).status_code == 403, name
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert client.get(reverse("backoffice:national")).status_code == 200


def test_the_monitor_changes_nothing_through_the_statistics(client, mall):
    client.force_login(staff_member(Role.MINISTRY_MONITOR))
    for url in (
        reverse("backoffice:national"),
        reverse("backoffice:stats", args=[mall.slug]),
        reverse("backoffice:stats-csv", args=[mall.slug]),
    ):
        assert client.post(url, {"bulan": "2026-01"}).status_code == 405, url


@pytest.mark.parametrize("month", ["2026-13", "bulan lalu", "1999-12", "2026-00", "2000-01"])
def test_an_impossible_month_on_the_national_view_is_a_message(client, month):
    client.force_login(staff_member(Role.MINISTRY_MONITOR))
    page = client.get(reverse("backoffice:national"), {"bulan": month})
    assert page.status_code == 400 and 'role="alert"' in page.text
    assert client.get(reverse("backoffice:national-csv"), {"bulan": month}).status_code == 400


# --- the pieces -----------------------------------------------------------------------------


def test_the_provinces_are_indonesia_s_38_by_their_code():
    assert len(PROVINCES) == 38
    assert province_name(province_code("32.71")) == "Jawa Barat"
    assert province_name(province_code("96.01")) == "Papua Barat Daya"
    assert province_code("x2.71") == "" and province_name("") == "Provinsi tidak dikenal"


def test_month_on_month_change_and_sla_compliance():
    assert stats_tables.change(4431, 7912) == -44.0  # MPP Kota Bogor, February → March 2020
    assert stats_tables.change(5, 0) is None and stats_tables.change(None, 3) is None
    assert stats_tables.percent(3, 4) == 75.0 and stats_tables.percent(0, 0) is None


def test_the_staff_header_links_the_statistics_and_the_monitor_lands_on_the_national_view(
    client,
):
    mall = MallFactory()
    client.force_login(staff_member(Role.MALL_MANAGER, mall=mall))
    header = client.get(reverse("portal:home")).text
    assert f'href="{reverse("backoffice:stats", args=[mall.slug])}"' in header
    assert reverse("backoffice:national") not in header

    client.force_login(staff_member(Role.MINISTRY_MONITOR))
    assert client.get(reverse("backoffice:start"))["Location"] == reverse("backoffice:national")


def test_the_pages_read_a_bounded_number_of_queries(client, history, django_assert_max_num_queries):
    mall = history["malls"][0]
    client.force_login(staff_member(Role.MALL_MANAGER, mall=mall))
    url = reverse("backoffice:stats", args=[mall.slug])
    with django_assert_max_num_queries(15):
        assert client.get(url, {**WHOLE, "satuan": "hari"}).status_code == 200
    for _n in range(5):  # more malls: the national view asks the same number of queries
        MallFactory()
    client.force_login(staff_member(Role.MINISTRY_MONITOR))
    # Two months (this and the one before), each with its version key of the kept figures.
    with django_assert_max_num_queries(14):
        assert client.get(reverse("backoffice:national"), {"bulan": "2026-02"}).status_code == 200
