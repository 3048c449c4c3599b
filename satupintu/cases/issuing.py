"""Documents made from an application: the registration receipt and the signed product.

The product (the permit) is rendered from the service's ``ProductTemplate`` to PDF with
WeasyPrint, carries a QR code to its public verification page, and is signed (PAdES) with the
agency's key (``signing``). WeasyPrint and pyHanko load on first use, not with every process.
"""

import calendar
import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.http import FileResponse, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from satupintu.accounts.models import User
from satupintu.cases.errors import CaseError
from satupintu.cases.models import (
    Application,
    Document,
    IssuedDocument,
    ProductTemplate,
    Transition,
)
from satupintu.cases.signals import application_changed
from satupintu.catalog.selectors import field_label
from satupintu.malls.calendar import in_mall_time
from satupintu.malls.models import Agency, StaffMembership
from satupintu.malls.permissions import staff_scope
from satupintu.notify.models import Event
from satupintu.notify.services import Recipient, notify
from satupintu.templating import TemplateRefused, render

logger = logging.getLogger(__name__)

# Kode klasifikasi arsip 503: perizinan (licensing), the usual head of a permit's number.
NUMBER_CLASSIFICATION = "503"
# Verification codes: no 0/O or 1/I, so one read aloud or typed from paper is not mistaken.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12  # 60 bits: not guessable, short enough to type
# A number or code taken by a concurrent issue is retried this many times.
ISSUE_ATTEMPTS = 5

REVOKE_REASON_MAX = 2000


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


def verification_url(code: str) -> str:
    """The public address of a document's verification page (in the default language)."""
    with translation.override(settings.LANGUAGE_CODE):
        return settings.SITE_URL + reverse("verify:document", kwargs={"code": code})


def tracking_url(application: Application) -> str:
    """The public tracking page with the application's number filled in."""
    with translation.override(settings.LANGUAGE_CODE):
        path = reverse("portal:tracking")
    return f"{settings.SITE_URL}{path}?{urlencode({'nomor': application.tracking_number})}"


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
    )


@transaction.atomic
def issue(application: Application, *, signer: User) -> IssuedDocument:
    """Render, sign and keep the product of an approved application; the approver ``signer``
    acts for the agency, whose key signs. Idempotent: an application has one document.

    The number counts the agency's documents of the year under a lock on the agency's row,
    so two approvals at once wait for each other instead of taking the same number."""

    existing = IssuedDocument.objects.filter(application=application).first()
    if existing is not None:
        return existing
    if application.status not in (Application.Status.IN_PROGRESS, Application.Status.DONE):
        raise CaseError("not_approved", _("Only an approved application gets its document."))
    service = application.service
    agency = (
        Agency.objects.select_for_update(of=("self",))
        .select_related("mall")
        .get(pk=service.agency_id)
    )
    template = ProductTemplate.objects.filter(service=service).first()
    today = in_mall_time(timezone.now(), agency.mall).date()
    valid_until = (
        add_months(today, template.validity_months)
        if template is not None and template.validity_months
        else None
    )
    for _attempt in range(ISSUE_ATTEMPTS):
        document = IssuedDocument(
            application=application,
            number=_next_number(agency, today),
            code=_new_code(),
            title=(template.title if template is not None else "") or service.product,
            holder_name=_holder_name(application.applicant),
            valid_from=today,
            valid_until=valid_until,
            signed_by=signer,
        )
        signed = _signed_product(document, application, template, agency, signer)
        document.sha256 = hashlib.sha256(signed).hexdigest()
        document.file = ContentFile(signed, name=f"{document.code}.pdf")
        try:
            with transaction.atomic():
                document.save()
        except IntegrityError:
            document.file.delete(save=False)
            issued = IssuedDocument.objects.filter(application=application).first()
            if issued is not None:
                return issued
            continue  # the number or the code was taken meanwhile: count again
        return document
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
            "name": _holder_name(applicant),
            "service": application.service.name,
            "tracking": application.tracking_number,
            "mall": agency.mall.name,
            "link": verification_url(document.code),
            "decision": decision,
        },
    )
    return document


