"""Issued documents: rendered, signed by the agency's key under the (demo) CA, validated with
pyHanko; tampering is detected; numbers, revocation, the receipt, keys and their setup."""

import hashlib
import itertools
import os
import re
import stat
import threading
from datetime import date, timedelta
from io import BytesIO, StringIO

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID
from django.core.management import CommandError, call_command
from django.db import connection
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from satupintu.accounts.models import User
from satupintu.cases import signing
from satupintu.cases.errors import CaseError
from satupintu.cases.models import (
    Application,
    IssuedDocument,
    ProductTemplate,
    Step,
    Transition,
)
from satupintu.cases.permits import render, verification
from satupintu.cases.services import issuing
from satupintu.cases.services.workflow import application_act
from satupintu.cases.tests.factories import (
    ApplicationFactory,
    WorkflowServiceFactory,
    staff_of,
)
from satupintu.catalog.models import Service
from satupintu.malls.tests.factories import AgencyFactory, UserFactory, staff_member
from satupintu.notify.models import Event, Message

pytestmark = pytest.mark.django_db

NIK = "3271014501900001"
PHONE = "+6281234567890"
ADDRESS = "Jl. Pajajaran No. 77"
_serials = itertools.count(1)
SCHEMA = [
    {"name": "nik", "label": "NIK", "type": "nik", "required": True},
    {"name": "fungsi", "label": "Fungsi bangunan", "type": "select", "choices": ["rumah", "usaha"]},
    {"name": "alamat", "label": "Alamat", "type": "text"},
]


# --- shared with test_verify.py ----------------------------------------------------------


def use_tmp_signing_dir(settings, tmp_path) -> None:
    settings.SIGNING_DIR = tmp_path / "signing"
    settings.SIGNING_DEMO_CA = True


def decision_service(**fields) -> Service:
    """A service decided right after the document check: front office, then the approver."""
    return WorkflowServiceFactory(
        checked_then_decided=True,
        form_schema=SCHEMA,
        product="Persetujuan Bangunan Gedung",
        **fields,
    )


def submitted(service: Service, *, nib: str = "") -> Application:
    nik = f"{NIK[:12]}{next(_serials):04d}"  # one NIK per person
    applicant = UserFactory(
        first_name="Siti",
        last_name="Aminah",
        email="siti@example.id",
        phone=PHONE,
        nik=nik,
    )
    return ApplicationFactory(
        applicant=applicant,
        service=service,
        form_data={"nik": nik, "fungsi": "usaha", "alamat": ADDRESS},
        nib=nib,
        submitted=True,
    )


def approved(service: Service, staff: dict[str, User], **kwargs) -> Application:
    """Submitted, forwarded by the front office, approved: approval issues the document."""
    application = submitted(service, **kwargs)
    application = application_act(
        application=application, actor=staff["front_office"], action="forward"
    )
    return application_act(application=application, actor=staff["approver"], action="forward")


def signature_status(pdf: bytes, roots=None):
    """pyHanko's verdict on the (only) signature, trusting ``roots`` (the CA by default)."""
    reader = PdfFileReader(BytesIO(pdf))
    context = ValidationContext(trust_roots=roots or signing.trust_roots())
    return validate_pdf_signature(reader.embedded_signatures[0], context)


# --- fixtures ----------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _signing_in_tmp(settings, tmp_path):
    use_tmp_signing_dir(settings, tmp_path)


@pytest.fixture
def service():
    return decision_service()


@pytest.fixture
def staff(service):
    return staff_of(service)


@pytest.fixture
def document(service, staff) -> IssuedDocument:
    return approved(service, staff, nib="9120001234567").issued_document


def _bytes(document: IssuedDocument) -> bytes:
    with document.file.open("rb") as handle:
        return handle.read()


def _links(pdf: bytes) -> list[str]:
    reader = PdfFileReader(BytesIO(pdf))
    uris = []
    for page in reader.root["/Pages"]["/Kids"]:
        for annotation in page.get_object().get("/Annots", []):
            action = annotation.get_object().get("/A")
            if action is not None and "/URI" in action:
                uris.append(str(action["/URI"]))
    return uris


# --- the product -------------------------------------------------------------------------


