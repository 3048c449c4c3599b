"""The work queue's due dates are read on each mall's own clock (WIB, WITA, WIT)."""

from datetime import UTC, date, datetime
from unittest import mock

import pytest

from satupintu.cases.models import Application
from satupintu.cases.selectors import work_queue
from satupintu.cases.tests.factories import ApplicationFactory
from satupintu.catalog.tests.factories import ServiceFactory
from satupintu.malls.models import Mall
from satupintu.malls.tests.factories import AgencyFactory, MallFactory, staff_member

pytestmark = pytest.mark.django_db


def test_overdue_is_judged_on_the_malls_date():
    jayapura = MallFactory(name="MPP Kota Jayapura", time_zone=Mall.TimeZone.WIT)
    agency = AgencyFactory(mall=jayapura)
    service = ServiceFactory(agency=agency, form_schema=[])
    officer = staff_member("front_office", agency=agency)
    case = ApplicationFactory(service=service, submitted=True)
    Application.objects.filter(pk=case.pk).update(due_date=date(2026, 12, 1))
    # 23:00 WIB on 1 December is already 01:00 on 2 December in Jayapura: the case is overdue.
    late_evening = datetime(2026, 12, 1, 16, 0, tzinfo=UTC)
    with mock.patch("django.utils.timezone.now", return_value=late_evening):
        assert list(work_queue(officer, due="overdue")) == [case]
        assert list(work_queue(officer, due="soon")) == []
