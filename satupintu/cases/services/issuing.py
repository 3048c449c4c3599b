"""Issuing the product of an approved application: its number, its verification code, the
signed PDF kept, and its revocation. An application has one issued document."""

import calendar
import hashlib
import secrets
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from satupintu.accounts.models import User
from satupintu.cases.errors import CaseError
from satupintu.cases.models import (
    Application,
    DocumentCounter,
    DocumentReservation,
    IssuedDocument,
    ProductTemplate,
    Transition,
)
from satupintu.cases.permits.render import holder_name, product_pdf, signatory, signed_product
from satupintu.cases.permits.verification import verification_url
from satupintu.cases.signals import application_changed, document_issued
from satupintu.cases.signers import Chosen, Signed, SignerSecret, backend_for
from satupintu.integrations.models import Integration
from satupintu.malls.calendar import in_mall_time
from satupintu.malls.models import DEFAULT_NUMBER_FORMAT, Agency, StaffMembership
from satupintu.malls.permissions import staff_scope
from satupintu.notify.models import Event
from satupintu.notify.services import Recipient, notify

# Verification codes: no 0/O or 1/I, so one read aloud or typed from paper is not mistaken.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12  # 60 bits: not guessable, short enough to type
# A number or code taken by a concurrent issue is retried this many times.
ISSUE_ATTEMPTS = 5

REVOKE_REASON_MAX = 2000


@dataclass(frozen=True)
class Presigned:
    """A product signed by an outside service (BSrE) before the approval's transaction, under
    the application's reserved number and code; ``issue`` keeps it."""

    application_id: int
    number: str
    code: str
    title: str
    holder_name: str
    valid_from: date
    valid_until: date | None
    signed: Signed


def _draft(
    application: Application,
    *,
    agency: Agency,
    template: ProductTemplate | None,
    number: str,
    code: str,
    signer: User,
) -> IssuedDocument:
    """The document as it will be issued today, not saved: what its PDF says."""
    today = in_mall_time(timezone.now(), agency.mall).date()
    return IssuedDocument(
        application=application,
        agency=agency,
        number=number,
        code=code,
        title=(template.title if template is not None else "") or application.service.product,
        holder_name=holder_name(application.applicant),
        valid_from=today,
        valid_until=add_months(today, template.validity_months)
        if template is not None and template.validity_months
        else None,
        signed_by=signer,
    )


@transaction.atomic
def issue(
    application: Application, *, signer: User, presigned: Presigned | None = None
) -> IssuedDocument:
    """Render, sign and keep the product of an approved application; the approver ``signer``
    acts for the agency. Idempotent: an application has one document.

    An agency that signs locally signs here with its key; the number is the agency's counter
    of the year plus one, in the agency's format (``format_number``), taken under a lock on the
    counter's row (or the number reserved for the application, if a signing through BSrE
    reserved one before the agency changed backends). An agency that signs through BSrE gets
    the ``presigned`` product (``presign``, before this transaction): it is kept as returned."""

    existing = IssuedDocument.objects.filter(application=application).first()
    if existing is not None:
        return existing
    if application.status not in (Application.Status.IN_PROGRESS, Application.Status.DONE):
        raise CaseError("not_approved", _("Only an approved application gets its document."))
    service = application.service
    agency = Agency.objects.select_related("mall").get(pk=service.agency_id)
    if presigned is not None and presigned.application_id == application.pk:
        return _keep_presigned(application, agency=agency, signer=signer, presigned=presigned)
    if backend_for(agency).backend.remote:
        raise CaseError(
            "sign_with_passphrase",
            _(
                "This agency signs through BSrE: the approver signs on the application's page "
                "with their passphrase."
            ),
        )
    template = ProductTemplate.objects.filter(service=service).first()
    today = in_mall_time(timezone.now(), agency.mall).date()
    reservation = DocumentReservation.objects.filter(application=application).first()
    for _attempt in range(ISSUE_ATTEMPTS):
        document = _draft(
            application,
            agency=agency,
            template=template,
            number=reservation.number if reservation else _next_number(agency, today),
            code=reservation.code if reservation else _new_code(),
            signer=signer,
        )
        signed = signed_product(
            document=document,
            application=application,
            template=template,
            agency=agency,
            signer=signer,
        )
        document.sha256 = hashlib.sha256(signed).hexdigest()
        document.file = ContentFile(signed, name=f"{document.code}.pdf")
        saved = _save(document, application)
        if saved is not None:
            return saved
        # The number or the code was taken meanwhile: count again.
    raise CaseError("number_taken", _("No document number is free right now. Try again."))


