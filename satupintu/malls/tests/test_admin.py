"""The configuration admin is scoped: a manager to their mall, agency staff to their agency."""

import pytest
from django.contrib import admin
from django.urls import reverse

from satupintu.booking.models import AgencyHours, Closure, DayOff, ServiceVisit
from satupintu.cases.models import WorkflowStep
from satupintu.catalog.models import Service
from satupintu.catalog.tests.factories import ServiceFactory
from satupintu.malls.admin import ScopedAdmin, scope_paths
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
            "title_id": "Pindah",
            "body_id": "x",
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
        "title_id": "Layanan KTP daring",
        "body_id": "x",
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


def test_a_front_office_records_no_closure_and_no_day_off(client):
    agency = AgencyFactory()
    _login(client, MembershipFactory(role=Role.FRONT_OFFICE, agency=agency))
    closure = client.post(
        reverse("admin:booking_closure_add"),
        {
            "mall": agency.mall.pk,
            "kind": "closed",
            "decree_number": "SK-1",
            "reason": "x",
            "starts_on": "2031-01-05",
            "ends_on": "2031-01-06",
        },
    )
    day_off = client.post(
        reverse("admin:booking_dayoff_add"),
        {"mall": agency.mall.pk, "date": "2031-01-05", "reason": "x"},
    )
    assert closure.status_code == 403 and day_off.status_code == 403
    assert not Closure.objects.exists() and not DayOff.objects.exists()


def test_an_agency_head_cannot_add_rows_for_another_agencys_service(client):
    own = AgencyFactory()
    neighbour = AgencyFactory(mall=own.mall)
    theirs = ServiceFactory(agency=neighbour)
    _login(client, MembershipFactory(role=Role.APPROVER, agency=own))
    visit = client.post(
        reverse("admin:booking_servicevisit_add"),
        {"service": theirs.pk, "slot_minutes": 30, "minutes_per_visitor": 10},
    )
    hours = client.post(
        reverse("admin:booking_agencyhours_add"),
        {"agency": neighbour.pk, "weekday": 0, "opens": "08:00", "closes": "12:00"},
    )
    assert visit.status_code == 200 and hours.status_code == 200  # the form, with its error
    assert not ServiceVisit.objects.filter(service=theirs).exists()
    assert not AgencyHours.objects.exists()


def test_a_manager_cannot_configure_another_malls_service(client, two_malls):
    mine, theirs = two_malls
    service = ServiceFactory(agency=AgencyFactory(mall=theirs))
    _login(client, MembershipFactory(role=Role.MALL_MANAGER, mall=mine, agency=None))
    response = client.post(
        reverse("admin:cases_workflowstep_add"),
        {"service": service.pk, "order": 1, "step": "penetapan", "role": "approver"},
    )
    assert response.status_code == 200
    assert not WorkflowStep.objects.filter(service=service).exists()


@pytest.mark.parametrize("role", [Role.MALL_MANAGER, Role.APPROVER])
def test_every_choice_of_every_admin_form_is_in_the_users_scope(rf, two_malls, role):
    """Every foreign key and many-to-many field of every scoped admin and inline offers only
    rows of the user's mall (and, for agency staff, agency)."""
    mine, theirs = two_malls
    own = AgencyFactory(mall=mine)
    for agency in (own, AgencyFactory(mall=mine), AgencyFactory(mall=theirs)):
        ServiceFactory(agency=agency)
    if role == Role.MALL_MANAGER:
        membership = MembershipFactory(role=role, mall=mine, agency=None)
    else:
        membership = MembershipFactory(role=role, agency=own)
    request = rf.get("/")
    request.user = membership.user
    checked = 0
    for model_admin in admin.site._registry.values():
        if not isinstance(model_admin, ScopedAdmin):
            continue
        forms = [model_admin.get_form(request, None)]
        forms += [
            inline.get_formset(request, None).form
            for inline in model_admin.get_inline_instances(request, None)
        ]
        for form in forms:
            for name, formfield in form.base_fields.items():
                queryset = getattr(formfield, "queryset", None)
                if queryset is None:
                    continue
                mall_path, agency_path = scope_paths(queryset.model)
                assert mall_path is not None, (model_admin, name)
                outside = queryset.exclude(
                    **{f"{mall_path}__in" if mall_path else "pk__in": [mine.pk]}
                )
                assert not outside.exists(), (model_admin, name)
                if role == Role.APPROVER and agency_path is not None:
                    lookup = f"{agency_path}__in" if agency_path else "pk__in"
                    assert not queryset.exclude(**{lookup: [own.pk]}).exists(), (
                        model_admin,
                        name,
                    )
                checked += 1
    assert checked >= 10


def test_the_superuser_records_a_signatorys_position_and_nip(client):
    agency = AgencyFactory()
    membership = MembershipFactory(role=Role.APPROVER, agency=agency, mall=None)
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    url = reverse("admin:malls_staffmembership_change", args=[membership.pk])
    form = {
        "user": membership.user_id,
        "role": Role.APPROVER,
        "agency": agency.pk,
        "position": "Kepala Dinas",
        "nip": "1978051220050110",  # 16 digits: refused
    }
    refused = client.post(url, form)
    assert refused.status_code == 200 and "18 digit" in refused.text
    client.post(url, {**form, "nip": "197805122005011003"})
    membership.refresh_from_db()
    assert (membership.position, membership.nip) == ("Kepala Dinas", "197805122005011003")


def test_a_manager_sees_the_agencys_document_number_format(client, two_malls):
    mine, _theirs = two_malls
    agency = AgencyFactory(mall=mine)
    _login(client, MembershipFactory(role=Role.MALL_MANAGER, mall=mine, agency=None))
    page = client.get(reverse("admin:malls_agency_change", args=[agency.pk]))
    assert 'name="document_number_format"' in page.text and "{roman_month}" in page.text


def test_an_announcement_worded_from_a_closure_is_not_rewritten_in_the_admin(client):
    from datetime import timedelta

    from django.utils import timezone

    from satupintu.malls.services import announcement_publish

    mall = MallFactory()
    _login(client, MembershipFactory(role=Role.MALL_MANAGER, mall=mall, agency=None))
    now = timezone.now()
    ruled = announcement_publish(
        mall=mall,
        kind=Announcement.Kind.CLOSURE,
        title="MPP tutup",
        body="x",
        rule={"who": mall.name, "first": "2026-12-01", "last": "2026-12-02"},
        valid_from=now,
        valid_until=now + timedelta(days=2),
    )
    url = reverse("admin:malls_announcement_change", args=[ruled.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'name="title_id"' not in page.text
    client.post(
        url,
        {
            "mall": mall.pk,
            "title_id": "Diubah",
            "body_id": "y",
            "valid_from_0": "2026-01-01",
            "valid_from_1": "08:00",
            "valid_until_0": "2026-12-31",
            "valid_until_1": "08:00",
        },
    )
    ruled.refresh_from_db()
    assert ruled.title_id == "MPP tutup"
