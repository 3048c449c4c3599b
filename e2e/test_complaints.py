"""A confidential complaint: filed, routed by the coordinator, answered, rated by the reporter."""

import importlib
import re

import pytest
from django.core import mail

from satupintu.complaints.models import Report
from satupintu.malls.models import StaffMembership
from satupintu.malls.services import membership_grant
from satupintu.malls.tests.factories import AgencyFactory, MallFactory, UserFactory
from satupintu.notify.models import MessageTemplate

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "secret-pass-123"  # noqa: S105 - the factories' test password


def _sign_in(page, base, login):
    page.goto(f"{base}/masuk/")
    page.get_by_label("NIK atau email").fill(login)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()


def _sign_out(page):
    page.get_by_role("button", name="Keluar").click()


def test_confidential_complaint_from_filing_to_rating(live_server, page):
    mall = MallFactory(name="MPP Kota Bogor")
    agency = AgencyFactory(mall=mall, name="Disdukcapil Kota Bogor")
    coordinator, officer = UserFactory(), UserFactory()
    membership_grant(user=coordinator, role=StaffMembership.Role.MALL_MANAGER, mall=mall)
    membership_grant(user=officer, role=StaffMembership.Role.FRONT_OFFICE, agency=agency)

    page.goto(f"{live_server.url}/pengaduan/")
    page.get_by_label("Mal Pelayanan Publik").select_option(label="MPP Kota Bogor")
    page.get_by_label("Judul").fill("Diminta uang di loket KTP-el")
    page.get_by_label("Apa yang terjadi").fill("Petugas meminta Rp50.000 agar KTP-el cepat jadi.")
    page.get_by_label("Rahasia").check()
    page.get_by_label("Nama Anda").fill("Budi Santoso")
    page.get_by_label("Alamat email").fill("budi@example.id")
    page.get_by_role("button", name="Kirim laporan").click()
    page.wait_for_url("**/pengaduan/LPR-*/*/")
    follow = page.url
    report = Report.objects.get()
    assert report.tracking_id in page.content()

    _sign_in(page, live_server.url, coordinator.username)
    page.goto(f"{live_server.url}/petugas/pengaduan/{report.tracking_id}/")
    assert page.get_by_text("budi@example.id").is_visible()
    page.get_by_label("Instansi").select_option(label="Disdukcapil Kota Bogor")
    page.get_by_role("button", name="Teruskan").click()
    _sign_out(page)

    _sign_in(page, live_server.url, officer.username)
    page.goto(f"{live_server.url}/petugas/pengaduan/{report.tracking_id}/")
    assert page.get_by_text("budi@example.id").count() == 0  # confidential
    page.get_by_label("Jawaban").fill("Petugas telah diberi sanksi; biaya dikembalikan.")
    page.get_by_role("button", name="Kirim jawaban").click()
    _sign_out(page)

    page.goto(follow)
    assert page.get_by_text("Petugas telah diberi sanksi").is_visible()
    page.get_by_label("Seberapa baik jawabannya?").select_option("5")
    page.get_by_role("button", name="Beri nilai dan tutup").click()
    report.refresh_from_db()
    assert report.status == Report.Status.CLOSED and report.rating == 5


def _filing_wording():
    """The default wording of the filing message: a transactional test's database is emptied
    after each test, the migrations' rows with it."""
    defaults = importlib.import_module("satupintu.notify.migrations.0002_default_templates")
    filed = importlib.import_module(
        "satupintu.notify.migrations.0010_complaint_filed_consultation_answered"
    )
    if not MessageTemplate.objects.filter(event="complaint_filed").exists():
        MessageTemplate.objects.bulk_create(defaults.rows_for(MessageTemplate, filed.TEXTS))


def test_signed_in_complaint_is_under_my_complaints_and_its_link_arrives_by_email(
    live_server, page, settings
):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    mail.outbox = []
    _filing_wording()
    MallFactory(name="MPP Kota Bogor")
    citizen = UserFactory(
        first_name="Siti", email="siti@example.id", notification_channels=["email"]
    )
    _sign_in(page, live_server.url, citizen.username)

    page.goto(f"{live_server.url}/pengaduan/")
    page.get_by_label("Mal Pelayanan Publik").select_option(label="MPP Kota Bogor")
    page.get_by_label("Judul").fill("Antrean KTP-el tidak bergerak")
    page.get_by_label("Apa yang terjadi").fill("Dua jam menunggu tanpa ada panggilan.")
    page.get_by_role("button", name="Kirim laporan").click()
    page.wait_for_url("**/pengaduan/LPR-*/*/")
    report = Report.objects.get()
    tracking, secret = page.url.rstrip("/").rsplit("/", 2)[-2:]
    assert page.locator("#receipt-tracking").inner_text() == report.tracking_id == tracking
    assert page.locator("#receipt-secret").inner_text() == secret
    assert page.get_by_role("button", name="Cetak tanda terima").is_visible()  # script ran
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name="Salin kode rahasia").click()
    page.get_by_text("Disalin").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == secret

    page.get_by_role("link", name="Pengaduan saya").click()
    page.get_by_role("link", name="Antrean KTP-el tidak bergerak").click()
    assert page.get_by_text(report.tracking_id).first.is_visible()
    assert page.get_by_text("siti@example.id").is_visible()

    [email] = [m for m in mail.outbox if m.to == ["siti@example.id"]]
    follow = re.search(r"https?://\S+/pengaduan/\S+/", email.body).group(0)
    assert follow.endswith(f"/pengaduan/{tracking}/{secret}/")
    html = email.alternatives[0].content
    assert f'href="{follow}"' in html
    page.goto(live_server.url + follow[follow.index("/pengaduan/") :])
    assert page.get_by_text("Dua jam menunggu tanpa ada panggilan.").is_visible()
