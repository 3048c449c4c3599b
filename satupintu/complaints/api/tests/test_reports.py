"""API v1 for complaints: file and follow with the secret; staff route and answer."""

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from satupintu.complaints.models import Report
from satupintu.malls.models import StaffMembership
from satupintu.malls.services import membership_grant
from satupintu.malls.tests.factories import AgencyFactory, MallFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def _file(api, mall, headers=None, **extra):
    body = {
        "mall": mall.slug,
        "kind": "pengaduan",
        "category": "waktu",
        "title": "KTP-el belum jadi",
        "text": "Sudah tiga minggu KTP-el saya belum dicetak.",
        "email": "budi@example.id",
        **extra,
    }
    return api.post("/api/v1/reports/", body, format="json", **(headers or {}))


def test_file_then_follow_only_with_the_secret(api):
    mall = MallFactory()
    filed = _file(api, mall)
    assert filed.status_code == 201
    tracking, secret = filed.json()["tracking_id"], filed.json()["secret"]
    assert api.get(f"/api/v1/reports/{tracking}/").status_code == 404
    followed = api.get(f"/api/v1/reports/{tracking}/", HTTP_X_REPORT_SECRET=secret).json()
    assert followed["status"] == "submitted" and "email" not in str(followed.keys())
    reply = api.post(
        f"/api/v1/reports/{tracking}/replies/",
        {"text": "Nomor antrean saya A-012."},
        format="json",
        HTTP_X_REPORT_SECRET=secret,
    )
    assert [e["kind"] for e in reply.json()["events"]] == ["filed", "replied"]


def test_bad_reports_are_refused_in_indonesian(api):
    mall = MallFactory()
    short = _file(api, mall, text="pendek")
    assert short.status_code == 400 and "text" in short.json()["error"]["fields"]
    other = _file(api, mall, agency=AgencyFactory().pk)
    assert "agency" in other.json()["error"]["fields"]
    assert not Report.objects.exists()


def test_staff_route_and_answer_by_role(api):
    mall = MallFactory()
    agency = AgencyFactory(mall=mall)
    filed = _file(api, mall).json()
    coordinator, officer = UserFactory(), UserFactory()
    membership_grant(user=coordinator, role=StaffMembership.Role.MALL_MANAGER, mall=mall)
    membership_grant(user=officer, role=StaffMembership.Role.FRONT_OFFICE, agency=agency)
    tracking = filed["tracking_id"]

    api.force_authenticate(officer)
    assert api.get("/api/v1/staff/reports/", {"mall": mall.slug}).json() == []
    api.force_authenticate(coordinator)
    routed = api.post(
        f"/api/v1/staff/reports/{tracking}/route/",
        {"agency": agency.pk, "deadline_class": 2},
        format="json",
    )
    assert routed.status_code == 200 and routed.json()["status"] == "routed"

    api.force_authenticate(officer)
    refused = api.post(
        f"/api/v1/staff/reports/{tracking}/route/", {"agency": agency.pk, "deadline_class": 5}
    )
    assert refused.status_code == 403
    answered = api.post(
        f"/api/v1/staff/reports/{tracking}/answer/", {"text": "KTP-el sudah dicetak."}
    )
    assert answered.json()["status"] == "answered"

    api.force_authenticate(None)
    rated = api.post(
        f"/api/v1/reports/{tracking}/rating/",
        {"rating": 4},
        format="json",
        HTTP_X_REPORT_SECRET=filed["secret"],
    )
    assert rated.json()["status"] == "closed"


def test_a_refused_step_answers_with_the_rule_s_own_code(api):
    filed = _file(api, MallFactory()).json()
    # Rating before any answer: the report is not answered yet, and the code says which rule.
    refused = api.post(
        f"/api/v1/reports/{filed['tracking_id']}/rating/",
        {"rating": 4},
        format="json",
        HTTP_X_REPORT_SECRET=filed["secret"],
    )
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert error["code"] == "wrong_step" and error["message"] and error["fields"] == {}


def test_the_same_idempotency_key_files_one_report_and_answers_the_same(api):
    mall = MallFactory()
    first = _file(api, mall, headers={"HTTP_IDEMPOTENCY_KEY": "lapor-7f3a"})
    again = _file(api, mall, headers={"HTTP_IDEMPOTENCY_KEY": "lapor-7f3a"})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert Report.objects.count() == 1
    secret = again.json()["secret"]
    tracking = again.json()["tracking_id"]
    followed = api.get(f"/api/v1/reports/{tracking}/", HTTP_X_REPORT_SECRET=secret)
    assert followed.status_code == 200
    # Another key, or no key, is another report.
    other = _file(api, mall, headers={"HTTP_IDEMPOTENCY_KEY": "lapor-other"})
    assert other.json()["tracking_id"] != tracking
    assert _file(api, mall).json()["tracking_id"] != tracking
    assert Report.objects.count() == 3


