"""The public verification page: authentic and valid, revoked, expired or unknown; nothing
personal; the CA certificate to validate offline; a PDF compared with the issued file."""

from datetime import timedelta

import pytest
from cryptography import x509
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from satupintu.cases import signing
from satupintu.cases.models import IssuedDocument
from satupintu.cases.permits import verification
from satupintu.cases.services import issuing
from satupintu.cases.tests.factories import staff_of
from satupintu.cases.tests.test_signing import (
    ADDRESS,
    PHONE,
    approved,
    decision_service,
    use_tmp_signing_dir,
)

pytestmark = pytest.mark.django_db


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
    return approved(service, staff).issued_document


def _page(client, code: str, **kwargs):
    return client.get(reverse("verify:document", kwargs={"code": code}), **kwargs)


def _file(document: IssuedDocument) -> bytes:
    with document.file.open("rb") as handle:
        return handle.read()


def test_a_valid_document_shows_its_facts_and_nothing_personal(client, document):
    page = _page(client, document.code)
    assert page.status_code == 200
    assert 'data-state="valid"' in page.text
    for shown in (document.number, document.title, "Siti Aminah", document.sha256):
        assert shown in page.text
    applicant = document.application.applicant
    for personal in (applicant.nik, PHONE, applicant.email, ADDRESS, "usaha"):
        assert personal not in page.text
    assert page["X-Robots-Tag"].startswith("noindex")
    assert "no-cache" in page["Cache-Control"] or "no-store" in page["Cache-Control"]


def test_a_revoked_document_says_when_and_why(client, document, staff):
    issuing.revoke(document, by=staff["approver"], reason="Bangunan tidak sesuai denah.")
    page = _page(client, document.code)
    assert page.status_code == 200
    assert 'data-state="revoked"' in page.text and 'data-state="valid"' not in page.text
    assert "Bangunan tidak sesuai denah." in page.text
    assert verification.verification_get(code=document.code).revoked_on is not None


def test_an_expired_document_says_so(client, document):
    yesterday = document.valid_from - timedelta(days=1)
    IssuedDocument.objects.filter(pk=document.pk).update(valid_until=yesterday)
    page = _page(client, document.code)
    assert page.status_code == 200
    assert 'data-state="expired"' in page.text and 'data-state="valid"' not in page.text


def test_an_unknown_code_is_a_404_that_says_so(client, document):
    page = _page(client, "ZZZZZZZZZZZZ")
    assert page.status_code == 404
    assert 'data-state="unknown"' in page.text
    assert document.number not in page.text


def test_a_code_typed_in_lower_case_or_in_the_form_finds_the_document(client, document):
    typed = _page(client, document.code.lower())
    assert typed.status_code == 302
    assert typed["Location"] == reverse("verify:document", kwargs={"code": document.code})
    asked = client.get(
        reverse("verify:index"), {"kode": f" {document.code[:4]}-{document.code[4:]}"}
    )
    assert asked.status_code == 302 and document.code in asked["Location"]
    assert client.get(reverse("verify:index")).status_code == 200


def test_the_page_is_also_in_english(client, document):
    page = client.get(f"/en/verify/{document.code}/")
    assert page.status_code == 200 and 'data-state="valid"' in page.text


def test_the_ca_certificate_is_published_for_offline_validation(client, document):
    response = client.get(reverse("verify:ca"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-pem-file"
    assert response.content == signing.ca_certificate_pem()
    certificate = x509.load_pem_x509_certificate(response.content)
    assert certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert signing.ca_fingerprint() in _page(client, document.code).text


def test_no_ca_certificate_is_a_404(client, settings):
    settings.SIGNING_DEMO_CA = False
    assert client.get(reverse("verify:ca")).status_code == 404


def test_an_uploaded_pdf_is_compared_with_the_issued_file(client, document):
    url = reverse("verify:document", kwargs={"code": document.code})
    original = _file(document)
    same = client.post(url, {"berkas": SimpleUploadedFile("izin.pdf", original)})
    assert same.status_code == 200 and 'data-check="match"' in same.text
    changed = original.replace(b"WeasyPrint", b"WeasyPrinT", 1)
    other = client.post(url, {"berkas": SimpleUploadedFile("izin.pdf", changed)})
    assert other.status_code == 200 and 'data-check="mismatch"' in other.text
    # The mismatch comes first, in red, and no green "authentic and valid" stands above it.
    content = other.text[other.text.index("<main") :]
    assert content.index('data-check="mismatch"') < content.index('data-state="valid"')
    assert 'class="notices"' not in content and "announcement-closure" in content
    assert "Asli dan berlaku" not in content
    nothing = client.post(url, {})
    assert nothing.status_code == 400 and 'data-check="missing"' in nothing.text
