import pytest
from django.urls import reverse
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


def test_an_announcements_text_is_shown_as_written_never_evaluated(client):
    """Announcements are not templated: a staff member's {{ }} or {% %} is printed as text,
    escaped, on the mall's page and in the API."""
    tricks = "{{ mall.memberships.all }} {% debug %} <script>x</script>"
    announcement = AnnouncementFactory(body=tricks)
    page = client.get(reverse("portal:mall", args=[announcement.mall.slug]))
    assert "{{ mall.memberships.all }} {% debug %} &lt;script&gt;" in page.text
    api = client.get(reverse("api:announcement-list"), {"mall": announcement.mall.slug})
    assert tricks in api.text.replace("\\u003c", "<").replace("\\u003e", ">")
