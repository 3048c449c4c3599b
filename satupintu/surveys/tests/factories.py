"""Invitations with a known link secret, questionnaires, and responses stored as the services
store them."""

import secrets
from datetime import timedelta

from django.utils import timezone

from satupintu.catalog.tests.factories import ServiceFactory
from satupintu.surveys.elements import ELEMENTS
from satupintu.surveys.models import Invitation, Response
from satupintu.surveys.services.invitations import token_hash

_ids = iter(range(1, 1_000_000))


def invitation(
    *, service=None, expires_in=timedelta(days=30), source_id=None
) -> tuple[Invitation, str]:
    """An invitation to answer about ``service`` (a new one when None) and its link's secret."""
    service = service or ServiceFactory()
    token = secrets.token_urlsafe(32)
    made = Invitation.objects.create(
        source=Invitation.Source.VISIT,
        source_id=source_id or next(_ids),
        token_hash=token_hash(token),
        mall=service.agency.mall,
        agency=service.agency,
        service=service,
        expires_at=timezone.now() + expires_in,
    )
    return made, token


def answers(*scores: int) -> dict[str, str]:
    """The nine answers as a form posts them (all 4 when none are given)."""
    scores = scores or (4,) * 9
    return {e.field: str(score) for e, score in zip(ELEMENTS, scores, strict=True)}


def response(service, day, *scores: int, channel=Response.Channel.ONLINE, **extra) -> Response:
    return Response.objects.create(
        mall=service.agency.mall,
        agency=service.agency,
        service=service,
        date=day,
        channel=channel,
        **{e.field: s for e, s in zip(ELEMENTS, scores or (4,) * 9, strict=True)},
        **extra,
    )
