"""What the public verification page may say of an issued document, found by the code printed
under its QR code."""

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from satupintu.cases.models import IssuedDocument
from satupintu.malls.calendar import in_mall_time


class State:
    """What the verification page says of a document."""

    VALID = "valid"
    REVOKED = "revoked"
    EXPIRED = "expired"


@dataclass(frozen=True)
class Verification:
    """What the public verification page may show of an issued document: who holds it and
    whether it stands, never the holder's NIK, phone or address."""

    code: str
    number: str
    title: str
    holder_name: str
    agency: str
    mall: str
    issued_on: date
    valid_from: date
    valid_until: date | None
    state: str
    revoked_on: date | None
    revoked_reason: str
    sha256: str
    signed_with_bsre: bool = False  # signed by BSrE (BSSN), not under the platform's CA


def verification_url(code: str) -> str:
    """The public address of a document's verification page (in the default language)."""
    with translation.override(settings.LANGUAGE_CODE):
        return settings.SITE_URL + reverse("verify:document", kwargs={"code": code})


def normalize_code(code: str) -> str:
    """A code as typed from paper: case, spaces and dashes do not matter."""
    return "".join(c for c in code.upper() if c.isalnum())


def verification_get(*, code: str) -> Verification | None:
    """The public facts of the document with ``code``; None when no document has it."""
    document = (
        IssuedDocument.objects.filter(code=normalize_code(code))
        .select_related("application__service__agency__mall")
        .first()
    )
    if document is None:
        return None
    agency = document.application.service.agency
    mall = agency.mall
    today = in_mall_time(timezone.now(), mall).date()
    if document.revoked_at:
        state = State.REVOKED
    elif document.valid_until and document.valid_until < today:
        state = State.EXPIRED
    else:
        state = State.VALID
    return Verification(
        code=document.code,
        number=document.number,
        title=document.title,
        holder_name=document.holder_name,
        agency=agency.name,
        mall=mall.name,
        issued_on=in_mall_time(document.issued_at, mall).date(),
        valid_from=document.valid_from,
        valid_until=document.valid_until,
        state=state,
        revoked_on=in_mall_time(document.revoked_at, mall).date() if document.revoked_at else None,
        revoked_reason=document.revoked_reason,
        sha256=document.sha256,
        signed_with_bsre=document.backend.startswith("bsre"),
    )
