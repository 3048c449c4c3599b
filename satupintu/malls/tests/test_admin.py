"""The configuration admin is scoped: a manager to their mall, agency staff to their agency."""

import pytest
from django.urls import reverse

from satupintu.catalog.models import Service
from satupintu.catalog.tests.factories import ServiceFactory
from satupintu.malls.models import Announcement, StaffMembership
from satupintu.malls.tests.factories import (
    AgencyFactory,
    AnnouncementFactory,
    MallFactory,
    MembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
Role = StaffMembership.Role


@pytest.fixture
def two_malls():
    mine, theirs = MallFactory(name="MPP Milik Saya"), MallFactory(name="MPP Lain")
    return mine, theirs


def _login(client, membership):
    client.force_login(membership.user)
    return client


def test_mall_manager_lists_and_edits_only_their_mall(client, two_malls):
    mine, theirs = two_malls
    _login(client, MembershipFactory(role=Role.MALL_MANAGER, mall=mine, agency=None))

    listing = client.get(reverse("admin:malls_mall_changelist"))
    assert "MPP Milik Saya" in listing.text and "MPP Lain" not in listing.text
    assert client.get(reverse("admin:malls_mall_change", args=[mine.pk])).status_code == 200
    other = client.get(reverse("admin:malls_mall_change", args=[theirs.pk]))
    assert other.status_code == 302  # admin redirects a row it does not show


def test_mall_manager_cannot_retarget_an_announcement_to_another_mall(client, two_malls):
    mine, theirs = two_malls
    _login(client, MembershipFactory(role=Role.MALL_MANAGER, mall=mine, agency=None))
    announcement = AnnouncementFactory(mall=mine)
    url = reverse("admin:malls_announcement_change", args=[announcement.pk])

    response = client.post(
        url,
        {
            "mall": theirs.pk,
            "kind": "general",
            "title": "Pindah",
            "body": "x",
            "valid_from_0": "2026-01-01",
            "valid_from_1": "08:00",
            "valid_until_0": "2026-12-31",
            "valid_until_1": "08:00",
        },
    )

    assert response.status_code == 200  # the form comes back with an error
    announcement.refresh_from_db()
    assert announcement.mall == mine


def test_an_agency_head_announces_for_their_agency_not_the_whole_mall(client):
    agency = AgencyFactory()
    _login(client, MembershipFactory(role=Role.APPROVER, agency=agency))
    data = {
        "mall": agency.mall.pk,
        "kind": "general",
        "title": "Layanan KTP daring",
        "body": "x",
        "valid_from_0": "2026-01-01",
        "valid_from_1": "08:00",
        "valid_until_0": "2026-12-31",
        "valid_until_1": "08:00",
    }
    url = reverse("admin:malls_announcement_add")

    refused = client.post(url, data)
    assert refused.status_code == 200 and not Announcement.objects.exists()

    accepted = client.post(url, {**data, "agency": agency.pk})
    assert accepted.status_code == 302
    assert Announcement.objects.get().agency == agency


def test_agency_staff_see_and_edit_only_their_agency_services(client):
    own, other = AgencyFactory(), AgencyFactory()
    own_service = ServiceFactory(agency=own, name="Akta Kelahiran")
    other_service = ServiceFactory(agency=other, name="Penerbitan SKCK")
    _login(client, MembershipFactory(role=Role.VERIFIER, agency=own))

    listing = client.get(reverse("admin:catalog_service_changelist"))
    assert "Akta Kelahiran" in listing.text and "Penerbitan SKCK" not in listing.text
    assert (
        client.get(reverse("admin:catalog_service_change", args=[own_service.pk])).status_code
        == 200
    )
    response = client.post(
        reverse("admin:catalog_service_change", args=[other_service.pk]), {"name": "Diubah"}
    )
    assert response.status_code in (302, 403)
    other_service.refresh_from_db()
    assert other_service.name == "Penerbitan SKCK"


def test_agency_staff_cannot_change_their_agency_record(client):
    agency = AgencyFactory()
    _login(client, MembershipFactory(role=Role.APPROVER, agency=agency))
    page = client.get(reverse("admin:malls_agency_change", args=[agency.pk]))
    assert page.status_code == 200
    assert 'name="_save"' not in page.text  # view only


def test_editing_a_service_in_the_admin_refreshes_its_search_text(client):
    agency = AgencyFactory()
    service = ServiceFactory(agency=agency, name="Layanan Lama")
    _login(client, MembershipFactory(role=Role.MALL_MANAGER, mall=agency.mall, agency=None))
    data = {
        "agency": agency.pk,
        "name": "Surat Keterangan Catatan Kepolisian",
        "slug": service.slug,
        "channel": "both",
        "duration_working_days": 1,
        "fee_rupiah": 30000,
        "product": "SKCK",
        "complaint_handling": "LAPOR!",
        "form_schema": "[]",
        "is_active": "on",
    }
    for prefix in ("requirements", "steps", "forms"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})

    response = client.post(reverse("admin:catalog_service_change", args=[service.pk]), data)

    assert response.status_code == 302, response.text[:2000]
    assert "skck" in Service.objects.get(pk=service.pk).search_text.split()


def test_ministry_monitor_views_everything_but_changes_nothing(client, two_malls):
    _login(client, MembershipFactory(role=Role.MINISTRY_MONITOR, agency=None, mall=None))
    listing = client.get(reverse("admin:malls_mall_changelist"))
    assert "MPP Milik Saya" in listing.text and "MPP Lain" in listing.text
    page = client.get(reverse("admin:malls_mall_change", args=[two_malls[0].pk]))
    assert 'name="_save"' not in page.text


def test_citizens_cannot_enter_the_admin(client):
    client.force_login(UserFactory())
    assert client.get(reverse("admin:index")).status_code == 302