def test_approval_issues_a_document_signed_by_the_agency_and_trusted_under_the_ca(
    document, service, staff
):
    pdf = _bytes(document)
    assert pdf.startswith(b"%PDF")
    assert document.sha256 == hashlib.sha256(pdf).hexdigest()
    assert document.signed_by == staff["approver"]
    assert document.holder_name == "Siti Aminah"
    assert document.title == "Persetujuan Bangunan Gedung"
    assert document.valid_until is None
    roman = issuing.ROMAN_MONTHS[document.valid_from.month - 1]
    code = issuing.agency_code(service.agency)
    assert document.number == f"503/0001/{code}/{roman}/{document.valid_from.year}"
    assert re.fullmatch(r"[A-HJ-NP-Z2-9]{12}", document.code)

    status = signature_status(pdf)
    assert status.intact and status.valid and status.trusted
    assert status.bottom_line
    assert status.docmdp_ok
    signer = status.signing_cert.subject.native
    assert signer["organization_name"] == service.agency.name
    assert signer["country_name"] == "ID"


def test_the_document_links_to_its_verification_page_and_names_its_number(document):
    pdf = _bytes(document)
    url = verification.verification_url(document.code)
    assert url == f"http://127.0.0.1:8000/verify/{document.code}/"
    assert url in _links(pdf)
    info = PdfFileReader(BytesIO(pdf)).trailer["/Info"]
    assert document.number in str(info["/Title"])


def test_issuing_twice_returns_the_same_document(document, staff):
    again = issuing.issue(document.application, signer=staff["approver"])
    assert again.pk == document.pk
    assert IssuedDocument.objects.count() == 1


def test_the_product_template_gives_title_body_and_validity(staff, service):
    ProductTemplate.objects.create(
        service=service,
        title="Izin Usaha Mikro",
        body="<p>Diberikan kepada {{ holder }} untuk fungsi {{ form.fungsi }}.</p>",
        validity_months=12,
    )
    document = approved(service, staff).issued_document
    assert document.title == "Izin Usaha Mikro"
    assert document.valid_until == issuing.add_months(document.valid_from, 12)
    assert signature_status(_bytes(document)).bottom_line


def test_a_broken_product_template_refuses_the_approval_and_changes_nothing(staff, service):
    ProductTemplate.objects.create(service=service, title="Izin", body="{% if %}")
    application = submitted(service)
    application = application_act(
        application=application, actor=staff["front_office"], action="forward"
    )
    with pytest.raises(CaseError) as refused:
        application_act(application=application, actor=staff["approver"], action="forward")
    assert refused.value.code == "template_invalid"
    application.refresh_from_db()
    assert application.step == Step.DECISION and application.decided_at is None
    assert not IssuedDocument.objects.exists()


def test_months_are_added_to_the_last_day_of_short_months():
    assert issuing.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert issuing.add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert issuing.add_months(date(2026, 3, 5), 12) == date(2027, 3, 5)


def test_numbers_count_each_agency_apart(service, staff):
    first = approved(service, staff).issued_document
    second = approved(service, staff).issued_document
    assert first.number.split("/")[1] == "0001" and second.number.split("/")[1] == "0002"
    other = decision_service(agency=AgencyFactory(mall=service.agency.mall, short_name="DPMPTSP"))
    elsewhere = approved(other, staff_of(other)).issued_document
    assert elsewhere.number.split("/")[1:3] == ["0001", "DPMPTSP"]


@pytest.mark.django_db(transaction=True)
def test_two_approvals_at_once_get_two_numbers(service, staff):
    applications = []
    for _ in range(2):
        application = submitted(service)
        applications.append(
            application_act(application=application, actor=staff["front_office"], action="forward")
        )
    start = threading.Barrier(2)
    outcomes = []

    def approve(application):
        try:
            start.wait()
            issuing.issue(application, signer=staff["approver"])
            outcomes.append("issued")
        except Exception as failed:  # noqa: BLE001 - the assertion below reports it
            outcomes.append(repr(failed))
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(a,)) for a in applications]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes == ["issued", "issued"]
    numbers = sorted(
        n.split("/")[1] for n in IssuedDocument.objects.values_list("number", flat=True)
    )
    assert numbers == ["0001", "0002"]


def test_a_code_taken_meanwhile_is_retried_and_leaves_no_stray_file(
    document, service, staff, monkeypatch, tmp_path
):
    codes = iter([document.code, "FRESHCQDE234"])
    monkeypatch.setattr(issuing, "_new_code", lambda: next(codes))
    second = approved(service, staff).issued_document
    assert second.code == "FRESHCQDE234"
    stored = sorted(p.name for p in (tmp_path / "private").rglob("*.pdf"))
    assert stored == sorted([f"{document.code}.pdf", "FRESHCQDE234.pdf"])


# --- tampering and trust -----------------------------------------------------------------


