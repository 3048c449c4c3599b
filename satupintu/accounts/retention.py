"""How long personal data is kept (UU 27/2022 PDP): one period per kind of record, from the
settings, applied by each app's own ``*_purge_older_than`` service."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from satupintu.accounts.privacy import access_records_purge_older_than
from satupintu.booking.services.bookings import bookings_purge_older_than
from satupintu.cases.services.retention import (
    cancelled_drafts_purge_older_than,
    case_access_purge_older_than,
    rejected_uploads_purge_older_than,
)
from satupintu.complaints.services import reporter_identities_purge_older_than
from satupintu.notify.services import messages_purge_older_than
from satupintu.surveys.services.invitations import invitations_purge_older_than


@dataclass(frozen=True)
class Rule:
    """One kind of record, the setting giving its period, and the service erasing it."""

    name: str
    label: Promise
    setting: str
    purge: Callable[[datetime, bool], int]


def _on_date(purge: Callable[..., int]) -> Callable[[datetime, bool], int]:
    """Bookings are kept by their day, not by the moment they were made."""
    return lambda cutoff, dry_run: purge(cutoff=timezone.localdate(cutoff), dry_run=dry_run)


def _at(purge: Callable[..., int]) -> Callable[[datetime, bool], int]:
    return lambda cutoff, dry_run: purge(cutoff=cutoff, dry_run=dry_run)


# Issued permits (and the applications behind them) are kept for good: no rule touches them.
RULES = (
    Rule("messages", _("messages sent"), "RETENTION_MESSAGES_DAYS", _at(messages_purge_older_than)),
    Rule(
        "access_records",
        _("records of looks at personal data"),
        "RETENTION_ACCESS_RECORDS_DAYS",
        _at(access_records_purge_older_than),
    ),
    Rule(
        "case_access_records",
        _("records of looks at cases"),
        "RETENTION_ACCESS_RECORDS_DAYS",
        _at(case_access_purge_older_than),
    ),
    Rule(
        "cancelled_drafts",
        _("drafts given up"),
        "RETENTION_CANCELLED_DRAFTS_DAYS",
        _at(cancelled_drafts_purge_older_than),
    ),
    Rule(
        "complaint_identities",
        _("identities of closed complaints' reporters"),
        "RETENTION_COMPLAINT_IDENTITIES_DAYS",
        _at(reporter_identities_purge_older_than),
    ),
    Rule(
        "bookings",
        _("past bookings"),
        "RETENTION_BOOKINGS_DAYS",
        _on_date(bookings_purge_older_than),
    ),
    Rule(
        "rejected_uploads",
        _("files of rejected or cancelled applications"),
        "RETENTION_REJECTED_UPLOADS_DAYS",
        _at(rejected_uploads_purge_older_than),
    ),
    Rule(
        "survey_invitations",
        _("expired survey invitations"),
        "RETENTION_SURVEY_INVITATIONS_DAYS",
        _at(invitations_purge_older_than),
    ),
)


def retention_apply(*, dry_run: bool = False, now: datetime | None = None) -> dict[str, int]:
    """Erase, kind by kind, what is older than its period; return how many rows each took (or
    would take, with ``dry_run``). Running it twice erases nothing more."""
    now = now or timezone.now()
    return {
        rule.name: rule.purge(now - timedelta(days=getattr(settings, rule.setting)), dry_run)
        for rule in RULES
    }