def test_an_idempotency_key_is_scoped_to_its_client(api):
    mall = MallFactory()
    mine = _file(api, mall, headers={"HTTP_IDEMPOTENCY_KEY": "k-1", "REMOTE_ADDR": "10.0.0.1"})
    theirs = _file(api, mall, headers={"HTTP_IDEMPOTENCY_KEY": "k-1", "REMOTE_ADDR": "10.0.0.2"})
    assert mine.json()["tracking_id"] != theirs.json()["tracking_id"]
    assert mine.json()["secret"] != theirs.json()["secret"]
    assert Report.objects.count() == 2


def test_a_too_long_idempotency_key_is_refused_not_cut(api):
    mall = MallFactory()
    refused = _file(api, mall, headers={"HTTP_IDEMPOTENCY_KEY": "k" * 101})
    assert refused.status_code == 400
    assert "Idempotency-Key" in str(refused.json())
    assert not Report.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_the_same_filing_on_many_connections_makes_one_report(settings):
    """Eight threads on their own connections send one filing with one key at once."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "reports": "1000/hour",
        },
    }
    mall = MallFactory()
    racers = 8
    start = threading.Barrier(racers)
    answers: list = []

    def race():
        try:
            start.wait()
            answers.append(_file(APIClient(), mall, headers={"HTTP_IDEMPOTENCY_KEY": "burst-1"}))
        finally:
            connection.close()

    threads = [threading.Thread(target=race) for _ in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Report.objects.count() == 1
    assert {a.status_code for a in answers} == {201}
    assert len({(a.json()["tracking_id"], a.json()["secret"]) for a in answers}) == 1


def test_an_evidence_file_name_too_long_is_refused_not_cut(api):
    from satupintu.cases.tests.files import pdf

    mall = MallFactory()
    body = {
        "mall": mall.slug,
        "kind": "pengaduan",
        "category": "waktu",
        "title": "KTP-el belum jadi",
        "text": "Sudah tiga minggu KTP-el saya belum dicetak.",
        "attachments": [pdf("b" * 197 + ".pdf")],
    }
    refused = api.post("/api/v1/reports/", body, format="multipart")
    assert refused.status_code == 400
    assert "paling banyak 200" in refused.json()["error"]["fields"]["attachments.0"][0]
    assert not Report.objects.exists()


# A filing's queries: the mall with its coming days off; when the reporter left an address,
# the message's wording; then one statement for the year's counter, the report, its first event
# and the message, which commits by itself (no transaction around it: no BEGIN, no COMMIT).
# Another query per filing is a regression: bench/report_filing.py measures the cost.
@pytest.mark.parametrize(
    ("extra", "queries"),
    [
        ({}, 3),
        ({"phone": "+6281234567890"}, 3),  # three channels' wordings, in one query
        ({"anonymous": True, "email": "", "name": ""}, 2),
    ],
    ids=["with-an-email", "with-an-email-and-a-phone", "anonymous"],
)
def test_a_filing_costs_a_fixed_number_of_queries(api, django_assert_num_queries, extra, queries):
    mall = MallFactory()
    _file(api, mall)  # the first of the year makes the counter's row
    with django_assert_num_queries(queries):
        filed = _file(api, mall, **extra)
    assert filed.status_code == 201
    report = Report.objects.get(tracking_id=filed.json()["tracking_id"])
    assert report.is_anonymous == ("anonymous" in extra)
    assert report.verify_due is not None


def test_the_verify_deadline_skips_the_mall_s_days_off_read_with_the_mall(api):
    from datetime import timedelta

    from django.utils import timezone

    from satupintu.booking.models import DayOff
    from satupintu.complaints.services import VERIFY_DAYS
    from satupintu.malls.calendar import in_mall_time, working_days_after

    mall = MallFactory()
    today = in_mall_time(timezone.now(), mall).date()
    without = working_days_after(mall=mall, start=today, days=VERIFY_DAYS)
    # The mall's whole day off on the next working day, and another's day with other hours.
    first = working_days_after(mall=mall, start=today, days=1)
    DayOff.objects.create(mall=mall, date=first, reason="Hari jadi kota")
    DayOff.objects.create(
        mall=mall, date=first + timedelta(days=1), reason="Rapat", opens="08:00", closes="12:00"
    )
    DayOff.objects.create(mall=MallFactory(), date=without, reason="Mal lain")
    filed = _file(api, mall)
    report = Report.objects.get(tracking_id=filed.json()["tracking_id"])
    expected = working_days_after(mall=mall, start=today, days=VERIFY_DAYS)  # by its own query
    assert report.verify_due == expected
    assert expected > without
