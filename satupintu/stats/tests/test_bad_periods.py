"""Every statistics and IKM page, export and API answers an impossible period (month 13,
month 0, year 0, a start after the end, a NUL, a number too big for a date) with a clear
message and a 4xx, never a server error; a mall or agency the person may not see is 404."""

import pytest
from django.urls import reverse

from satupintu.malls.models import StaffMembership
from satupintu.malls.tests.factories import AgencyFactory, MallFactory, staff_member

pytestmark = pytest.mark.django_db
Role = StaffMembership.Role

RANGES = [
    ("2026-13-01", "2026-12-31"),
    ("2026-00-10", "2026-01-31"),
    ("0000-01-01", "2026-01-31"),
    ("0-01-01", "2026-01-31"),
    ("2026-06-30", "2026-01-01"),
    ("2026-02-30", "2026-03-31"),
    ("2026-01-01\x00", "2026-01-31"),
    ("99999999999999999999-01-01", "2026-01-31"),
    ("-2026-01-01", "2026-01-31"),
]
MONTHS = ["2026-13", "2026-00", "0000-01", "0-1", "2026-1-1", "99999999999999999999-01", "\x00"]
RANGE_PAGES = [
    "backoffice:stats",
    "backoffice:stats-csv",
    "backoffice:stats-xlsx",
    "backoffice:ikm",
    "backoffice:ikm-pdf",
    "backoffice:ikm-xlsx",
]
MONTH_PAGES = ["backoffice:national", "backoffice:national-csv", "backoffice:national-xlsx"]


@pytest.fixture
def mall():
    return MallFactory()


@pytest.mark.parametrize("name", RANGE_PAGES)
@pytest.mark.parametrize(("start", "end"), RANGES)
def test_an_impossible_range_is_a_message_on_every_mall_page(client, mall, name, start, end):
    client.force_login(staff_member(Role.MALL_MANAGER, mall=mall))
    response = client.get(reverse(name, args=[mall.slug]), {"dari": start, "sampai": end})
    assert response.status_code == 400, (name, start, end)
    text = response.content.decode()
    assert "Traceback" not in text and len(text.strip()) > 10


@pytest.mark.parametrize("month", MONTHS)
def test_an_impossible_month_is_a_message_on_the_monthly_report(client, mall, month):
    client.force_login(staff_member(Role.MALL_MANAGER, mall=mall))
    response = client.get(reverse("backoffice:stats-pdf", args=[mall.slug]), {"bulan": month})
    assert response.status_code == 400, month
    assert response.content.decode().strip()


@pytest.mark.parametrize("name", MONTH_PAGES)
@pytest.mark.parametrize("month", MONTHS)
def test_an_impossible_month_is_a_message_on_the_national_view(client, name, month):
    client.force_login(staff_member(Role.MINISTRY_MONITOR))
    response = client.get(reverse(name), {"bulan": month})
    assert response.status_code == 400, (name, month)
    assert response.content.decode().strip()


@pytest.mark.parametrize(
    "path",
    [
        "2026/13/",
        "2026/0/",
        "0/1/",
        "0/13/csv/",
        "99999999999999999999/1/",
        "2026/99999999999999999999/csv/",
        "2999/1/",
    ],
)
def test_an_impossible_month_in_the_open_data_is_400_in_the_error_shape(client, mall, path):
    response = client.get(f"/api/v1/stats/{mall.slug}/{path}")
    assert response.status_code == 400, path
    assert response.json()["error"]["code"] == "period"
    assert response.json()["error"]["message"]


@pytest.mark.parametrize("name", [*RANGE_PAGES, "backoffice:stats-pdf", "backoffice:ikm-paper"])
def test_another_mall_or_agency_is_not_found(client, mall, name):
    other = MallFactory()
    foreign_agency = AgencyFactory(mall=other)
    client.force_login(staff_member(Role.MALL_MANAGER, mall=mall))
    assert client.get(reverse(name, args=[other.slug])).status_code == 404
    if name != "backoffice:ikm-paper":
        asked = client.get(reverse(name, args=[mall.slug]), {"instansi": foreign_agency.pk})
        assert asked.status_code == 404
    own = AgencyFactory(mall=mall)
    sibling = AgencyFactory(mall=mall)
    client.force_login(staff_member(Role.VERIFIER, agency=own))
    if name != "backoffice:ikm-paper":
        sibling_page = client.get(reverse(name, args=[mall.slug]), {"instansi": sibling.pk})
        assert sibling_page.status_code == 404
