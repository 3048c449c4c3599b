import pytest
from django.urls import reverse

from satupintu.catalog.models import DownloadableForm
from satupintu.catalog.tests.factories import RequirementFactory, ServiceFactory
from satupintu.demo.seed import blank_form_pdf
from satupintu.malls.tests.factories import AgencyFactory, AnnouncementFactory, MallFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ktp():
    mall = MallFactory(slug="kota-bogor", name="MPP Kota Bogor")
    agency = AgencyFactory(mall=mall, name="Disdukcapil Kota Bogor", slug="disdukcapil")
    service = ServiceFactory(
        agency=agency,
        name="Penerbitan KTP-el Baru",
        product="KTP-el",
        complaint_handling="SP4N-LAPOR! dan WhatsApp MPP",
    )
    RequirementFactory(service=service, text="Fotokopi Kartu Keluarga")
    return service


def test_home_search_finds_a_service_in_indonesian(client, ktp):
    page = client.get("/", {"q": "kartu tanda penduduk"})
    assert page.status_code == 200
    assert "Penerbitan KTP-el Baru" in page.text
    assert "1 layanan ditemukan" in page.text
    assert 'lang="id"' in page.text


def test_home_search_is_filtered_by_the_chosen_mall(client, ktp):
    other = AgencyFactory(mall=MallFactory(slug="kabupaten-probolinggo", name="MPP Probolinggo"))
    ServiceFactory(agency=other, name="Penerbitan KTP-el Probolinggo")

    everywhere = client.get("/", {"q": "ktp"})
    assert "2 layanan ditemukan" in everywhere.text
    assert '<option value="kabupaten-probolinggo">' in everywhere.text

    one_mall = client.get("/", {"q": "ktp", "mall": "kabupaten-probolinggo"})
    assert "1 layanan ditemukan" in one_mall.text
    assert "Penerbitan KTP-el Probolinggo" in one_mall.text
    assert "Penerbitan KTP-el Baru" not in one_mall.text


def test_home_lists_malls_with_counts(client, ktp):
    page = client.get("/")
    assert "MPP Kota Bogor" in page.text and "1 instansi · 1 layanan" in page.text


def test_english_is_the_second_language(client, ktp):
    page = client.get("/en/", {"q": "ktp"})
    assert 'lang="en"' in page.text and "1 service found" in page.text


def test_language_switch_remembers_english(client, ktp):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response.headers["location"] == "/en/"


def test_service_page_shows_the_six_public_components(client, ktp):
    page = client.get(reverse("portal:service", args=[ktp.pk])).text
    for label in (
        "Persyaratan",
        "Prosedur",
        "Jangka waktu",
        "Biaya",
        "Produk",
        "Pengaduan, saran dan masukan",
    ):
        assert label in page, label
    assert "Fotokopi Kartu Keluarga" in page and "Gratis" in page
    assert "3 hari kerja" in page and "SP4N-LAPOR!" in page


def test_paid_service_shows_the_fee_in_rupiah(client, ktp):
    skck = ServiceFactory(agency=ktp.agency, name="SKCK", paid=True)
    assert "Rp30.000" in client.get(reverse("portal:service", args=[skck.pk])).text


def test_service_page_offers_forms_and_the_right_buttons(client, ktp):
    from django.core.files.base import ContentFile

    form = DownloadableForm(service=ktp, title="Formulir F-1.01")
    form.file.save("f101.pdf", ContentFile(blank_form_pdf("F-1.01")))
    page = client.get(reverse("portal:service", args=[ktp.pk])).text
    assert "Formulir F-1.01" in page and "Pesan kunjungan" in page and "Ajukan daring" in page
    download = client.get(form.file.url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF-")

    in_person = ServiceFactory(agency=ktp.agency, in_person_only=True)
    page = client.get(reverse("portal:service", args=[in_person.pk])).text
    assert "Pesan kunjungan" in page and "Ajukan daring" not in page


def test_announcements_show_on_every_page_of_that_mall(client, ktp):
    mall = ktp.agency.mall
    AnnouncementFactory(mall=mall, title="MPP tutup sampai 11 April")
    AnnouncementFactory(title="Pengumuman MPP lain")
    for url in (
        reverse("portal:mall", args=[mall.slug]),
        reverse("portal:agency", args=[mall.slug, ktp.agency.slug]),
        reverse("portal:service", args=[ktp.pk]),
    ):
        page = client.get(url).text
        assert "MPP tutup sampai 11 April" in page and "Pengumuman MPP lain" not in page


def test_mall_page_has_agencies_hours_and_contacts(client, ktp):
    page = client.get(reverse("portal:mall", args=["kota-bogor"])).text
    assert "Disdukcapil Kota Bogor" in page and "+6281110001234" in page
    assert "Jam layanan" in page


def test_unknown_pages_are_404_in_indonesian(client, ktp):
    for url in ("/mpp/tidak-ada/", "/layanan/999999/", "/mpp/kota-bogor/instansi/tidak-ada/"):
        response = client.get(url)
        assert response.status_code == 404
        assert "Halaman tidak ditemukan" in response.text


def test_overlong_query_is_refused_with_a_message(client, ktp):
    page = client.get("/", {"q": "k" * 300})
    assert page.status_code == 200
    assert "paling banyak 200 karakter" in page.text


def test_result_list_query_count_is_bounded(client, ktp, django_assert_max_num_queries):
    ServiceFactory.create_batch(25, agency=ktp.agency, name="Penerbitan Akta")
    with django_assert_max_num_queries(8):
        client.get("/", {"q": "penerbitan"})
