"""A walk-in is filed for at the front office; the account made for them has no password. The
claim code the outbox sends them sets one on "Lupa kata sandi", and they sign in and find the
application the officer filed. A walk-in with no phone or email is handed the code on a printed
claim slip, claims the account at /klaim/ and downloads the signed permit."""

import importlib
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.apps import apps
from django.db import connection

from satupintu.cases.models import Application
from satupintu.cases.services.workflow import application_act, application_submit
from satupintu.cases.tests.factories import WorkflowServiceFactory
from satupintu.malls.models import StaffMembership
from satupintu.malls.services import membership_grant
from satupintu.malls.tests.factories import AgencyFactory, MallFactory, UserFactory
from satupintu.notify.models import Channel, Event, Message, MessageTemplate
from satupintu.notify.tests.factories import ensure_default_template

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
AXE_OPTIONS = importlib.import_module("e2e.test_accessibility").AXE_OPTIONS
PASSWORD = "secret-pass-123"  # noqa: S105 - the factories' test password
NEW_PASSWORD = "sandi-ani-yang-baru-2026"  # noqa: S105
CODES = importlib.import_module("satupintu.notify.migrations.0010_account_codes")


def _default_wording() -> None:
    """Transactional tests empty the tables migrations filled: put the codes' wording back."""
    MessageTemplate.objects.filter(event__in=list(CODES.TEXTS), mall=None).delete()
    CODES.create(apps, None)


def _file_for_a_walk_in(page, base: str, *, officer, service, phone: str = "") -> None:
    """The officer signs in and files for Ani, a walk-in (with a WhatsApp number, or none)."""
    page.goto(f"{base}/masuk/")
    page.get_by_label("NIK atau email").fill(officer.username)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.goto(f"{base}/petugas/permohonan/baru/")
    page.get_by_label("Layanan").select_option(str(service.pk))
    page.get_by_label("NIK").fill("3271014501900001")
    page.get_by_label("Nama lengkap").fill("Ani Lestari")
    if phone:
        page.get_by_label("Nomor WhatsApp").fill(phone)
    page.get_by_role("button", name="Lanjut").click()


def test_a_walk_in_claims_the_account_from_the_outbox_and_signs_in(live_server, page):
    _default_wording()
    mall = MallFactory(name="MPP Kota Bogor")
    agency = AgencyFactory(mall=mall, name="DPMPTSP Kota Bogor")
    service = WorkflowServiceFactory(agency=agency, name="Izin Reklame", form_schema=[])
    officer = UserFactory()
    membership_grant(user=officer, role=StaffMembership.Role.FRONT_OFFICE, agency=agency)
    base = live_server.url

    _file_for_a_walk_in(page, base, officer=officer, service=service, phone="0812 3456 7890")
    page.wait_for_url(re.compile(r"/petugas/permohonan/\d+/"))
    application = Application.objects.get()
    page.get_by_role("button", name="Keluar").click()

    claim = Message.objects.get(event=Event.ACCOUNT_CLAIM, fallback_of=None)
    assert claim.channel == Channel.WHATSAPP and claim.to == "+6281234567890"
    code = re.search(r"\b(\d{6})\b", claim.body).group(1)

    page.goto(f"{base}/masuk/")
    page.get_by_role("link", name="Lupa kata sandi?").click()
    page.get_by_label("NIK, email atau nomor WhatsApp").fill("3271 0145 0190 0001")
    page.get_by_role("button", name="Kirimi saya kode").click()
    page.get_by_text("Jika ada akun yang cocok").wait_for()
    page.get_by_label("Kode").fill(code)
    page.get_by_label("Kata sandi baru", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Ulangi kata sandi baru").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Simpan kata sandi").click()
    page.get_by_text("Kata sandi baru Anda sudah tersimpan").wait_for()

    page.get_by_label("NIK atau email").fill("3271014501900001")
    page.get_by_label("Kata sandi").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.get_by_role("link", name="Permohonan").first.click()
    page.get_by_text("Izin Reklame").first.wait_for()
    assert application.applicant.nik == "3271014501900001"


def _approve(application, officer, approver):
    try:
        application = application_submit(application=application, actor=officer)
        application = application_act(application=application, actor=officer, action="forward")
        return application_act(application=application, actor=approver, action="forward")
    finally:
        connection.close()


def test_a_walk_in_without_a_phone_claims_the_account_from_a_slip_and_downloads_the_permit(
    live_server, page
):
    _default_wording()
    for event in (Event.APPLICATION_RECEIVED, Event.DOCUMENT_READY):
        ensure_default_template(event)
    mall = MallFactory(name="MPP Kota Bogor")
    agency = AgencyFactory(mall=mall, name="DPMPTSP Kota Bogor")
    service = WorkflowServiceFactory(
        checked_then_decided=True, agency=agency, name="Izin Reklame", form_schema=[]
    )
    officer, approver = UserFactory(), UserFactory()
    membership_grant(user=officer, role=StaffMembership.Role.FRONT_OFFICE, agency=agency)
    membership_grant(user=approver, role=StaffMembership.Role.APPROVER, agency=agency)
    base = live_server.url

    _file_for_a_walk_in(page, base, officer=officer, service=service)  # no phone, no email: a slip
    page.get_by_role("heading", name="Slip klaim akun").wait_for()
    slip = page.locator(".slip")
    application = Application.objects.get()
    assert application.tracking_number in slip.inner_text()
    code = slip.locator(".code").inner_text().strip()
    assert re.fullmatch(r"\d{6}", code)
    assert not Axe().run(page, options=AXE_OPTIONS).response["violations"]
    page.emulate_media(media="print")  # printed: the slip alone
    assert slip.is_visible() and page.locator("body > header").first.is_hidden()
    assert page.get_by_role("button", name="Buat slip klaim baru").is_hidden()
    page.emulate_media(media="screen")
    page.reload()  # shown once
    page.get_by_text("hanya ditampilkan sekali").first.wait_for()
    assert page.locator(".slip").count() == 0
    page.get_by_role("button", name="Keluar").click()

    # The papers go through the agency's real workflow: checked, then approved and signed (in a
    # thread of its own: pyHanko runs its own event loop, and Playwright's is busy here).
    with ThreadPoolExecutor(1) as pool:
        application = pool.submit(_approve, application, officer, approver).result()
    assert application.issued_document

    page.goto(f"{base}/klaim/")
    assert not Axe().run(page, options=AXE_OPTIONS).response["violations"]
    page.get_by_label("NIK").fill("3271 0145 0190 0001")
    page.get_by_label("Kode").fill(code)
    page.get_by_label("Kata sandi baru", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Ulangi kata sandi baru").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Simpan kata sandi").click()
    page.get_by_text("Akun ini kini milik Anda").wait_for()
    page.get_by_label("NIK atau email").fill("3271014501900001")
    page.get_by_label("Kata sandi").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.goto(f"{base}/akun/permohonan/{application.pk}/")
    link = page.get_by_role("link", name="Unduh dan cetak")
    response = page.request.get(base + link.get_attribute("href"))  # the browser's session
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
