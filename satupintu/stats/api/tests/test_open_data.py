"""Open data: a mall's month for anyone, small counts withheld, the CSV streamed."""

import csv
import io
from datetime import UTC, date, datetime

import pytest
from django.core.management import call_command
from django.test import Client

from satupintu.booking.models import Ticket
from satupintu.booking.tests.factories import citizen
from satupintu.catalog.tests.factories import ServiceFactory
from satupintu.complaints.models import Report
from satupintu.malls.tests.factories import AgencyFactory, MallFactory

pytestmark = pytest.mark.django_db
API = "/api/v1/stats"


@pytest.fixture
def mall():
    """March 2026 in a mall: 7 walk-ins at one agency, 2 at another, 1 complaint with the
    reporter's name, email and phone; counted into the rollup."""
    mall = MallFactory(slug="kota-bogor", name="MPP Kota Bogor")
    busy, quiet = AgencyFactory(mall=mall, slug="dpmptsp"), AgencyFactory(mall=mall, slug="bpn")
    busy_service, quiet_service = ServiceFactory(agency=busy), ServiceFactory(agency=quiet)
    for n in range(7):
        Ticket.objects.create(
            agency=busy, service=busy_service, date=date(2026, 3, 2), number=n + 1, label="A"
        )
    for n in range(2):
        Ticket.objects.create(
            agency=quiet, service=quiet_service, date=date(2026, 3, 31), number=n + 1, label="B"
        )
    person = citizen(email="siti@example.id")
    report = Report.objects.create(
        tracking_id="LPR-2026-000001",
        secret_hash="0" * 64,
        mall=mall,
        kind="pengaduan",
        category="waktu",
        title="Antrean",
        text="Lama",
        reporter=person,
        reporter_name="Siti Aminah",
        reporter_email="siti@example.id",
        reporter_phone="+6281234567890",
        verify_due=date(2026, 3, 5),
    )
    Report.objects.filter(pk=report.pk).update(created_at=datetime(2026, 3, 3, 3, tzinfo=UTC))
    call_command("stats_backfill", "--no-progress", stdout=io.StringIO())
    return mall


def _figures(body):
    return {row["key"]: row for row in body["figures"]}


def test_anyone_reads_a_month_with_small_counts_withheld(mall):
    response = Client().get(f"{API}/kota-bogor/2026/3/")
    assert response.status_code == 200
    body = response.json()
    assert (body["mall"], body["start"], body["end"]) == ("kota-bogor", "2026-03-01", "2026-03-31")
    assert body["threshold"] == 5
    rows = _figures(body)
    assert rows["walk_ins"] == {
        "key": "walk_ins",
        "label": rows["walk_ins"]["label"],
        "value": 9,
        "suppressed": False,
    }
    assert rows["complaints_received"]["value"] is None
    assert rows["complaints_received"]["suppressed"] is True
    assert rows["visits_booked"] == {**rows["visits_booked"], "value": 0, "suppressed": False}

    quiet = _figures(Client().get(f"{API}/kota-bogor/2026/3/?agency=bpn").json())
    assert quiet["walk_ins"]["value"] is None and quiet["walk_ins"]["suppressed"]
    # The JSON of one agency shows what the CSV shows: dpmptsp's 7 would reveal bpn's 2.
    busy = _figures(Client().get(f"{API}/kota-bogor/2026/3/?agency=dpmptsp").json())
    assert busy["walk_ins"]["value"] is None and busy["walk_ins"]["suppressed"]
    assert busy["visits_booked"]["value"] == 0 and not busy["visits_booked"]["suppressed"]


def test_the_month_s_csv_is_streamed_per_mall_agency_and_service_without_a_person(mall):
    response = Client().get(f"{API}/kota-bogor/2026/3/csv/")
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    walk_ins = {(r["agency"], r["service"]): r for r in rows if r["figure"] == "walk_ins"}
    assert walk_ins[("", "")]["value"] == "9"
    # bpn's 2 is withheld; dpmptsp's 7 with it, or 9 - 7 would give it away (complementary
    # suppression), and so is each agency's only service (it equals its agency).
    for unit in [("bpn", ""), ("dpmptsp", ""), *((a, s) for a, s in walk_ins if s)]:
        assert (walk_ins[unit]["value"], walk_ins[unit]["suppressed"]) == ("", "1"), unit
    # dpmptsp's applicants are its walk-ins alone (nothing else): withheld too.
    applicants = {(r["agency"], r["service"]): r for r in rows if r["figure"] == "applicants"}
    assert applicants[("dpmptsp", "")]["suppressed"] == "1"
    assert applicants[("", "")]["value"] == "9"
    assert len(walk_ins) == 1 + 2 + 2  # the mall, two agencies, two services
    for personal in ("Siti", "siti@example.id", "6281234567890", "LPR-2026", "Lama"):
        assert personal not in text


