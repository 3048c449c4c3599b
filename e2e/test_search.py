"""A citizen on a phone searches "KTP" on the home page and opens the service page."""

import pytest

from satupintu.catalog.tests.factories import RequirementFactory, ServiceFactory
from satupintu.malls.tests.factories import AgencyFactory, MallFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_citizen_searches_ktp_and_opens_the_service(live_server, page):
    mall = MallFactory(name="MPP Kota Bogor", slug="kota-bogor")
    agency = AgencyFactory(mall=mall, name="Dinas Kependudukan dan Pencatatan Sipil")
    ktp = ServiceFactory(
        agency=agency, name="Penerbitan KTP-el Baru", product="KTP-el", duration_working_days=1
    )
    RequirementFactory(service=ktp, text="Fotokopi Kartu Keluarga")
    ServiceFactory(agency=agency, name="Penerbitan Akta Kelahiran")

    page.goto(live_server.url)
    page.get_by_label("Cari layanan").fill("KTP")
    page.get_by_role("button", name="Cari").click()

    results = page.locator(".results .card")
    assert results.count() == 1
    page.get_by_role("link", name="Penerbitan KTP-el Baru").click()

    page.wait_for_url(f"**/layanan/{ktp.pk}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Penerbitan KTP-el Baru"
    assert page.get_by_text("Fotokopi Kartu Keluarga").is_visible()
    assert page.get_by_text("1 hari kerja").first.is_visible()
    assert page.get_by_role("link", name="Pesan kunjungan").is_visible()
