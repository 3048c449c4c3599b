"""Who may see or act on an application: one table of role × action × own/other agency."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from satupintu.cases.access import Action, access_application
from satupintu.cases.models import Application
from satupintu.cases.services.drafts import application_draft
from satupintu.catalog.tests.factories import ServiceFactory
from satupintu.malls.services import membership_grant
from satupintu.malls.tests.factories import AgencyFactory, UserFactory

pytestmark = pytest.mark.django_db

AGENCY_ROLES = ("front_office", "verifier", "technical_team", "approver")
OK_AS_APPLICANT, OK_AS_STAFF, FORBIDDEN, NOT_FOUND = "applicant", "staff", 403, 404


@pytest.fixture
def case():
    """A submitted application (submitted_at set without the workflow, which is not tested here)."""
    service = ServiceFactory(form_schema=[])
    application = application_draft(applicant=UserFactory(), service=service, form_data={})
    Application.objects.filter(pk=application.pk).update(
        submitted_at=application.created_at, status=Application.Status.IN_PROGRESS
    )
    return Application.objects.get(pk=application.pk)


def _person(who: str, case: Application):
    agency = case.service.agency
    if who == "applicant":
        return case.applicant
    if who == "superuser":
        return UserFactory(is_superuser=True)
    person = UserFactory()
    if who == "mall_manager":
        membership_grant(user=person, role=who, mall=agency.mall)
    elif who == "ministry_monitor":
        membership_grant(user=person, role=who)
    elif who.startswith("other "):
        membership_grant(user=person, role=who[6:], agency=AgencyFactory(mall=agency.mall))
    elif who in AGENCY_ROLES:
        membership_grant(user=person, role=who, agency=agency)
    return person  # "citizen": somebody else


def _outcome(user, application_id: int, action: Action):
    try:
        access = access_application(user, application_id, action=action)
    except Http404:
        return NOT_FOUND
    except PermissionDenied:
        return FORBIDDEN
    return OK_AS_STAFF if access.staff else OK_AS_APPLICANT


TABLE = [
    # who, (view, apply, work)
    ("applicant", (OK_AS_APPLICANT, OK_AS_APPLICANT, FORBIDDEN)),
    ("citizen", (NOT_FOUND, NOT_FOUND, NOT_FOUND)),
    *[(role, (OK_AS_STAFF, FORBIDDEN, OK_AS_STAFF)) for role in AGENCY_ROLES],
    *[(f"other {role}", (NOT_FOUND, NOT_FOUND, NOT_FOUND)) for role in AGENCY_ROLES],
    ("mall_manager", (NOT_FOUND, NOT_FOUND, NOT_FOUND)),
    ("ministry_monitor", (NOT_FOUND, NOT_FOUND, NOT_FOUND)),
    ("superuser", (OK_AS_STAFF, FORBIDDEN, OK_AS_STAFF)),
]


@pytest.mark.parametrize(("who", "expected"), TABLE, ids=[row[0] for row in TABLE])
def test_who_may_see_and_act_on_an_application(case, who, expected):
    user = _person(who, case)
    actions = (Action.VIEW, Action.APPLY, Action.WORK)
    assert tuple(_outcome(user, case.pk, action) for action in actions) == expected


@pytest.mark.parametrize("who", ["applicant", "verifier", "superuser"])
def test_a_missing_application_is_not_found_like_one_not_yours(case, who):
    user = _person(who, case)
    for action in Action:
        assert _outcome(user, case.pk + 1000, action) == NOT_FOUND


@pytest.mark.parametrize(
    ("who", "action"), [("applicant", Action.WORK), ("verifier", Action.APPLY)]
)
def test_a_page_of_the_other_side_finds_nothing(case, who, action):
    """The back office shows an applicant nothing, the portal an officer nothing."""
    user = _person(who, case)
    assert _outcome(user, case.pk, action) == FORBIDDEN
    with pytest.raises(Http404):
        access_application(user, case.pk, action=action, one_side=True)


def test_an_unsubmitted_draft_is_the_applicants_own_business(case):
    Application.objects.filter(pk=case.pk).update(
        submitted_at=None, status=Application.Status.DRAFT
    )
    verifier = _person("verifier", case)
    assert _outcome(verifier, case.pk, Action.VIEW) == NOT_FOUND
    assert _outcome(case.applicant, case.pk, Action.APPLY) == OK_AS_APPLICANT


def test_a_draft_an_officer_filed_is_the_agency_s_work(case):
    officer = _person("front_office", case)
    Application.objects.filter(pk=case.pk).update(
        submitted_at=None, status=Application.Status.DRAFT, filed_by=officer
    )
    assert _outcome(_person("verifier", case), case.pk, Action.WORK) == OK_AS_STAFF


def test_an_officer_who_applied_is_the_applicant_but_works_it_as_staff(case):
    membership_grant(user=case.applicant, role="verifier", agency=case.service.agency)
    assert _outcome(case.applicant, case.pk, Action.APPLY) == OK_AS_APPLICANT
    assert _outcome(case.applicant, case.pk, Action.WORK) == OK_AS_STAFF
