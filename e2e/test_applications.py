"""An online application from the form to the signed PDF printed at home: the citizen applies,
the officer returns it for revision, the citizen fixes it, the approver signs, the citizen
downloads the document and its verification page says it is authentic."""

from concurrent.futures import ThreadPoolExecutor
from io import BytesIO

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from satupintu.cases import signing
from satupintu.cases.models import Application
from satupintu.cases.tests.factories import WorkflowServiceFactory
from satupintu.cases.tests.files import PDF
from satupintu.catalog.tests.factories import RequirementFactory
from satupintu.malls.models import StaffMembership
from satupintu.malls.services import membership_grant
from satupintu.malls.tests.factories import AgencyFactory, MallFactory, UserFactory
from satupintu.notify.models import Event
from satupintu.notify.tests.factories import ensure_default_template

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "secret-pass-123"  # noqa: S105 - the factories' test password
SCHEMA = [
    {"name": "nik", "label": {"id": "NIK pemohon", "en": "NIK"}, "type": "nik", "required": True},
    {"name": "alamat", "label": "Alamat bangunan", "type": "text", "required": True},
]


def _sign_in(page, base, login):
    page.goto(f"{base}/masuk/")
    page.get_by_label("NIK atau email").fill(login)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()


def _sign_out(page):
    page.get_by_role("button", name="Keluar").click()


