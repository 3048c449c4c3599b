"""API v1 for the catalog: services by mall, agency, channel and words; a service's standard."""

import pytest

from satupintu.catalog.tests.factories import RequirementFactory, ServiceFactory
from satupintu.malls.tests.factories import AgencyFactory

pytestmark = pytest.mark.django_db


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