def receipt_pdf(application: Application) -> bytes:
    """The registration receipt (bukti pendaftaran), in the active language: tracking number,
    service, dates, the files handed in, and a QR code to the public tracking page."""

    if application.status == Application.Status.DRAFT:
        raise CaseError("wrong_status", _("A draft has no receipt yet; submit it first."))
    agency = application.service.agency
    mall = agency.mall
    url = tracking_url(application)
    documents = (
        application.documents.filter(kind=Document.Kind.REQUIREMENT)
        .select_related("requirement")
        .order_by("requirement__position", "uploaded_at", "pk")
    )
    html = render_to_string(
        "cases/pdf/receipt.html",
        {
            "application": application,
            "applicant_name": _holder_name(application.applicant),
            "service": application.service,
            "agency": agency,
            "mall": mall,
            "submitted": in_mall_time(application.submitted_at, mall)
            if application.submitted_at
            else None,
            "documents": documents,
            "tracking_url": url,
            "qr": _qr(url),
            "printed": in_mall_time(timezone.now(), mall),
        },
    )
    return _pdf(html)


def product_response(document: IssuedDocument, *, as_attachment: bool = False) -> FileResponse:
    """The signed PDF, byte for byte as issued. The caller checks who may have it."""
    response = FileResponse(
        document.file.open("rb"),
        content_type="application/pdf",
        as_attachment=as_attachment,
        filename=f"{_file_name(document.number)}.pdf",
    )
    response["Cache-Control"] = "private, no-store"
    return response


def receipt_response(application: Application) -> HttpResponse:
    """The registration receipt as a PDF download. The caller checks who may have it."""
    response = HttpResponse(receipt_pdf(application), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="bukti-{_file_name(application.tracking_number)}.pdf"'
    )
    response["Cache-Control"] = "private, no-store"
    return response


def add_months(day: date, months: int) -> date:
    """``day`` ``months`` later; the 31st becomes the month's last day where it has none."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


# --- making the product ------------------------------------------------------------------


def _holder_name(user: User) -> str:
    return user.get_full_name() or user.username


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _agency_code(agency: Agency) -> str:
    """The agency's part of a number: its short name (which several malls' agencies share)
    with its id, so numbers of different agencies never meet."""
    short = "".join(c for c in agency.short_name.upper() if c.isalnum())
    return f"{short}-{agency.pk}" if short else str(agency.pk)


def _next_number(agency: Agency, day: date) -> str:
    """503/<sequence>/<agency>/<year>: the agency's documents of the year counted plus one,
    skipping any taken (a document deleted leaves the count behind)."""
    sequence = (
        IssuedDocument.objects.filter(
            application__service__agency=agency, valid_from__year=day.year
        ).count()
        + 1
    )
    suffix = f"{_agency_code(agency)}/{day.year}"
    while IssuedDocument.objects.filter(
        number=f"{NUMBER_CLASSIFICATION}/{sequence:04d}/{suffix}"
    ).exists():
        sequence += 1
    return f"{NUMBER_CLASSIFICATION}/{sequence:04d}/{suffix}"


def _file_name(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text)


def _qr(url: str) -> str:
    return segno.make(url, error="m").svg_data_uri(scale=4, border=2)


def _form_answers(application: Application) -> list[tuple[str, str]]:
    """The form's answers with their labels, for the default body; never the NIK, the phone
    or the email: the paper is shown around."""
    answers = []
    for field in application.service.form_schema:
        value = application.form_data.get(field["name"])
        if value in (None, "", []) or field.get("type") in ("nik", "phone", "email"):
            continue
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        answers.append((field_label(field), str(value)))
    return answers


# The names a product template reads, each with what it holds (the admin's help and README).
PRODUCT_TEMPLATE_NAMES = {
    "holder": gettext_lazy("the holder's name"),
    "number": gettext_lazy("the document's number"),
    "tracking_number": gettext_lazy("the application's tracking number"),
    "nib": gettext_lazy("the holder's NIB (business number), if any"),
    "form": gettext_lazy("the application form's answers by field name, e.g. form.usage"),
    "service": gettext_lazy("service.name, service.product"),
    "agency": gettext_lazy("agency.name, agency.short_name"),
    "mall": gettext_lazy("mall.name, mall.address"),
    "valid_from": gettext_lazy('the first day of validity, e.g. valid_from|date("j F Y")'),
    "valid_until": gettext_lazy("the last day of validity, empty when it does not expire"),
}


# What a product template is checked with when it is saved.
PRODUCT_TEMPLATE_EXAMPLE = {
    "holder": "Siti Aminah",
    "number": "503/0001/DPMPTSP/2026",
    "tracking_number": "MPP-2026-00000123",
    "nib": "9120001234567",
    "form": {},
    "service": {"name": "Persetujuan Bangunan Gedung", "product": "PBG"},
    "agency": {"name": "Dinas Penanaman Modal dan PTSP", "short_name": "DPMPTSP"},
    "mall": {"name": "MPP Kota Bogor", "address": "Jl. Pajajaran No. 1"},
    "valid_from": "2026-04-06",
    "valid_until": "2027-04-06",
}


def product_context(
    document: IssuedDocument, application: Application, agency: Agency
) -> dict[str, Any]:
    """What a staff-edited product template sees: plain values only, never the models."""
    service, mall = application.service, agency.mall
    return {
        "holder": document.holder_name,
        "number": document.number,
        "tracking_number": application.tracking_number,
        "nib": application.nib,
        "form": application.form_data,
        "service": {"name": service.name, "product": service.product},
        "agency": {"name": agency.name, "short_name": agency.short_name},
        "mall": {"name": mall.name, "address": mall.address},
        "valid_from": document.valid_from,
        "valid_until": document.valid_until,
    }


def product_body(
    *,
    template: ProductTemplate | None,
    document: IssuedDocument,
    application: Application,
    agency: Agency,
) -> str:
    """The staff-edited part of the product, rendered in the sandbox ("" without a template);
    a template the sandbox refuses is the approval's refusal (CaseError)."""

    if template is None or not template.body.strip():
        return ""
    try:
        return render(template.body, product_context(document, application, agency), html=True)
    except TemplateRefused as broken:
        logger.warning("product template of service %s: %s", application.service_id, broken.message)
        raise CaseError(
            "template_invalid",
            _("The product template of this service has an error: %(error)s")
            % {"error": broken.message},
        ) from broken


