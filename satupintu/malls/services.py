"""Writes about malls: announcements and staff memberships."""

from datetime import datetime

from django.db import transaction

from satupintu.accounts.models import User
from satupintu.malls.models import Agency, Announcement, Mall, StaffMembership


@transaction.atomic
def announcement_publish(
    *,
    mall: Mall,
    title: str,
    body: str,
    valid_from: datetime,
    valid_until: datetime,
    kind: str = Announcement.Kind.GENERAL,
    agency: Agency | None = None,
    title_en: str = "",
    body_en: str = "",
    rule: dict[str, str] | None = None,
) -> Announcement:
    """Publish an announcement of a mall, or of one of its agencies, for a validity period.

    ``title`` and ``body`` are the Indonesian text; ``rule`` the terms of the closure or
    restriction that publishes it, from which it is worded in each reader's language.
    """
    announcement = Announcement(
        mall=mall,
        agency=agency,
        kind=kind,
        title_id=title,
        body_id=body,
        title_en=title_en,
        body_en=body_en,
        rule=rule or {},
        valid_from=valid_from,
        valid_until=valid_until,
    )
    announcement.full_clean()
    announcement.save()
    return announcement


def announcement_end(*, announcement_id: int, at: datetime) -> None:
    """End an announcement's validity at ``at`` (a closure reopened early)."""
    Announcement.objects.filter(pk=announcement_id).update(valid_until=at)


@transaction.atomic
def membership_grant(
    *, user: User, role: str, mall: Mall | None = None, agency: Agency | None = None
) -> StaffMembership:
    """Give a person a staff role; staff get access to the (scoped) configuration admin."""
    membership, _created = StaffMembership.objects.get_or_create(
        user=user, role=role, mall=mall, agency=agency
    )
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return membership
