"""Reads about malls: lists with their figures, a mall's page, current announcements."""

from datetime import datetime

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from satupintu.accounts.models import User
from satupintu.malls.models import Agency, Announcement, Mall, OpeningHours, StaffMembership


def mall_list() -> QuerySet[Mall]:
    """Active malls with the number of active agencies and services in each."""
    return (
        Mall.objects.filter(is_active=True)
        .annotate(
            agency_count=Count("agencies", filter=Q(agencies__is_active=True), distinct=True),
            service_count=Count(
                "agencies__services",
                filter=Q(agencies__is_active=True, agencies__services__is_active=True),
                distinct=True,
            ),
        )
        .order_by("name")
    )


def mall_get(*, slug: str) -> Mall:
    """An active mall with its opening hours (raises Mall.DoesNotExist)."""
    return (
        mall_list()
        .prefetch_related(
            Prefetch("opening_hours", queryset=OpeningHours.objects.order_by("weekday"))
        )
        .get(slug=slug)
    )


def announcement_current(
    *, mall: Mall | None = None, at: datetime | None = None
) -> QuerySet[Announcement]:
    """Announcements valid at ``at`` (now by default), newest first, optionally of one mall."""
    at = at or timezone.now()
    qs = Announcement.objects.filter(
        valid_from__lte=at, valid_until__gt=at, mall__is_active=True
    ).select_related("mall", "agency")
    if mall is not None:
        qs = qs.filter(mall=mall)
    return qs.order_by("-valid_from", "-pk")


def staff_users(*, agency: Agency | None = None, managers_of: Mall | None = None) -> list[User]:
    """The people working for ``agency``, or managing ``managers_of``."""
    memberships = StaffMembership.objects.select_related("user").filter(user__is_active=True)
    if agency is not None:
        memberships = memberships.filter(agency=agency)
    if managers_of is not None:
        memberships = memberships.filter(mall=managers_of, role=StaffMembership.Role.MALL_MANAGER)
    return list({m.user_id: m.user for m in memberships}.values())