def test_a_byte_changed_inside_the_signed_range_breaks_the_signature(document):
    pdf = _bytes(document)
    reader = PdfFileReader(BytesIO(pdf))
    signed_until = reader.embedded_signatures[0].sig_object["/ByteRange"][1]
    at = pdf.index(b"WeasyPrint")
    assert at < signed_until
    tampered = pdf[:at] + b"WeasyPrinT" + pdf[at + len(b"WeasyPrint") :]
    status = signature_status(tampered)
    assert not status.intact
    assert not status.bottom_line


def test_an_update_that_changes_the_page_after_signing_is_detected(document):
    writer = IncrementalPdfFileWriter(BytesIO(_bytes(document)))
    forged = writer.add_object(
        generic.StreamObject(stream_data=b"BT /F1 24 Tf 72 72 Td (BERLAKU SELAMANYA) Tj ET")
    )
    writer.add_stream_to_page(0, forged)
    output = BytesIO()
    writer.write(output)
    status = signature_status(output.getvalue())
    assert status.intact  # the signed revision itself is untouched...
    assert not status.docmdp_ok  # ...but the certified document was changed afterwards
    assert not status.bottom_line


def test_a_document_signed_under_another_ca_is_not_trusted(document, settings, tmp_path):
    ours = signing.trust_roots()
    settings.SIGNING_DIR = tmp_path / "elsewhere"
    forged = signing.sign_pdf(
        render.html_to_pdf("<p>Izin palsu</p>"),
        agency=document.application.service.agency,
        reason="palsu",
        location="entah",
    )
    status = signature_status(forged, roots=ours)
    assert status.intact and status.valid
    assert not status.trusted
    assert not status.bottom_line


# --- revocation --------------------------------------------------------------------------


def test_only_the_agencys_approver_revokes(document, staff, service):
    stranger = staff_member("approver", agency=AgencyFactory())
    for who in (staff["front_office"], stranger):
        with pytest.raises(CaseError) as refused:
            issuing.revoke(document, by=who, reason="Data palsu.")
        assert refused.value.code == "forbidden"
    with pytest.raises(CaseError) as refused:
        issuing.revoke(document, by=staff["approver"], reason="  ")
    assert refused.value.code == "reason_needed"
    document.refresh_from_db()
    assert document.revoked_at is None


def test_revoking_records_who_and_why_and_tells_the_holder(document, staff):
    told_before = Message.objects.filter(event=Event.DECISION_MADE).count()
    revoked = issuing.revoke(document, by=staff["approver"], reason="Data palsu.")
    assert revoked.revoked_at is not None
    assert revoked.revoked_by == staff["approver"]
    assert revoked.revoked_reason == "Data palsu."
    assert Message.objects.filter(event=Event.DECISION_MADE).count() == told_before + 1
    history = Transition.objects.get(application=document.application, action="revoke")
    assert history.actor == staff["approver"] and history.note == "Data palsu."
    with pytest.raises(CaseError) as refused:
        issuing.revoke(revoked, by=staff["approver"], reason="Lagi.")
    assert refused.value.code == "already_revoked"


# --- the receipt and the downloads -------------------------------------------------------


def test_the_receipt_is_a_pdf_with_the_tracking_number_and_a_link_to_tracking(service):
    application = submitted(service)
    pdf = render.receipt_pdf(application)
    assert pdf.startswith(b"%PDF")
    reader = PdfFileReader(BytesIO(pdf))
    assert int(reader.root["/Pages"]["/Count"]) >= 1
    assert application.tracking_number in str(reader.trailer["/Info"]["/Title"])
    assert f"http://127.0.0.1:8000/lacak/?nomor={application.tracking_number}" in _links(pdf)


def test_a_draft_has_no_receipt(service):
    draft = ApplicationFactory(service=service)
    with pytest.raises(CaseError) as refused:
        render.receipt_pdf(draft)
    assert refused.value.code == "wrong_status"


def test_the_download_helpers_serve_pdfs(document, service):
    response = render.product_response(document)
    assert response["Content-Type"] == "application/pdf"
    assert "private" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == _bytes(document)
    assert (
        ".pdf" in response["Content-Disposition"]
        and "/" not in response["Content-Disposition"].split("filename=")[1]
    )
    receipt = render.receipt_response(document.application)
    assert receipt.status_code == 200 and receipt.content.startswith(b"%PDF")


# --- keys, the demo CA and its setup -----------------------------------------------------


def test_the_demo_ca_and_agency_keys_are_made_on_first_need(document, settings):
    directory = settings.SIGNING_DIR
    agency = document.application.service.agency
    key_path, cert_path = signing.agency_paths(agency)
    for private in (directory / signing.CA_KEY, key_path):
        assert stat.S_IMODE(os.stat(private).st_mode) == 0o600
    ca = x509.load_pem_x509_certificate((directory / signing.CA_CERT).read_bytes())
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert ca.extensions.get_extension_for_class(x509.KeyUsage).value.key_cert_sign
    certificate = x509.load_pem_x509_certificate(cert_path.read_bytes())
    usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment
    assert certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == (
        agency.name
    )
    certificate.verify_directly_issued_by(ca)


