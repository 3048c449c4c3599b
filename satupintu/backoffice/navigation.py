"""The staff header and where staff land after signing in: the pages each person works in,
by their roles (asked of ``malls.permissions`` only)."""

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from satupintu.accounts.models import User
from satupintu.malls.models import Counter, Mall, StaffMembership
from satupintu.malls.permissions import StaffScope, staff_scope


@dataclass(frozen=True)
class StaffLink:
    label: str
    url: str


def _desk_malls(scope: StaffScope) -> list[Mall]:
    """The malls whose front desk this person works: as its manager or a front office there."""
    front_offices = scope.agency_ids_as([StaffMembership.Role.FRONT_OFFICE])
    if not (scope.managed_mall_ids or front_offices):
        return []
    return list(
        Mall.objects.filter(
            Q(pk__in=scope.managed_mall_ids) | Q(agencies__pk__in=front_offices), is_active=True
        )
        .distinct()
        .order_by("name")
    )


def _counters(scope: StaffScope) -> list[Counter]:
    front_offices = scope.agency_ids_as([StaffMembership.Role.FRONT_OFFICE])
    if not front_offices:
        return []
    return list(
        Counter.objects.filter(agency_id__in=front_offices, is_active=True)
        .select_related("agency")
        .order_by("agency__name", "label")
    )


def staff_links(user: User | AnonymousUser) -> list[StaffLink]:
    """The staff pages of ``user``, their main work first; none for a citizen.

    A front office works at a counter (or the front desk when its agency has none), the
    officers who verify, survey or approve work the case queue, a mall's manager its front desk.
    """
    scope = staff_scope(user)
    if not scope.is_staff_anywhere:
        return []
    counters = _counters(scope)
    desks = _desk_malls(scope)
    several = len(desks) > 1
    counter_links = [
        StaffLink(
            _("Counter %(label)s") % {"label": c.label}, reverse("backoffice:counter", args=[c.pk])
        )
        for c in counters
    ]
    desk_links = [
        StaffLink(
            _("Front desk · %(mall)s") % {"mall": m.name} if several else _("Front desk"),
            reverse("backoffice:front-desk", args=[m.slug]),
        )
        for m in desks
    ]
    queue_links = (
        [StaffLink(_("Work queue"), reverse("backoffice:cases"))] if scope.works_cases else []
    )
    report_links = [
        StaffLink(
            _("Complaints · %(mall)s") % {"mall": m.name} if several else _("Complaints"),
            reverse("backoffice:reports", args=[m.slug]),
        )
        for m in desks
    ]
    front_office = bool(scope.agency_ids_as([StaffMembership.Role.FRONT_OFFICE]))
    case_roles = (
        StaffMembership.Role.VERIFIER,
        StaffMembership.Role.TECHNICAL_TEAM,
        StaffMembership.Role.APPROVER,
    )
    if scope.agency_ids_as(case_roles) or (scope.is_superuser and not front_office):
        ordered = queue_links + counter_links + desk_links
    elif front_office:
        ordered = counter_links + desk_links + queue_links
    else:
        ordered = desk_links + queue_links
    return ordered + report_links + _survey_links(scope, desks) + _national_links(scope)


def _survey_links(scope: StaffScope, desks: list[Mall]) -> list[StaffLink]:
    """The IKM results and the statistics of each mall where this person manages or works at
    an agency, and the paper questionnaires of the malls whose front desk they work."""
    if not (scope.managed_mall_ids or scope.agency_ids):
        return []
    malls = list(
        Mall.objects.filter(
            Q(pk__in=scope.managed_mall_ids) | Q(agencies__pk__in=scope.agency_ids),
            is_active=True,
        )
        .distinct()
        .order_by("name")
    )
    several = len(malls) > 1
    links = [
        StaffLink(
            _("IKM · %(mall)s") % {"mall": m.name} if several else _("IKM"),
            reverse("backoffice:ikm", args=[m.slug]),
        )
        for m in malls
    ] + [
        StaffLink(
            _("Statistics · %(mall)s") % {"mall": m.name} if several else _("Statistics"),
            reverse("backoffice:stats", args=[m.slug]),
        )
        for m in malls
    ]
    return links + [
        StaffLink(
            _("Paper IKM forms · %(mall)s") % {"mall": m.name} if several else _("Paper IKM forms"),
            reverse("backoffice:ikm-paper", args=[m.slug]),
        )
        for m in desks
    ]


def _national_links(scope: StaffScope) -> list[StaffLink]:
    """The national view of every mall: the ministry monitor's (and the superuser's)."""
    if not scope.sees_everything:
        return []
    return [StaffLink(_("National view"), reverse("backoffice:national"))]


def landing(user: User | AnonymousUser) -> str:
    """Where ``user`` lands after signing in: their main work, or a citizen's inbox."""
    links = staff_links(user)
    return links[0].url if links else reverse("portal:inbox")


def header(request: HttpRequest) -> dict[str, list[StaffLink]]:
    """Context processor: the staff header's links."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"staff_links": staff_links(user)}
