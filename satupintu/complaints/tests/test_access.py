"""Who may see or act on a report: one table of role × action × own/other agency."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from satupintu.complaints import services
from satupintu.complaints.access import Action, access_report
from satupintu.complaints.models import Report
from satupintu.malls.services import membership_grant
from satupintu.malls.tests.factories import AgencyFactory, MallFactory, UserFactory

pytestmark = pytest.mark.django_db

OK, FORBIDDEN, NOT_FOUND = "ok", 403, 404
ACTIONS = (Action.VIEW, Action.ROUTE, Action.REJECT, Action.ANSWER_ON_BEHALF, Action.ANSWER)


@pytest.fixture
def routed():
    """A report the mall's coordinator routed to an agency."""
    agency = AgencyFactory()
    filed = services.report_file(
        mall=agency.mall,
        kind=Report.Kind.COMPLAINT,
        category=Report.Category.SERVICE,
        title="Antrean",
        text="Antrean terlalu lama.",
        name="Budi Santoso",
        email="budi@example.id",
        phone="+6281234567890",
    )
    coordinator = UserFactory()
    membership_grant(user=coordinator, role="mall_manager", mall=agency.mall)
    return services.report_route(
        report=filed.report, agency=agency, deadline_class=5, by=coordinator
    )


def _person(who: str, report: Report):
    if who == "superuser":
        return UserFactory(is_superuser=True)
    person = UserFactory()
    if who == "coordinator":
        membership_grant(user=person, role="mall_manager", mall=report.mall)
    elif who == "other coordinator":
        membership_grant(user=person, role="mall_manager", mall=MallFactory())
    elif who == "ministry_monitor":
        membership_grant(user=person, role=who)
    elif who == "agency staff":
        membership_grant(user=person, role="verifier", agency=report.agency)
    elif who == "other agency staff":
        membership_grant(user=person, role="verifier", agency=AgencyFactory(mall=report.mall))
    return person  # "citizen"


def _outcome(user, tracking_id: str, action: Action):
    try:
        access_report(user, tracking_id, action=action)
    except Http404:
        return NOT_FOUND
    except PermissionDenied:
        return FORBIDDEN
    return OK


TABLE = [
    # who, (view, route, reject, answer on behalf, answer)
    ("coordinator", (OK, OK, OK, OK, FORBIDDEN)),
    ("other coordinator", (NOT_FOUND,) * 5),
    ("agency staff", (OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK)),
    ("other agency staff", (NOT_FOUND,) * 5),
    ("ministry_monitor", (OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN)),
    ("superuser", (OK, OK, OK, OK, OK)),
    ("citizen", (NOT_FOUND,) * 5),
]


@pytest.mark.parametrize(("who", "expected"), TABLE, ids=[row[0] for row in TABLE])
def test_who_may_see_and_act_on_a_report(routed, who, expected):
    user = _person(who, routed)
    assert tuple(_outcome(user, routed.tracking_id, action) for action in ACTIONS) == expected


@pytest.mark.parametrize("who", ["coordinator", "agency staff", "superuser"])
def test_a_missing_report_is_not_found_like_one_not_yours(routed, who):
    user = _person(who, routed)
    for action in ACTIONS:
        assert _outcome(user, "LPR-NOPE-0", action) == NOT_FOUND


def test_a_report_not_yet_routed_is_not_the_agencys_to_see(routed):
    Report.objects.filter(pk=routed.pk).update(status=Report.Status.SUBMITTED)
    staff = _person("agency staff", routed)
    assert _outcome(staff, routed.tracking_id, Action.VIEW) == NOT_FOUND
    assert _outcome(_person("coordinator", routed), routed.tracking_id, Action.ROUTE) == OK
