import pytest
from django.utils import timezone

from satupintu.catalog.tests.factories import ServiceFactory
from satupintu.malls.selectors import announcement_current, mall_list
from satupintu.malls.tests.factories import AgencyFactory, AnnouncementFactory, MallFactory

pytestmark = pytest.mark.django_db


def test_mall_list_counts_only_active_agencies_and_services():
    mall = MallFactory()
    agency = AgencyFactory(mall=mall)
    ServiceFactory.create_batch(3, agency=agency)
    ServiceFactory(agency=agency, is_active=False)
    closed_agency = AgencyFactory(mall=mall, is_active=False)
    ServiceFactory(agency=closed_agency)
    AgencyFactory(mall=mall)

    row = mall_list().get(pk=mall.pk)

    assert (row.agency_count, row.service_count) == (2, 3)


def test_mall_list_hides_inactive_malls():
    MallFactory(closed=True)
    assert list(mall_list()) == []


def test_current_announcements_are_those_valid_now():
    now = timezone.now()
    mall = MallFactory()
    current = AnnouncementFactory(mall=mall)
    AnnouncementFactory(
        mall=mall,
        valid_from=now - timezone.timedelta(days=3),
        valid_until=now - timezone.timedelta(days=1),
    )
    AnnouncementFactory(
        mall=mall,
        valid_from=now + timezone.timedelta(days=1),
        valid_until=now + timezone.timedelta(days=2),
    )
    AnnouncementFactory()  # another mall's

    assert list(announcement_current(mall=mall)) == [current]
