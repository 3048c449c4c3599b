"""The admin shows an agency its own issued documents and the record of who opened its cases,
never another agency's, and lets nobody write them."""

import pytest
from django.urls import reverse

from satupintu.cases.models import AccessLog
from satupintu.cases.selectors import case_access
from satupintu.cases.tests.factories import ApplicationFactory
from satupintu.catalog.tests.factories import ServiceFactory
from satupintu.malls.services import membership_grant
from satupintu.malls.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _case(service):
    return ApplicationFactory(service=service, submitted=True)


def test_an_agency_sees_who_opened_its_cases_and_no_one_writes_the_record(client):
    ours, theirs = ServiceFactory(form_schema=[]), ServiceFactory(form_schema=[])
    officer, auditor = UserFactory(), UserFactory()
    membership_grant(user=officer, role="front_office", agency=ours.agency)
    membership_grant(user=auditor, role="approver", agency=ours.agency)
    mine, other = _case(ours), _case(theirs)
    case_access(user=officer, application=mine, what="view")
    case_access(user=UserFactory(), application=other, what="view")
    client.force_login(auditor)
    listing = client.get(reverse("admin:cases_accesslog_changelist"))
    assert listing.status_code == 200
    assert mine.tracking_number in listing.text and other.tracking_number not in listing.text
    assert client.get(reverse("admin:cases_accesslog_add")).status_code == 403
    row = AccessLog.objects.get(application=mine)
    delete = client.post(reverse("admin:cases_accesslog_delete", args=[row.pk]), {"post": "yes"})
    assert delete.status_code == 403 and AccessLog.objects.filter(pk=row.pk).exists()
