"""The permit as issued: who signed it (full name, position, NIP), its holder named once, its
number in the agency's own format from a per-agency, per-year counter, and the agency's
certificate naming the agency in full."""

from datetime import date

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID
from django.core.exceptions import ValidationError
from django.utils import timezone

from satupintu.cases import signing
from satupintu.cases.models import DocumentCounter, IssuedDocument, ProductTemplate
from satupintu.cases.permits import render
from satupintu.cases.services import issuing
from satupintu.cases.tests.factories import staff_of
from satupintu.cases.tests.test_signing import approved, decision_service, use_tmp_signing_dir
from satupintu.malls.calendar import in_mall_time
from satupintu.malls.models import StaffMembership, validate_number_format
from satupintu.malls.tests.factories import AgencyFactory

pytestmark = pytest.mark.django_db

LONG_NAME = "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu Kota Bogor Jawa Barat"


@pytest.fixture(autouse=True)
def _signing_in_tmp(settings, tmp_path):
    use_tmp_signing_dir(settings, tmp_path)


@pytest.fixture
def service():
    agency = AgencyFactory(name=LONG_NAME, short_name="DPMPTSP")
    return decision_service(agency=agency)


@pytest.fixture
def staff(service):
    staff = staff_of(service)
    approver = staff["approver"]
    approver.first_name, approver.last_name = "Rudi", "Hartono, S.H."
    approver.save()
    StaffMembership.objects.filter(user=approver, role="approver").update(
        position="Kepala Dinas", nip="197805122005011003"
    )
    return staff


def _html(document: IssuedDocument, signer) -> str:
    application = document.application
    template = ProductTemplate.objects.filter(service=application.service).first()
    return render._product_html(document, application, template, document.agency, signer)


def test_the_permit_names_its_signatory_by_full_name_position_and_nip(service, staff):
    document = approved(service, staff).issued_document
    html = _html(document, staff["approver"])
    signature = html[html.index('class="sign"') :]
    assert "Rudi Hartono, S.H." in signature
    assert "Kepala Dinas" in signature and "NIP. 197805122005011003" in signature


def test_a_template_naming_the_holder_is_not_followed_by_the_holder_again(service, staff):
    ProductTemplate.objects.create(
        service=service, title="Izin", body="<p>Diberikan kepada {{ holder }}.</p>"
    )
    document = approved(service, staff).issued_document
    assert _html(document, staff["approver"]).count(document.holder_name) == 1
    ProductTemplate.objects.filter(service=service).update(body="<p>Izin ini berlaku.</p>")
    other = approved(service, staff).issued_document
    assert _html(other, staff["approver"]).count(other.holder_name) == 1


def test_numbers_follow_the_agencys_format_and_count_per_year_in_the_malls_time(service, staff):
    agency = service.agency
    agency.document_number_format = "503/{seq:04d}/{agency}/{roman_month}/{year}"
    agency.save()
    first = approved(service, staff).issued_document
    second = approved(service, staff).issued_document
    today = in_mall_time(timezone.now(), agency.mall).date()
    roman = issuing.ROMAN_MONTHS[today.month - 1]
    assert first.number == f"503/0001/DPMPTSP/{roman}/{today.year}"
    assert second.number == f"503/0002/DPMPTSP/{roman}/{today.year}"
    assert DocumentCounter.objects.get(agency=agency, year=today.year).last == 2
    # A new year starts again at 1; another agency of the same short name counts on its own.
    new_year = date(today.year + 1, 1, 1)
    assert issuing._next_number(agency, new_year) == f"503/0001/DPMPTSP/I/{today.year + 1}"
    elsewhere = decision_service(agency=AgencyFactory(short_name="DPMPTSP"))
    other = approved(elsewhere, staff_of(elsewhere)).issued_document
    assert other.number == f"503/0001/DPMPTSP/{roman}/{today.year}"


def test_a_custom_format_is_used_and_a_dangerous_one_refused(service, staff):
    service.agency.document_number_format = "IZIN-{year}-{seq:05d}/{month:02d}"
    service.agency.save()
    document = approved(service, staff).issued_document
    today = document.valid_from
    assert document.number == f"IZIN-{today.year}-00001/{today.month:02d}"
    for bad in ("{seq.__class__}{year}", "{seq:0999999d}{year}", "{seq}", "{seq}{year}{", "{x}"):
        with pytest.raises(ValidationError):
            validate_number_format(bad)


def test_the_agency_certificate_names_the_agency_in_full(service, staff):
    approved(service, staff)
    _key, cert_path = signing.agency_paths(service.agency)
    subject = x509.load_pem_x509_certificates(cert_path.read_bytes())[0].subject
    organisation = subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value
    common = subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    assert organisation == LONG_NAME
    assert common == f"DPMPTSP {service.agency.mall.name}"


def test_a_demo_certificate_with_a_cut_name_is_made_again(service, staff):
    approved(service, staff)
    _key, cert_path = signing.agency_paths(service.agency)
    before = cert_path.read_bytes()
    service.agency.name = "Dinas Penanaman Modal dan PTSP"
    service.agency.save()
    signing.ensure_agency_key(service.agency)
    assert cert_path.read_bytes() != before
