import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from satupintu.catalog.tests.factories import RequirementFactory, ServiceFactory
from satupintu.malls.tests.factories import (
    AgencyFactory,
    AnnouncementFactory,
    MallFactory,
    OpeningHoursFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def bogor():
    mall = MallFactory(slug="kota-bogor", name="MPP Kota Bogor")
    OpeningHoursFactory(mall=mall)
    agency = AgencyFactory(mall=mall, name="Disdukcapil Kota Bogor")
    ktp = ServiceFactory(agency=agency, name="Penerbitan KTP-el")
    RequirementFactory(service=ktp, text="Fotokopi KK")
    ServiceFactory(
        agency=AgencyFactory(mall=mall),
        name="Surat Izin Praktik Bidan",
        in_person_only=True,
        paid=True,
    )
    return mall


def test_mall_list_has_counts(client, bogor):
    body = client.get("/api/v1/malls/").json()
    assert body["count"] == 1 and body["next"] is None
    row = body["results"][0]
    assert (row["slug"], row["agency_count"], row["service_count"]) == ("kota-bogor", 2, 2)


def test_mall_detail_has_hours_and_contacts(client, bogor):
    body = client.get("/api/v1/malls/kota-bogor/").json()
    assert body["opening_hours"] == [{"weekday": 0, "opens": "08:00:00", "closes": "15:30:00"}]
    assert body["contacts"]["whatsapp"] == "+6281110001234"


def test_unknown_mall_is_a_404_in_the_users_language(client):
    body = client.get("/api/v1/malls/tidak-ada/").json()
    assert body == {
        "error": {"code": "not_found", "message": "Data tidak ditemukan.", "fields": {}}
    }
    english = client.get("/api/v1/malls/tidak-ada/", headers={"accept-language": "en"})
    assert english.status_code == 404
    assert english.json()["error"]["message"] == "Not found."


def test_agencies_of_a_mall(client, bogor):
    AgencyFactory(name="Dinas di MPP lain")
    body = client.get("/api/v1/agencies/", {"mall": "kota-bogor"}).json()
    assert body["count"] == 2
    assert {a["mall"] for a in body["results"]} == {"kota-bogor"}


def test_unknown_mall_filter_is_a_400_naming_the_field(client):
    response = client.get("/api/v1/agencies/", {"mall": "tidak-ada"})
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["mall"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"channel": "pos"}, "channel"),
        ({"agency": "abc"}, "agency"),
        ({"agency": "999999"}, "agency"),
        ({"q": "x" * 201}, "q"),
        ({"page": "99"}, None),
    ],
)
def test_invalid_service_query_parameters(client, bogor, params, field):
    response = client.get("/api/v1/services/", params)
    if field is None:
        assert response.status_code == 404
    else:
        assert response.status_code == 400
        assert field in response.json()["error"]["fields"]


def test_agency_of_another_mall_is_refused(client, bogor):
    other = AgencyFactory()
    response = client.get("/api/v1/services/", {"mall": "kota-bogor", "agency": other.pk})
    assert response.status_code == 400
    assert "agency" in response.json()["error"]["fields"]


def test_service_search_filters_and_paginates(client, bogor):
    body = client.get("/api/v1/services/", {"mall": "kota-bogor", "q": "ktp"}).json()
    assert [s["name"] for s in body["results"]] == ["Penerbitan KTP-el"]
    body = client.get("/api/v1/services/", {"channel": "online"}).json()
    assert [s["name"] for s in body["results"]] == ["Penerbitan KTP-el"]
    body = client.get("/api/v1/services/", {"page_size": 1}).json()
    assert body["count"] == 2 and body["next"] and len(body["results"]) == 1


def test_service_list_query_count_does_not_grow_with_rows(
    client, bogor, django_assert_max_num_queries
):
    ServiceFactory.create_batch(15, agency=AgencyFactory(mall=bogor))
    with django_assert_max_num_queries(4):
        assert client.get("/api/v1/services/").status_code == 200


def test_service_detail_holds_the_standard(client, bogor):
    service = ServiceFactory(
        agency=AgencyFactory(mall=bogor),
        name="Penerbitan SKCK",
        paid=True,
        legal_basis="PP 76/2021",
    )
    RequirementFactory(service=service, text="Fotokopi KTP-el")
    body = client.get(f"/api/v1/services/{service.pk}/").json()
    standard = body["standard"]
    assert standard["requirements"] == ["Fotokopi KTP-el"]
    assert standard["fee"] == {"rupiah": 30000, "is_free": False, "legal_basis": "PP 76/2021"}
    assert {
        "procedure",
        "duration_working_days",
        "product",
        "complaint_handling",
        "legal_basis",
        "facilities",
        "staff_competence",
        "internal_supervision",
        "staff_count",
        "service_guarantee",
        "security_guarantee",
        "performance_evaluation",
    } <= set(standard)


def test_inactive_service_is_not_found(client, bogor):
    service = ServiceFactory(agency=AgencyFactory(mall=bogor), is_active=False)
    assert client.get(f"/api/v1/services/{service.pk}/").status_code == 404


def test_current_announcements_of_a_mall(client, bogor):
    AnnouncementFactory(mall=bogor, title="Jam layanan dibatasi")
    AnnouncementFactory(title="Pengumuman MPP lain")
    body = client.get("/api/v1/announcements/", {"mall": "kota-bogor"}).json()
    assert [a["title"] for a in body["results"]] == ["Jam layanan dibatasi"]


def test_health_and_readiness(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json()["database"] == "up"


def test_readiness_fails_when_the_database_is_gone():
    """A process whose database does not answer is up (healthz) but not ready (readyz)."""
    script = (
        "from django.test import Client; c = Client(); "
        "print(c.get('/healthz').status_code, c.get('/readyz').status_code)"
    )
    env = {**os.environ, "DATABASE_URL": "postgres://postgres@127.0.0.1:1/none"}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", script],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.split() == ["200", "503"]


def test_committed_openapi_schema_matches_the_code(tmp_path):
    generated = tmp_path / "openapi.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(generated))
    committed = Path(settings.BASE_DIR) / "openapi.yaml"
    assert committed.read_text() == generated.read_text(), "run `make schema` and commit"


def test_schema_and_docs_are_served(client):
    assert client.get(reverse("api:schema")).status_code == 200
    assert client.get(reverse("api:docs")).status_code == 200