def _signed_product(
    document: IssuedDocument,
    application: Application,
    template: ProductTemplate | None,
    agency: Agency,
    signer: User,
) -> bytes:
    """The product's PDF, signed. It is an official document, so it is always in the
    default language (Bahasa Indonesia), whatever the approver's page was in."""
    from satupintu.cases import signing

    mall = agency.mall
    with translation.override(settings.LANGUAGE_CODE):
        url = verification_url(document.code)
        context: dict[str, Any] = {
            "holder": document.holder_name,
            "number": document.number,
            "form": application.form_data,
            "service": application.service,
            "agency": agency,
            "mall": mall,
            "nib": application.nib,
            "valid_from": document.valid_from,
            "valid_until": document.valid_until,
            "tracking_number": application.tracking_number,
        }
        body = product_body(
            template=template, document=document, application=application, agency=agency
        )
        html = render_to_string(
            "cases/pdf/product.html",
            {
                **context,
                "document": document,
                "body": body,
                "answers": _form_answers(application),
                "signer_name": _holder_name(signer),
                "verify_url": url,
                "qr": _qr(url),
            },
        )
        reason = _("Issuance of %(title)s number %(number)s") % {
            "title": document.title,
            "number": document.number,
        }
    try:
        return signing.sign_pdf(
            _pdf(html),
            agency=agency,
            reason=reason,
            location=mall.name,
            signer_name=_holder_name(signer),
            contact=mall.email or mall.phone,
        )
    except signing.SigningError as broken:
        logger.error("cannot sign for agency %s: %s", agency.pk, broken)
        raise CaseError(
            "signing_unavailable",
            _(
                "The document cannot be signed: the agency's signing key is not set up. "
                "Tell the administrator."
            ),
        ) from broken


def _pdf(html: str) -> bytes:
    """HTML to PDF. Nothing is fetched from outside: images come as data: URIs, so a
    template cannot make the server call other hosts."""
    import weasyprint

    fetcher = weasyprint.URLFetcher(allowed_protocols={"data"})
    return weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf()