def _pdf_file(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(PDF)
    return path


def test_apply_revise_approve_print_and_verify(live_server, page, tmp_path):
    mall = MallFactory(name="MPP Kota Bogor")
    agency = AgencyFactory(mall=mall, name="DPMPTSP Kota Bogor")
    service = WorkflowServiceFactory(
        checked_then_decided=True,
        agency=agency,
        name="Persetujuan Bangunan Gedung",
        form_schema=SCHEMA,
    )
    RequirementFactory(service=service, text="KTP pemohon", is_mandatory=True)
    citizen = UserFactory(first_name="Siti", last_name="Aminah", email="siti@example.id")
    officer, approver = UserFactory(), UserFactory()
    membership_grant(user=officer, role=StaffMembership.Role.FRONT_OFFICE, agency=agency)
    membership_grant(user=approver, role=StaffMembership.Role.APPROVER, agency=agency)
    base = live_server.url
    for event in (Event.APPLICATION_RECEIVED, Event.REVISION_REQUESTED, Event.DOCUMENT_READY):
        ensure_default_template(event)

    _sign_in(page, base, citizen.username)
    page.goto(f"{base}/layanan/{service.pk}/")
    page.get_by_role("link", name="Ajukan daring").click()
    page.get_by_role("button", name="Mulai permohonan").click()
    page.get_by_label("NIK pemohon").fill("3271014501900001")
    page.get_by_label("Alamat bangunan").fill("Jl. Pajajaran 1")
    page.get_by_label("KTP pemohon").set_input_files(str(_pdf_file(tmp_path, "ktp-buram.pdf")))
    page.get_by_role("button", name="Kirim permohonan").click()
    page.get_by_text("Simpan bukti pendaftaran").wait_for()
    application = Application.objects.get()
    assert application.status == Application.Status.IN_PROGRESS
    _sign_out(page)

    _sign_in(page, base, officer.username)
    page.goto(f"{base}/petugas/permohonan/")
    page.get_by_role("link", name=application.tracking_number, exact=False).click()
    page.get_by_label("Catatan atau alasan").fill("KTP buram, mohon unggah ulang.")
    page.get_by_role("button", name="Kembalikan untuk perbaikan").click()
    page.get_by_text("Dikembalikan untuk perbaikan").first.wait_for()
    _sign_out(page)

    _sign_in(page, base, citizen.username)
    page.goto(f"{base}/akun/permohonan/")
    page.get_by_role("link", name=application.tracking_number, exact=False).click()
    assert page.get_by_text("KTP buram, mohon unggah ulang.").first.is_visible()
    page.get_by_label("KTP pemohon").set_input_files(str(_pdf_file(tmp_path, "ktp-jelas.pdf")))
    page.get_by_role("button", name="Kirim permohonan yang sudah diperbaiki").click()
    page.get_by_text("Simpan bukti pendaftaran").wait_for()
    _sign_out(page)

    _sign_in(page, base, officer.username)
    page.goto(f"{base}/petugas/permohonan/{application.pk}/")
    page.get_by_role("button", name="Teruskan").click()
    _sign_out(page)

    _sign_in(page, base, approver.username)
    page.goto(f"{base}/petugas/permohonan/{application.pk}/")
    page.get_by_role("button", name="Setujui dan tandatangani").click()
    # Signing asks once more, on a page of its own: nothing is signed before the answer.
    page.get_by_role("heading", name="Setujui dan tandatangani?").wait_for()
    assert not Application.objects.get().decided_at
    page.get_by_role("button", name="Ya, setujui dan tandatangani").click()
    page.get_by_text("Dokumen terbit").wait_for()
    _sign_out(page)

    _sign_in(page, base, citizen.username)
    page.goto(f"{base}/akun/permohonan/{application.pk}/")
    link = page.get_by_role("link", name="Unduh dan cetak")
    response = page.request.get(base + link.get_attribute("href"))  # the browser's session
    assert response.headers["content-type"] == "application/pdf"
    signed = response.body()
    with ThreadPoolExecutor(1) as pool:  # pyHanko runs its own event loop; Playwright's is busy
        status = pool.submit(
            validate_pdf_signature,
            PdfFileReader(BytesIO(signed)).embedded_signatures[0],
            ValidationContext(trust_roots=signing.trust_roots()),
        ).result()
    assert status.intact and status.valid and status.trusted
    page.get_by_role("link", name="Halaman verifikasi").click()
    page.get_by_text("Asli").first.wait_for()
    application.refresh_from_db()
    assert application.issued_document.number in page.content()
    assert "3271014501900001" not in page.content()


def test_the_form_comes_prefilled_says_what_is_missing_and_fits_a_phone(
    live_server, page, tmp_path
):
    service = WorkflowServiceFactory(
        checked_then_decided=True,
        name="Izin Reklame",
        form_schema=[
            *SCHEMA,
            {"name": "nama", "label": {"id": "Nama lengkap", "en": "Name"}, "type": "text"},
            {"name": "telepon", "label": {"id": "Nomor WhatsApp", "en": "WA"}, "type": "phone"},
            {"name": "mulai", "label": "Tanggal pemasangan", "type": "date", "required": True},
        ],
    )
    RequirementFactory(service=service, text="KTP pemohon", is_mandatory=True)
    citizen = UserFactory(
        first_name="Siti", last_name="Aminah", nik="3271014501900001", phone="+6281234567890"
    )
    base = live_server.url
    _sign_in(page, base, citizen.username)
    page.goto(f"{base}/layanan/{service.pk}/ajukan/")
    page.get_by_role("button", name="Mulai permohonan").click()

    assert page.get_by_label("NIK pemohon").input_value() == "3271014501900001"
    assert page.get_by_label("Nama lengkap").input_value() == "Siti Aminah"
    assert page.get_by_label("Nomor WhatsApp").input_value() == "+6281234567890"
    summary = page.get_by_role("status").filter(has_text="Masih kurang")
    assert summary.is_visible()
    for missing in ("Alamat bangunan", "Tanggal pemasangan", "KTP pemohon"):
        assert summary.get_by_role("link", name=missing).is_visible()
    assert summary.get_by_role("link", name="NIK pemohon").count() == 0

    # Every input is as wide as the form on a 390 px phone, and nothing scrolls sideways.
    form_width = page.locator("form.application-form").bounding_box()["width"]
    for label in (
        "Nomor WhatsApp",
        "Tanggal pemasangan",
        "NIB (khusus pemohon badan usaha)",
        "KTP pemohon",
    ):
        box = page.get_by_label(label).bounding_box()
        assert box["width"] >= form_width - 2, label
        assert box["height"] >= 44, label
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.get_by_label("Nomor WhatsApp").get_attribute("type") == "tel"
    assert page.get_by_label("Tanggal pemasangan").get_attribute("type") == "date"

    page.get_by_label("Alamat bangunan").fill("Jl. Pajajaran 1")
    page.get_by_label("Tanggal pemasangan").fill("2026-12-20")
    page.get_by_label("KTP pemohon").set_input_files(str(_pdf_file(tmp_path, "ktp.pdf")))
    page.get_by_role("button", name="Simpan draf").click()
    page.get_by_text("Semua yang wajib sudah diisi").wait_for()