def _keep_presigned(
    application: Application, *, agency: Agency, signer: User, presigned: Presigned
) -> IssuedDocument:
    """The document BSrE signed, stored byte for byte as it came back."""
    pdf = presigned.signed.pdf
    document = IssuedDocument(
        application=application,
        agency=agency,
        number=presigned.number,
        code=presigned.code,
        title=presigned.title,
        holder_name=presigned.holder_name,
        valid_from=presigned.valid_from,
        valid_until=presigned.valid_until,
        signed_by=signer,
        sha256=hashlib.sha256(pdf).hexdigest(),
        file=ContentFile(pdf, name=f"{presigned.code}.pdf"),
        backend=presigned.signed.backend,
        backend_reference=presigned.signed.reference,
    )
    saved = _save(document, application)
    if saved is None:
        raise CaseError("number_taken", _("No document number is free right now. Try again."))
    return saved


def _save(document: IssuedDocument, application: Application) -> IssuedDocument | None:
    """Keep ``document`` and tell of it (``document_issued``: OSS is sent the permit), whichever
    backend signed it. On a clash: the application's document issued meanwhile, or None when
    another took its number or code."""
    try:
        with transaction.atomic():
            document.save()
    except IntegrityError:
        document.file.delete(save=False)
        return IssuedDocument.objects.filter(application=application).first()
    DocumentReservation.objects.filter(application=application).delete()
    document_issued.send(IssuedDocument, document=document, application=application)
    return document


def signs_remotely(application: Application) -> Chosen | None:
    """The outside signing service the application's agency signs through, if any."""
    chosen = backend_for(application.service.agency)
    return chosen if chosen.backend.remote else None


def signer_identity_missing(*, chosen: Chosen, signer: User) -> str:
    """What ``signer``'s account lacks that the outside signing service knows signers by:
    ``"nik"``, ``"email"`` (BSrE v2 by email) or "" (nothing)."""
    if chosen.backend.identifies(signer, chosen.integration):
        return ""
    from satupintu.cases import bsre

    integration = chosen.integration
    if isinstance(integration, Integration) and bsre.by_email(integration):
        return "email"
    return "nik"


def signer_problem(*, application: Application, signer: User) -> str:
    """Why ``signer`` cannot sign ``application``'s document through the agency's BSrE now,
    as BSrE says when asked ("" when they can, when the agency signs locally, or when their
    account lacks what BSrE knows them by, a NIK or an email, which the page says itself):
    asked when the confirmation page opens, so an approver BSrE does not know learns it before
    typing a passphrase."""
    chosen = signs_remotely(application)
    if (
        chosen is None
        or chosen.backend.check is None
        or not chosen.backend.identifies(signer, chosen.integration)
    ):
        return ""
    try:
        chosen.backend.check(signer=signer, integration=chosen.integration)
    except CaseError as refused:
        return refused.message
    return ""


def signer_totp_send(*, application: Application, signer: User) -> None:
    """Ask the agency's outside signing service (BSrE v2) to send ``signer`` a TOTP to sign
    ``application``'s document with, counted per person (``bsre.totp_throttle``); CaseError
    when the agency's service sends none or refuses. The code never passes through here."""
    chosen = signs_remotely(application)
    if chosen is None or chosen.backend.send_totp is None:
        raise CaseError("bsre_totp_off", _("This agency's signing service does not send codes."))
    from satupintu.cases import bsre

    bsre.totp_throttle(user_id=signer.pk)
    chosen.backend.send_totp(signer=signer, integration=chosen.integration)


def presign(
    *, application: Application, signer: User, secret: SignerSecret | None
) -> Presigned | None:
    """Sign the product through the agency's outside signing service (BSrE), outside any
    transaction (the approver waits; each call is in the integration's log whatever happens);
    None for an agency that signs locally (``issue`` signs then).

    The number and code are reserved first, in a transaction of their own that stays: a
    signing whose outcome is unknown (a timeout) is signed again under the same number and
    code, so a document BSrE may have signed meanwhile is the same document, never a second
    number. The caller checked the approver may approve (``workflow.application_sign``)."""

    if IssuedDocument.objects.filter(application=application).exists():
        return None
    chosen = signs_remotely(application)
    if chosen is None:
        return None
    agency = Agency.objects.select_related("mall").get(pk=application.service.agency_id)
    reservation = _reserve(application, agency)
    template = ProductTemplate.objects.filter(service=application.service).first()
    document = _draft(
        application,
        agency=agency,
        template=template,
        number=reservation.number,
        code=reservation.code,
        signer=signer,
    )
    request = product_pdf(
        document=document,
        application=application,
        template=template,
        agency=agency,
        signer=signer,
    )
    signed = chosen.backend.sign(request, integration=chosen.integration, secret=secret)
    return Presigned(
        application_id=application.pk,
        number=document.number,
        code=document.code,
        title=document.title,
        holder_name=document.holder_name,
        valid_from=document.valid_from,
        valid_until=document.valid_until,
        signed=signed,
    )


