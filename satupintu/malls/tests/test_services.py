import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone

from satupintu.malls.models import Announcement, StaffMembership
from satupintu.malls.services import announcement_publish, membership_grant
from satupintu.malls.tests.factories import AgencyFactory, MallFactory, UserFactory

pytestmark = pytest.mark.django_db


def _window():
    now = timezone.now()
    return {"valid_from": now, "valid_until": now + timezone.timedelta(days=7)}


def test_agency_announcement_is_published_for_its_mall():
    agency = AgencyFactory()
    announcement = announcement_publish(
        mall=agency.mall,
        agency=agency,
        title="Layanan KTP daring",
        body="Unggah berkas.",
        kind=Announcement.Kind.NEW_ONLINE_SERVICE,
        **_window(),
    )
    assert announcement.agency == agency


def test_announcement_of_another_malls_agency_is_refused_and_not_saved():
    other_agency = AgencyFactory()
    with pytest.raises(ValidationError) as error:
        announcement_publish(
            mall=MallFactory(), agency=other_agency, title="x", body="y", **_window()
        )
    assert "agency" in error.value.message_dict
    assert not Announcement.objects.exists()


def test_announcement_ending_before_it_starts_is_refused():
    now = timezone.now()
    with pytest.raises(ValidationError):
        announcement_publish(
            mall=MallFactory(),
            title="x",
            body="y",
            valid_from=now,
            valid_until=now - timezone.timedelta(hours=1),
        )
    assert not Announcement.objects.exists()


def test_membership_grant_makes_the_person_staff():
    user = UserFactory()
    membership_grant(user=user, role=StaffMembership.Role.MALL_MANAGER, mall=MallFactory())
    user.refresh_from_db()
    assert user.is_staff


def test_database_refuses_an_agency_role_without_an_agency():
    with pytest.raises(IntegrityError):
        StaffMembership.objects.create(
            user=UserFactory(), role=StaffMembership.Role.VERIFIER, mall=MallFactory()
        )
