"""A confidential complaint: filed, routed by the coordinator, answered, rated by the reporter."""

import pytest

from satupintu.complaints.models import Report
from satupintu.malls.models import StaffMembership
from satupintu.malls.services import membership_grant
from satupintu.malls.tests.factories import AgencyFactory, MallFactory, UserFactory

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
