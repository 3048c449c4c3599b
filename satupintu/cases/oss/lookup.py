"""What an officer asks OSS of an OSS-born case on its page: the permit's status as OSS holds
it (checkLicenseStatus) and whether OSS has signed it (inqueryFileDS). Read-only lookups made
while the officer waits, with a short timeout and a clear message when OSS is down; a signed
file OSS names is fetched by the outbox, never inside the request."""

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from satupintu.cases.errors import CaseError
from satupintu.cases.models import OssLink
from satupintu.cases.oss.client import LicenseStatus, check_license_status, inquery_file_ds
from satupintu.cases.oss.inbound import signed_file_request
from satupintu.cases.oss.outbound import oss_integration
from satupintu.counters import minutes_to_wait
from satupintu.integrations import http
from satupintu.integrations.models import IntegrationEvent
from satupintu.integrations.services import event_record, integration_fetch_rules


def oss_ask_throttle(*, user_id: int) -> None:
    """Count one question an officer asks OSS while waiting (a case's "Ask OSS", the admin's
    OSS permit codes); past ``OSS_ASK_LIMIT`` of one person in ``OSS_ASK_WINDOW_SECONDS``,
    CaseError ``throttled`` and OSS is not asked (each question holds a worker up to seconds
    and counts against OSS's own limits)."""
    minutes = minutes_to_wait(
        f"oss:ask:{user_id}", limit=settings.OSS_ASK_LIMIT, seconds=settings.OSS_ASK_WINDOW_SECONDS
    )
    if minutes is not None:
        raise CaseError(
            "throttled",
            _("OSS has been asked too often. Wait %(minutes)d minutes, then try again.")
            % {"minutes": minutes},
        )


@dataclass(frozen=True)
class OssView:
    status: LicenseStatus | None  # None: OSS does not know the permit
    signed_file_url: str  # "" when OSS has not signed it yet
    fetch_queued: bool  # a newly named signed file is being fetched
    refused_link: bool  # OSS named a signed file on a host that is not OSS's


def oss_lookup(*, link: OssLink) -> OssView:
    """Ask OSS about ``link``'s permit; CaseError when no OSS integration applies or OSS is
    down (nothing changed then)."""
    integration = oss_integration(link, link.application)
    if integration is None:
        raise CaseError("oss_off", _("No OSS integration is active for this agency."))
    status = check_license_status(integration, link.id_izin)
    url = inquery_file_ds(integration, link.id_izin)
    queued = refused = False
    if url and url != link.signed_file_url:
        refusal = http.url_refusal(url, integration_fetch_rules(integration), resolve=False)
        if refusal is not None:
            refused = True
            event_record(
                integration=integration,
                kind=integration.kind,
                direction=IntegrationEvent.Direction.OUT,
                operation="oss.inqueryFileDS",
                ok=False,
                message=f"url_file_ds {refusal}",
            )
        else:
            with transaction.atomic():
                OssLink.objects.filter(pk=link.pk).update(signed_file_url=url)
                link.signed_file_url = url
                signed_file_request(link=link, integration=integration)
            queued = True
    return OssView(status=status, signed_file_url=url, fetch_queued=queued, refused_link=refused)
