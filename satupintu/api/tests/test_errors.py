"""The API's one error body holds for nested fields, conflicts and numbers past the columns."""

import pytest
from rest_framework.test import APIClient

from satupintu.booking.models import Booking, Closure
from satupintu.booking.services.bookings import booking_create
from satupintu.booking.services.slots import slots_open
from satupintu.booking.tests.factories import citizen, open_day, visit_service
from satupintu.complaints.models import Report
from satupintu.malls.services import membership_grant
from satupintu.malls.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
TOO_BIG = str(2**63)


def test_already_booked_is_a_409_with_the_documented_next_slots():
    service = visit_service()
    person = citizen()
    first, second = slots_open(service=service, day=open_day()).slots[:2]
    booking_create(citizen=person, slot=first)
    api = APIClient()
    api.force_authenticate(person)
    response = api.post("/api/v1/bookings/", {"slot": second.pk}, format="json")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "already_booked" and error["next_slots"] == []
    assert Booking.objects.count() == 1


def test_errors_of_list_items_get_dotted_field_names():
    service = visit_service()
    response = APIClient().post(
        "/api/v1/reports/",
        {
            "mall": service.agency.mall.slug,
            "kind": "pengaduan",
            "category": "layanan",
            "title": "Antre",
            "text": "Lama",
            "attachments": ["not a file"],
        },
        format="multipart",
    )
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert all(isinstance(messages, list) for messages in fields.values())
    assert "attachments.0" in fields or "attachments" in fields
    assert Report.objects.count() == 0


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/bookings/", {"slot": TOO_BIG}),
        ("/api/v1/bookings/", {"slot": "satu"}),
        ("/api/v1/applications/", {"service": TOO_BIG}),
    ],
)
def test_ids_past_the_column_or_not_numbers_are_400(path, body):
    api = APIClient()
    api.force_authenticate(citizen())
    response = api.post(path, body, format="json")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == list(body)


def test_ids_past_the_column_in_paths_and_queries_are_not_server_errors():
    api = APIClient()
    assert api.get(f"/api/v1/services/{TOO_BIG}0/").status_code == 404
    assert api.get(f"/api/v1/services/{TOO_BIG}0/slots/", {"date": "2026-01-05"}).status_code == 404
    assert api.get("/api/v1/services/", {"agency": TOO_BIG}).status_code == 400


def test_a_closure_in_year_1_or_9999_is_refused_and_nothing_recorded():
    service = visit_service()
    manager = UserFactory()
    membership_grant(user=manager, role="mall_manager", mall=service.agency.mall)
    api = APIClient()
    api.force_authenticate(manager)
    for starts, ends in (("0001-01-01", "9999-12-31"), ("2026-02-30", "2026-03-01")):
        response = api.post(
            f"/api/v1/malls/{service.agency.mall.slug}/closures/",
            {
                "kind": "closed",
                "decree_number": "SK-1",
                "reason": "Renovasi",
                "starts_on": starts,
                "ends_on": ends,
            },
            format="json",
        )
        assert response.status_code == 400
        assert "starts_on" in response.json()["error"]["fields"]
    assert Closure.objects.count() == 0


def test_a_throttled_request_is_told_when_to_come_back_in_the_users_language(settings):
    """DRF's 429 appends an English sentence no catalogue translates; ours says the wait in
    the user's language, and Retry-After gives it in seconds."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "auth": "1/hour",
        },
    }
    api = APIClient()
    body = {"login": "nobody@example.id", "password": "x"}
    assert api.post("/api/v1/auth/token/", body, format="json").status_code == 400
    refused = api.post("/api/v1/auth/token/", body, format="json")
    assert refused.status_code == 429 and 3500 < int(refused["Retry-After"]) <= 3600
    error = refused.json()["error"]
    assert error["code"] == "throttled"
    assert error["message"] == "Terlalu banyak permintaan. Coba lagi dalam 60 menit."
    english = api.post(
        "/api/v1/auth/token/", body, format="json", headers={"accept-language": "en"}
    )
    assert english.json()["error"]["message"] == "Too many requests. Try again in 60 minutes."
