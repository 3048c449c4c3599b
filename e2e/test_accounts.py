"""A walk-in is filed for at the front office; the account made for them has no password. The
claim code the outbox sends them sets one on "Lupa kata sandi", and they sign in and find the
application the officer filed."""

import importlib
import re

import pytest
from django.apps import apps

from satupintu.cases.models import Application
from satupintu.cases.tests.factories import WorkflowServiceFactory
from satupintu.malls.models import StaffMembership
from satupintu.malls.services import membership_grant
from satupintu.malls.tests.factories import AgencyFactory, MallFactory, UserFactory
from satupintu.notify.models import Channel, Event, Message, MessageTemplate

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "secret-pass-123"  # noqa: S105 - the factories' test password
NEW_PASSWORD = "sandi-ani-yang-baru-2026"  # noqa: S105
CODES = importlib.import_module("satupintu.notify.migrations.0010_account_codes")


def _default_wording() -> None:
    """Transactional tests empty the tables migrations filled: put the codes' wording back."""
    MessageTemplate.objects.filter(event__in=list(CODES.TEXTS), mall=None).delete()
    CODES.create(apps, None)


def test_a_walk_in_claims_the_account_from_the_outbox_and_signs_in(live_server, page):
    _default_wording()
    mall = MallFactory(name="MPP Kota Bogor")
    agency = AgencyFactory(mall=mall, name="DPMPTSP Kota Bogor")
    service = WorkflowServiceFactory(agency=agency, name="Izin Reklame", form_schema=[])
    officer = UserFactory()
    membership_grant(user=officer, role=StaffMembership.Role.FRONT_OFFICE, agency=agency)
    base = live_server.url

    page.goto(f"{base}/masuk/")
    page.get_by_label("NIK atau email").fill(officer.username)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.goto(f"{base}/petugas/permohonan/baru/")
    page.get_by_label("Layanan").select_option(str(service.pk))
    page.get_by_label("NIK").fill("3271014501900001")
    page.get_by_label("Nama lengkap").fill("Ani Lestari")
    page.get_by_label("Nomor WhatsApp").fill("0812 3456 7890")
    page.get_by_role("button", name="Lanjut").click()
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
