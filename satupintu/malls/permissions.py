"""Who may configure what: a mall manager their mall, agency staff their agency."""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from satupintu.accounts.models import User
from satupintu.malls.models import Agency, StaffMembership


@dataclass(frozen=True)
class StaffScope:
    """The malls a person manages and the agencies they work for."""

    is_superuser: bool
    is_monitor: bool
    managed_mall_ids: frozenset[int]
    agency_ids: frozenset[int]
    agency_roles: frozenset[tuple[int, str]] = field(default=frozenset())

    @property
    def is_staff_anywhere(self) -> bool:
        return (
            self.is_superuser or self.is_monitor or bool(self.managed_mall_ids or self.agency_ids)
        )

    @property
    def works_cases(self) -> bool:
        """Whether this person works applications (at an agency, or as a superuser)."""
        return self.is_superuser or bool(self.agency_ids)

    @property
    def sees_everything(self) -> bool:
        return self.is_superuser or self.is_monitor

    def manages_mall(self, mall_id: int | None) -> bool:
        return self.is_superuser or mall_id in self.managed_mall_ids

    def edits_agency(self, agency: Agency) -> bool:
        """Agency staff edit their agency's catalog; the mall's manager edits all of the mall's."""
        return (
            self.is_superuser
            or agency.pk in self.agency_ids
            or agency.mall_id in self.managed_mall_ids
        )

    def agency_ids_as(self, roles: Iterable[str]) -> frozenset[int]:
        """The agencies where this person holds one of ``roles``."""
        wanted = set(roles)
        return frozenset(agency for agency, role in self.agency_roles if role in wanted)

    def acts_as(self, roles: Iterable[str], *, agency_id: int) -> bool:
        """Whether this person holds one of ``roles`` at agency ``agency_id`` (a superuser
        holds them all)."""
        return self.is_superuser or agency_id in self.agency_ids_as(roles)

    def holds_any(self, roles: Iterable[str], *, agency_rows: bool = True) -> bool:
        """Whether one of ``roles`` is this person's somewhere (the ministry monitor's never
        counts: it changes nothing). ``agency_rows`` says whether agency roles apply at all."""
        wanted = set(roles) - {StaffMembership.Role.MINISTRY_MONITOR}
        if self.is_superuser:
            return True
        if StaffMembership.Role.MALL_MANAGER in wanted and self.managed_mall_ids:
            return True
        return agency_rows and bool(self.agency_ids_as(wanted))

    def may_write(
        self, roles: Iterable[str], *, mall_id: int | None, agency_id: int | None
    ) -> bool:
        """Whether one of ``roles`` lets this person write a row of ``mall_id`` (as the mall's
        manager) or of ``agency_id`` (as that agency's staff)."""
        wanted = set(roles)
        if self.is_superuser:
            return True
        if StaffMembership.Role.MALL_MANAGER in wanted and mall_id in self.managed_mall_ids:
            return True
        return agency_id is not None and agency_id in self.agency_ids_as(wanted)


def staff_roles() -> QuerySet[StaffMembership]:
    """The memberships that make their holder staff (``StaffScope.is_staff_anywhere`` apart
    from the superuser flag): a monitor, a mall manager, any role at an agency; for a check in
    the same query as something else (an API token's)."""
    return StaffMembership.objects.filter(
        Q(role=StaffMembership.Role.MINISTRY_MONITOR)
        | Q(role=StaffMembership.Role.MALL_MANAGER)
        | Q(agency__isnull=False)
    )


def staff_scope(user: User | AnonymousUser) -> StaffScope:
    """The scope of ``user``, computed once per user object (one query)."""
    cached = getattr(user, "_staff_scope", None)
    if cached is not None:
        return cached
    memberships = (
        list(StaffMembership.objects.filter(user=user).values_list("role", "mall_id", "agency_id"))
        if user.is_authenticated
        else []
    )
    scope = StaffScope(
        is_superuser=bool(user.is_active and user.is_superuser),
        is_monitor=any(role == StaffMembership.Role.MINISTRY_MONITOR for role, _, _ in memberships),
        managed_mall_ids=frozenset(
            m for role, m, _ in memberships if role == StaffMembership.Role.MALL_MANAGER
        ),
        agency_ids=frozenset(a for _, _, a in memberships if a is not None),
        agency_roles=frozenset((a, role) for role, _, a in memberships if a is not None),
    )
    vars(user)["_staff_scope"] = scope
    return scope


def roles_at_agency(*, agency_id: int, user_ids: Iterable[int]) -> dict[int, str]:
    """A role of each of ``user_ids`` at agency ``agency_id`` (one of them, for a person
    holding several), for showing who acted on a case."""
    return dict(
        StaffMembership.objects.filter(agency_id=agency_id, user_id__in=set(user_ids)).values_list(
            "user_id", "role"
        )
    )
