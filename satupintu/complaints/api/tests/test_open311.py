"""Open311 GeoReport v2: the formats, fields and error bodies of the specification."""

from xml.etree import ElementTree as ET  # noqa: S405 - parsing our own responses

import pytest

from satupintu.api.models import IntegrationKey
from satupintu.complaints import services
from satupintu.complaints.models import Report
from satupintu.malls.tests.factories import AgencyFactory, MallFactory

pytestmark = pytest.mark.django_db
REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}


@pytest.fixture
def mall():
    return MallFactory(slug="kota-bogor")


@pytest.fixture
def key(mall):
    return IntegrationKey.issue(name="Aplikasi warga", mall=mall)[1]


def _xml(response):
    assert response["Content-Type"].startswith("text/xml")
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.content)  # noqa: S314


def _post(client, key, **extra):
    return client.post(
        "/open311/v2/requests.json",
        {
            "api_key": key,
            "jurisdiction_id": "kota-bogor",
            "service_code": "pengaduan-waktu",
            "address_string": "MPP Kota Bogor, loket Disdukcapil",
            "description": "Antrean KTP-el sangat lama, lebih dari tiga jam.",
            "first_name": "Budi",
            "email": "budi@example.id",
            **extra,
        },
    )


def test_discovery_lists_the_v2_endpoint_in_both_formats(client, mall):
    body = client.get("/open311/discovery.json").json()
    [endpoint] = body["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2/")
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    root = _xml(client.get("/open311/discovery.xml"))
    assert root.tag == "discovery"
    assert [f.text for f in root.find("endpoints/endpoint/formats")] == [
        "text/xml",
        "application/json",
    ]


def test_services_and_a_definition(client, mall):
    services_json = client.get("/open311/v2/services.json").json()
    first = services_json[0]
    assert set(first) == {
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    }
    assert first["metadata"] is False and first["type"] == "realtime"
    root = _xml(client.get("/open311/v2/services.xml"))
    assert root.tag == "services" and root[0].tag == "service"
    assert root[0].find("metadata").text == "false"
    definition = client.get("/open311/v2/services/pengaduan-biaya.json").json()
    assert definition == {"service_code": "pengaduan-biaya", "attributes": []}


def test_errors_are_lists_of_code_and_description(client, mall):
    missing = client.get("/open311/v2/services/tidak-ada.json")
    assert missing.status_code == 404
    assert missing.json()[0]["code"] == 404 and missing.json()[0]["description"]
    root = _xml(client.get("/open311/v2/services/tidak-ada.xml"))
    assert root.tag == "errors" and root.find("error/code").text == "404"
    assert client.get("/open311/v2/tokens/abc.json").status_code == 404


def test_posting_needs_a_key_and_files_a_report(client, mall, key):
    refused = _post(client, "salah")
    assert refused.status_code == 403 and refused.json()[0]["code"] == 403
    short = _post(client, key, description="pendek")
    assert short.status_code == 400
    created = _post(client, key)
    assert created.status_code == 201
    [row] = created.json()
    report = Report.objects.get(tracking_id=row["service_request_id"])
    assert (report.kind, report.category, report.reporter_name) == ("pengaduan", "waktu", "Budi")
    assert "/pengaduan/" in row["service_notice"]


def test_requests_list_filter_and_detail_without_personal_data(client, mall, key):
    _post(client, key)
    hidden = services.report_file(
        mall=mall,
        kind="pengaduan",
        category="petugas",
        title="Rahasia",
        text="Laporan rahasia tentang petugas loket.",
        confidential=True,
        name="Siti",
    ).report
    rows = client.get("/open311/v2/requests.json", {"jurisdiction_id": "kota-bogor"}).json()
    assert len(rows) == 1 and set(rows[0]) == REQUEST_FIELDS
    assert rows[0]["status"] == "open" and rows[0]["requested_datetime"].endswith("+00:00")
    assert "Budi" not in str(rows) and "budi@example.id" not in str(rows)
    assert hidden.tracking_id not in str(rows)
    closed = client.get(
        "/open311/v2/requests.json", {"jurisdiction_id": "kota-bogor", "status": "closed"}
    ).json()
    assert closed == []
    by_code = client.get(
        "/open311/v2/requests.json",
        {"jurisdiction_id": "kota-bogor", "service_code": "aspirasi-lainnya"},
    ).json()
    assert by_code == []
    detail = client.get(f"/open311/v2/requests/{rows[0]['service_request_id']}.xml")
    root = _xml(detail)
    assert root.tag == "service_requests" and root[0].tag == "request"
    assert root[0].find("service_request_id").text == rows[0]["service_request_id"]
    assert client.get(f"/open311/v2/requests/{hidden.tracking_id}.json").status_code == 404


def test_a_key_of_one_mall_cannot_post_to_another(client, mall, key):
    MallFactory(slug="kabupaten-probolinggo")
    AgencyFactory(mall=mall)
    other = _post(client, key, jurisdiction_id="kabupaten-probolinggo")
    assert other.status_code == 403


@pytest.mark.parametrize(
    ("field", "limit"),
    [
        ("description", 4000),
        ("address_string", 200),
        ("first_name", 150),
        ("email", 254),
        ("phone", 20),
    ],
)
def test_values_over_their_length_are_refused_not_cut(client, mall, key, field, limit):
    value = "a" * (limit + 1)
    refused = _post(client, key, **{field: value})
    assert refused.status_code == 400
    assert str(limit) in refused.json()[0]["description"]
    assert not Report.objects.exists()


def test_an_impossible_start_date_is_a_400_in_open311_errors_not_a_500(client, mall):
    for moment in ("2026-02-30T00:00:00Z", "2026-12-01T24:00:00+07:00", "kemarin"):
        response = client.get(
            "/open311/v2/requests.json", {"jurisdiction_id": mall.slug, "start_date": moment}
        )
        assert response.status_code == 400
        assert (
            response.json()[0]["code"] == 400 and "start_date" in response.json()[0]["description"]
        )