def test_making_keys_at_once_makes_one_ca_and_one_key(service):
    start = threading.Barrier(4)
    seen = []

    def make():
        start.wait()
        signing.ensure_agency_key(service.agency)
        seen.append(signing.ca_fingerprint())

    threads = [threading.Thread(target=make) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 4 and len(set(seen)) == 1
    material = signing.agency_material(service.agency)  # key and certificate belong together
    assert material.roots[0].sha256.hex(":").upper() == seen[0]


def test_without_the_demo_ca_missing_files_are_a_clear_error(settings, service, staff):
    settings.SIGNING_DEMO_CA = False
    with pytest.raises(signing.SigningError):
        signing.ca_certificate_path()
    with pytest.raises(CommandError):
        call_command("signing_setup", stdout=StringIO())
    application = submitted(service)
    application = application_act(
        application=application, actor=staff["front_office"], action="forward"
    )
    with pytest.raises(CaseError) as refused:
        application_act(application=application, actor=staff["approver"], action="forward")
    assert refused.value.code == "signing_unavailable"
    application.refresh_from_db()
    assert application.step == Step.DECISION and application.decided_at is None
    assert not IssuedDocument.objects.exists()


def test_production_signs_with_the_files_the_operator_placed(settings, service, staff):
    signing.ensure_agency_key(service.agency)  # as if the operator had put them there
    (settings.SIGNING_DIR / signing.CA_KEY).unlink()
    settings.SIGNING_DEMO_CA = False
    document = approved(service, staff).issued_document
    assert signature_status(_bytes(document)).bottom_line
    other = AgencyFactory()
    with pytest.raises(signing.SigningError):
        signing.agency_material(other)


def test_an_operator_certificate_outside_the_published_ca_refuses_to_sign(
    settings, tmp_path, service
):
    signing.ensure_agency_key(service.agency)
    key_path, cert_path = signing.agency_paths(service.agency)
    settings.SIGNING_DIR = tmp_path / "other-ca"
    foreign_key, foreign_cert = signing.ensure_agency_key(service.agency)
    settings.SIGNING_DIR = tmp_path / "signing"
    key_path.write_bytes(foreign_key.read_bytes())
    cert_path.write_bytes(foreign_cert.read_bytes())
    (settings.SIGNING_DIR / signing.CA_KEY).unlink()
    settings.SIGNING_DEMO_CA = False
    with pytest.raises(signing.SigningError):
        signing.sign_pdf(
            render.html_to_pdf("<p>x</p>"), agency=service.agency, reason="x", location="x"
        )


def test_a_key_that_is_not_the_certificates_is_refused(service):
    key_path, _cert = signing.ensure_agency_key(service.agency)
    other = AgencyFactory()
    other_key, _other_cert = signing.ensure_agency_key(other)
    key_path.write_bytes(other_key.read_bytes())
    with pytest.raises(signing.SigningError):
        signing.agency_material(service.agency)


def test_an_expired_demo_certificate_is_renewed(service):
    _key, cert_path = signing.ensure_agency_key(service.agency)
    old = x509.load_pem_x509_certificate(cert_path.read_bytes())
    ca_key = serialization.load_pem_private_key(
        (cert_path.parent / signing.CA_KEY).read_bytes(), password=None
    )
    expired = (
        x509.CertificateBuilder()
        .subject_name(old.subject)
        .issuer_name(old.issuer)
        .public_key(old.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(old.not_valid_before_utc - timedelta(days=800))
        .not_valid_after(old.not_valid_before_utc - timedelta(days=1))
        .sign(ca_key, old.signature_hash_algorithm)
    )
    cert_path.write_bytes(expired.public_bytes(serialization.Encoding.PEM))
    signing.ensure_agency_key(service.agency)
    renewed = x509.load_pem_x509_certificate(cert_path.read_bytes())
    assert renewed.not_valid_after_utc > old.not_valid_before_utc


def test_signing_setup_prints_the_ca_and_makes_agency_keys(settings, service):
    out = StringIO()
    call_command("signing_setup", "--agencies", stdout=out)
    text = out.getvalue()
    assert str(settings.SIGNING_DIR / signing.CA_CERT) in text
    assert signing.ca_fingerprint() in text
    assert all(path.exists() for path in signing.agency_paths(service.agency))