@pytest.mark.parametrize(
    ("url", "status", "code"),
    [
        (f"{API}/kota-bogor/2026/13/", 400, "period"),
        (f"{API}/kota-bogor/2999/1/", 400, "period"),
        (f"{API}/kota-bogor/2026/3/?service=x", 400, None),
        (f"{API}/tidak-ada/2026/3/", 404, "not_found"),
        (f"{API}/kota-bogor/2026/3/?agency=tidak-ada", 404, "not_found"),
        (f"{API}/kota-bogor/2026/3/csv/?agency=tidak-ada", 404, "not_found"),
        (f"{API}/kota-bogor/2026/0/csv/", 400, "period"),
    ],
)
def test_bad_requests_get_the_error_body(mall, url, status, code):
    response = Client().get(url)
    assert response.status_code == status
    error = response.json()["error"]
    assert error["message"]
    if code:
        assert error["code"] == code


def test_a_service_of_another_mall_is_not_found(mall):
    elsewhere = ServiceFactory()
    response = Client().get(f"{API}/kota-bogor/2026/3/?service={elsewhere.pk}")
    assert response.status_code == 404


def test_open_data_is_throttled_per_client(mall, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "open_data": "2/minute",
        },
    }
    client = Client()
    statuses = [client.get(f"{API}/kota-bogor/2026/3/").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert client.get(f"{API}/kota-bogor/2026/3/csv/").status_code == 429


def test_a_month_is_suppressed_once_kept_published_only_and_made_anew_after_a_rollup(
    mall, monkeypatch
):
    from django.core.cache import cache

    from satupintu.stats import disclosure
    from satupintu.stats.services import rollup_mall

    made, stored = [], []
    real_withheld = disclosure.withheld

    def counting(table, *, threshold):
        made.append(table)
        return real_withheld(table, threshold=threshold)

    class Recording:
        def get(self, key):
            return cache.get(key)

        def set(self, key, value, timeout):
            stored.append(value)
            cache.set(key, value, timeout)

    monkeypatch.setattr(disclosure, "withheld", counting)
    monkeypatch.setattr(disclosure, "cache", Recording())

    first = _figures(Client().get(f"{API}/kota-bogor/2026/3/").json())
    again = _figures(Client().get(f"{API}/kota-bogor/2026/3/").json())
    quiet = _figures(Client().get(f"{API}/kota-bogor/2026/3/?agency=bpn").json())
    lines = b"".join(Client().get(f"{API}/kota-bogor/2026/3/csv/").streaming_content)
    english = Client().get(f"{API}/kota-bogor/2026/3/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert len(made) == 1 and len(stored) == 1
    assert again == first
    assert quiet["walk_ins"]["suppressed"] and b"walk_ins" in lines
    # Labels are translated per request, not kept in the language of the first.
    assert _figures(english)["walk_ins"]["label"] != first["walk_ins"]["label"]

    # What is kept holds no withheld count: bpn's 2 walk-ins, dpmptsp's 7 are None.
    (table,) = stored
    busy, bpn = (mall.agencies.get(slug=slug).pk for slug in ("dpmptsp", "bpn"))
    cells = {(unit, key): (value, held) for unit, row in table.items() for key, value, held in row}
    assert cells[(("agency", bpn), "walk_ins")] == (None, True)
    assert cells[(("agency", busy), "walk_ins")] == (None, True)
    assert all(value is None for value, held in cells.values() if held)

    # Five more walk-ins at bpn, counted: new figures at once, made once more.
    quiet_agency = mall.agencies.get(slug="bpn")
    service = quiet_agency.services.first()
    for n in range(5):
        Ticket.objects.create(
            agency=quiet_agency, service=service, date=date(2026, 3, 31), number=n + 3, label="B"
        )
    rollup_mall(mall=mall, start=date(2026, 3, 1), end=date(2026, 3, 31))
    after = _figures(Client().get(f"{API}/kota-bogor/2026/3/").json())
    quiet = _figures(Client().get(f"{API}/kota-bogor/2026/3/?agency=bpn").json())
    assert after["walk_ins"]["value"] == 14
    assert quiet["walk_ins"] == {**quiet["walk_ins"], "value": 7, "suppressed": False}
    assert len(made) == 2


def test_an_agency_made_after_the_month_was_kept_shows_its_empty_figures(mall, monkeypatch):
    Client().get(f"{API}/kota-bogor/2026/3/")
    AgencyFactory(mall=mall, slug="baru")
    response = Client().get(f"{API}/kota-bogor/2026/3/?agency=baru")
    assert response.status_code == 200
    rows = _figures(response.json())
    assert rows["walk_ins"] == {**rows["walk_ins"], "value": 0, "suppressed": False}
    assert not any(row["suppressed"] for row in rows.values())
