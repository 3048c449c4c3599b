"""The PDFs made from an application: the registration receipt and the product (the permit).

The product is rendered from the service's ``ProductTemplate`` to PDF with WeasyPrint, carries
a QR code to its public verification page, and is signed (PAdES) with the agency's key
(``signing``). WeasyPrint and pyHanko load on first use, not with every process."""

import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.db.models import Case, When
from django.http import FileResponse, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from satupintu.accounts.models import User
from satupintu.cases.errors import CaseError
from satupintu.cases.models import Application, Document, IssuedDocument, ProductTemplate
from satupintu.cases.permits.verification import verification_url
from satupintu.catalog.selectors import field_label
from satupintu.malls.calendar import in_mall_time
from satupintu.malls.models import Agency, StaffMembership
from satupintu.templating import TemplateRefused, render

if TYPE_CHECKING:
    from satupintu.cases.signers import SignRequest

logger = logging.getLogger(__name__)


def holder_name(user: User) -> str:
    """The name a document gives its holder (or signer): the full name, else the username."""
    return user.get_full_name() or user.username


def signatory(signer: User, agency: Agency) -> dict[str, str]:
    """How a document names who signed it: full name, position and NIP as their membership
    of ``agency`` records them (the approver's first)."""
    membership = (
        StaffMembership.objects.filter(user=signer, agency=agency)
        .order_by(
            Case(When(role=StaffMembership.Role.APPROVER, then=0), default=1),
            "-position",
            "pk",
        )
        .first()
    )
    return {
        "name": holder_name(signer),
        "position": membership.position if membership else "",
        "nip": membership.nip if membership else "",
    }


def tracking_url(application: Application) -> str:
    """The public tracking page with the application's number filled in."""
    with translation.override(settings.LANGUAGE_CODE):
        path = reverse("portal:tracking")
    return f"{settings.SITE_URL}{path}?{urlencode({'nomor': application.tracking_number})}"


def receipt_pdf(application: Application) -> bytes:
    """The registration receipt (bukti pendaftaran), in the active language: tracking number,
    service, dates, the files handed in, and a QR code to the public tracking page."""

    if application.status == Application.Status.DRAFT:
        raise CaseError("wrong_status", _("A draft has no receipt yet; submit it first."))
    agency = application.service.agency
    mall = agency.mall
    url = tracking_url(application)
    documents = (
        application.documents.filter(kind=Document.Kind.REQUIREMENT, superseded_by__isnull=True)
        .select_related("requirement")
        .order_by("requirement__position", "uploaded_at", "pk")
    )
    html = render_to_string(
        "cases/pdf/receipt.html",
        {
            "application": application,
            "applicant_name": holder_name(application.applicant),
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
    return html_to_pdf(html)


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


def _product_html(
    document: IssuedDocument,
    application: Application,
    template: ProductTemplate | None,
    agency: Agency,
    signer: User,
) -> str:
    """The product's page, in the active language: the standard parts around the body the
    service's template makes."""
    url = verification_url(document.code)
    body = product_body(
        template=template, document=document, application=application, agency=agency
    )
    signed_by = signatory(signer, agency)
    return render_to_string(
        "cases/pdf/product.html",
        {
            "holder": document.holder_name,
            "number": document.number,
            "form": application.form_data,
            "service": application.service,
            "agency": agency,
            "mall": agency.mall,
            "nib": application.nib,
            "valid_from": document.valid_from,
            "valid_until": document.valid_until,
            "tracking_number": application.tracking_number,
            "document": document,
            "body": body,
            "answers": _form_answers(application),
            "signer_name": signed_by["name"],
            "signer_position": signed_by["position"],
            "signer_nip": signed_by["nip"],
            # A template that names the holder itself: the table does not name them again.
            "holder_in_body": bool(body) and document.holder_name in str(body),
            "verify_url": url,
            "qr": _qr(url),
        },
    )


def product_pdf(
    *,
    document: IssuedDocument,
    application: Application,
    template: ProductTemplate | None,
    agency: Agency,
    signer: User,
) -> "SignRequest":
    """The product's PDF, not signed yet, with what its signature will say. It is an official
    document, so it is always in the default language (Bahasa Indonesia), whatever the
    approver's page was in."""
    from satupintu.cases.signers import SignRequest

    mall = agency.mall
    with translation.override(settings.LANGUAGE_CODE):
        html = _product_html(document, application, template, agency, signer)
        reason = _("Issuance of %(title)s number %(number)s") % {
            "title": document.title,
            "number": document.number,
        }
    return SignRequest(
        pdf=html_to_pdf(html),
        agency=agency,
        signer=signer,
        reason=reason,
        location=mall.name,
        contact=mall.email or mall.phone,
        subject=f"application {application.pk}",
        link=verification_url(document.code),
    )


def sign_locally(request: "SignRequest") -> bytes:
    """``request``'s PDF signed with the agency's key under the platform's CA."""
    from satupintu.cases import signing

    agency = request.agency
    try:
        return signing.sign_pdf(
            request.pdf,
            agency=agency,
            reason=request.reason,
            location=request.location,
            signer_name=holder_name(request.signer),
            contact=request.contact,
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


def signed_product(
    *,
    document: IssuedDocument,
    application: Application,
    template: ProductTemplate | None,
    agency: Agency,
    signer: User,
) -> bytes:
    """The product's PDF, signed with the agency's key (the local backend)."""
    return sign_locally(
        product_pdf(
            document=document,
            application=application,
            template=template,
            agency=agency,
            signer=signer,
        )
    )


def html_to_pdf(html: str) -> bytes:
    """HTML to PDF. Nothing is fetched from outside: images come as data: URIs, so a
    template cannot make the server call other hosts."""
    import weasyprint

    fetcher = weasyprint.URLFetcher(allowed_protocols={"data"})
    pdf: bytes = weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf()
    return pdf