@transaction.atomic
def _reserve(application: Application, agency: Agency) -> DocumentReservation:
    """The application's reserved number and code; taken now (committed) if it has none."""
    reservation = DocumentReservation.objects.filter(application=application).first()
    if reservation is not None:
        return reservation
    today = in_mall_time(timezone.now(), agency.mall).date()
    for _attempt in range(ISSUE_ATTEMPTS):
        try:
            with transaction.atomic():
                reservation, _created = DocumentReservation.objects.get_or_create(
                    application=application,
                    defaults={
                        "agency": agency,
                        "number": _next_number(agency, today),
                        "code": _new_code(),
                    },
                )
        except IntegrityError:
            continue  # the code was taken meanwhile
        return reservation
    raise CaseError("number_taken", _("No document number is free right now. Try again."))


@transaction.atomic
def revoke(document: IssuedDocument, *, by: User, reason: str) -> IssuedDocument:
    """The agency's approver withdraws an issued document; its verification page says so
    from now on, and the holder is told why."""

    application = document.application
    agency = application.service.agency
    if not staff_scope(by).acts_as([StaffMembership.Role.APPROVER], agency_id=agency.pk):
        raise CaseError("forbidden", _("Only the agency's approver revokes its documents."))
    reason = reason.strip()
    if not reason:
        raise CaseError("reason_needed", _("Give the reason."))
    if len(reason) > REVOKE_REASON_MAX:
        raise CaseError(
            "too_long",
            _("The text has %(n)s characters; at most %(limit)s are allowed.")
            % {"n": len(reason), "limit": REVOKE_REASON_MAX},
        )
    revoked = IssuedDocument.objects.filter(pk=document.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=by, revoked_reason=reason
    )
    if not revoked:
        raise CaseError("already_revoked", _("This document is revoked already."))
    document.refresh_from_db()
    transition = Transition.objects.create(
        application=application,
        actor=by,
        action="revoke",
        from_status=application.status,
        to_status=application.status,
        from_step=application.step,
        to_step=application.step,
        note=reason,
    )
    application_changed.send(Application, application=application, transition=transition)
    applicant = application.applicant
    with translation.override(applicant.language or settings.LANGUAGE_CODE):
        decision = _("document %(number)s is revoked: %(why)s") % {
            "number": document.number,
            "why": reason,
        }
    notify(
        event=Event.DECISION_MADE,
        recipient=Recipient.for_user(applicant),
        mall=agency.mall,
        context={
            "name": holder_name(applicant),
            "service": application.service.name,
            "tracking": application.tracking_number,
            "mall": agency.mall.name,
            "link": verification_url(document.code),
            "decision": decision,
        },
    )
    return document


def add_months(day: date, months: int) -> date:
    """``day`` ``months`` later; the 31st becomes the month's last day where it has none."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


ROMAN_MONTHS = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")


def agency_code(agency: Agency) -> str:
    """The agency's part of a number: its short name (letters and digits), else its slug."""
    short = "".join(c for c in agency.short_name.upper() if c.isalnum())
    return short or agency.slug.upper()


def format_number(number_format: str, *, seq: int, agency: Agency, day: date) -> str:
    """A number in ``number_format`` (checked by ``validate_number_format`` when saved)."""
    return (number_format or DEFAULT_NUMBER_FORMAT).format(
        seq=seq,
        agency=agency_code(agency),
        month=day.month,
        roman_month=ROMAN_MONTHS[day.month - 1],
        year=day.year,
    )


def _next_number(agency: Agency, day: date) -> str:
    """The agency's next number of ``day``'s year: its counter row, locked until the issuing
    transaction ends, is raised by one, so two approvals at once wait for each other and a
    number is never taken twice. A document given up with its transaction gives its number
    back; the year is the mall's."""
    counter, _created = DocumentCounter.objects.get_or_create(agency=agency, year=day.year)
    counter = DocumentCounter.objects.select_for_update().get(pk=counter.pk)
    counter.last += 1
    counter.save(update_fields=["last"])
    number = format_number(agency.document_number_format, seq=counter.last, agency=agency, day=day)
    if len(number) > IssuedDocument._meta.get_field("number").max_length:  # type: ignore[operator]
        raise CaseError(
            "number_format",
            _("The agency's document number format gives numbers too long: shorten it."),
        )
    return number


def preview(application: Application, *, signer: User) -> dict[str, object]:
    """What the approver is about to sign, shown on the confirmation page: the title, the
    number's shape, and how the document will name them (what is missing from it too)."""
    service, agency = application.service, application.service.agency
    template = ProductTemplate.objects.filter(service=service).first()
    names = signatory(signer, agency)
    today = in_mall_time(timezone.now(), agency.mall).date()
    reserved = DocumentReservation.objects.filter(application=application).first()
    return {
        # Kept from a signing through BSrE that did not finish: the next one uses it.
        "number_reserved": reserved.number if reserved is not None else "",
        "title": (template.title if template is not None else "") or service.product,
        "signatory": names,
        "signatory_incomplete": not all(names.values()),
        "number_example": format_number(
            agency.document_number_format, seq=0, agency=agency, day=today
        ).replace("0000", "····"),
    }
