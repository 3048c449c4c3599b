"""API v1 for malls: malls with their hours and contacts, their agencies and announcements."""

import pytest

from satupintu.malls.tests.factories import AgencyFactory, AnnouncementFactory

pytestmark = pytest.mark.django_db


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


def test_current_announcements_of_a_mall(client, bogor):
    AnnouncementFactory(mall=bogor, title="Jam layanan dibatasi")
    AnnouncementFactory(title="Pengumuman MPP lain")
    body = client.get("/api/v1/announcements/", {"mall": "kota-bogor"}).json()
    assert [a["title"] for a in body["results"]] == ["Jam layanan dibatasi"]
