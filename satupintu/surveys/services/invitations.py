"""Invitations to the IKM survey: one per event (a served visit, a finished application, an
answered complaint), queued by the service that made the change, written and sent once that
change commits, on the person's channels in their language, with a link that works once."""

import hashlib
import logging
import secrets
from datetime import datetime, timedelta
from functools import partial

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from satupintu.batches import in_batches
from satupintu.catalog.models import Service
from satupintu.languages import site_url
from satupintu.malls.models import Agency
from satupintu.notify.models import Event
from satupintu.notify.services import Recipient, notify
from satupintu.surveys.models import Invitation

logger = logging.getLogger(__name__)

INVITATION_VALID_DAYS = 30


def token_hash(token: str) -> str:
    """What is kept of a link's secret: its SHA-256."""
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_queue(
    *,
    source: Invitation.Source,
    source_id: int,
    recipient: Recipient | None,
    name: str,
    agency: Agency,
    service: Service | None,
) -> None:
    """Invite the person of an event once the caller's transaction commits (nothing when it
    rolls back; nobody to invite when ``recipient`` is None). Called in the transaction of the
    change; a failure to invite is logged and never undoes the change."""
    if recipient is None:
        return
    transaction.on_commit(
        partial(
            invitation_send,
            source=source,
            source_id=source_id,
            recipient=recipient,
            name=name,
            agency=agency,
            service=service,
        ),
        robust=True,
    )


@transaction.atomic
def invitation_send(
    *,
    source: Invitation.Source,
    source_id: int,
    recipient: Recipient,
    name: str,
    agency: Agency,
    service: Service | None,
    now: datetime | None = None,
) -> Invitation | None:
    """Write the invitation of event (``source``, ``source_id``) and its message, in one
    transaction; None when that event has one already (the unique constraint decides, under
    any concurrency). The secret is in the message only; the row keeps its hash."""
    if Invitation.objects.filter(source=source, source_id=source_id).exists():
        return None
    token = secrets.token_urlsafe(32)
    now = now or timezone.now()
    try:
        with transaction.atomic():
            invitation = Invitation.objects.create(
                source=source,
                source_id=source_id,
                token_hash=token_hash(token),
                mall=agency.mall,
                agency=agency,
                service=service,
                language=recipient.language,
                expires_at=now + timedelta(days=INVITATION_VALID_DAYS),
            )
    except IntegrityError:  # invited at the same moment by another process
        return None
    with override(recipient.language):
        valid = _("%(days)d days") % {"days": INVITATION_VALID_DAYS}
    notify(
        event=Event.SURVEY_INVITATION,
        recipient=recipient,
        mall=agency.mall,
        context={
            "name": name,
            "service": service.name if service else agency.name,
            "agency": agency.name,
            "mall": agency.mall.name,
            "valid": valid,
            "link": site_url("surveys:form", language=recipient.language, args=[token]),
        },
    )
    logger.info("survey invitation %s sent after %s %s", invitation.pk, source, source_id)
    return invitation


def invitations_purge_older_than(*, cutoff: datetime, dry_run: bool = False) -> int:
    """Delete the invitations that expired before ``cutoff``, used or not: their links work no
    more, and an event is invited only when it happens (the retention job, daily)."""

    def delete(batch: QuerySet[Invitation]) -> None:
        batch.delete()

    return in_batches(Invitation.objects.filter(expires_at__lt=cutoff), delete, dry_run=dry_run)
