"""Search tolerates typos and Indonesian word variants, on PostgreSQL as in production."""

import pytest

from satupintu.catalog import search
from satupintu.catalog.selectors import service_search
from satupintu.catalog.tests.factories import ServiceFactory
from satupintu.malls.tests.factories import AgencyFactory, MallFactory


@pytest.mark.parametrize("query", ["KTP", "ktp-el", "e-KTP", "Kartu Tanda Penduduk", "KTPel"])
def test_ways_of_writing_ktp_reduce_to_one_term(query):
    assert search.query_terms(query) == ["ktp"]


def test_affixed_words_reduce_to_their_root():
    assert search.stem("perizinan") == "izin"
    assert search.stem("pendaftaran") == search.stem("daftar") == "daftar"


def test_short_abbreviations_match_whole_words_only():
    assert search.tsquery(["sip", "dokter"]) == "sip & dokter:*"


@pytest.fixture
def catalog(db):
    mall = MallFactory(slug="kota-bogor")
    dukcapil = AgencyFactory(mall=mall, name="Dinas Kependudukan dan Pencatatan Sipil")
    dpmptsp = AgencyFactory(mall=mall, name="DPMPTSP")
    polres = AgencyFactory(
        mall=MallFactory(slug="kab-probolinggo"), name="Polres Probolinggo", vertical=True
    )
    return {
        "ktp": ServiceFactory(agency=dukcapil, name="Penerbitan KTP-el Baru"),
        "akta": ServiceFactory(agency=dukcapil, name="Penerbitan Akta Kelahiran", online_only=True),
        "pbg": ServiceFactory(
            agency=dpmptsp,
            name="Persetujuan Bangunan Gedung (PBG)",
            keywords="IMB, izin mendirikan bangunan",
        ),
        "sip": ServiceFactory(
            agency=dpmptsp, name="Surat Izin Praktik Dokter", in_person_only=True
        ),
        "skck": ServiceFactory(agency=polres, name="Penerbitan SKCK Baru", paid=True),
    }


def _names(qs):
    return [s.name for s in qs]


@pytest.mark.parametrize("query", ["KTP", "KTP-el", "kartu tanda penduduk", "e-ktp"])
def test_every_way_of_asking_for_a_ktp_finds_it(catalog, query):
    assert _names(service_search(query=query))[0] == "Penerbitan KTP-el Baru"


@pytest.mark.parametrize("query", ["akta kelahran", "akte kelahiran", "kelahiran"])
def test_typos_and_variants_find_the_birth_certificate(catalog, query):
    assert "Penerbitan Akta Kelahiran" in _names(service_search(query=query))


def test_old_name_imb_finds_pbg(catalog):
    assert _names(service_search(query="izin mendirikan bangunan")) == [
        "Persetujuan Bangunan Gedung (PBG)"
    ]


def test_sip_does_not_match_every_civil_registry_service(catalog):
    assert _names(service_search(query="izin praktik dokter")) == ["Surat Izin Praktik Dokter"]


def test_search_within_one_mall(catalog):
    bogor = catalog["ktp"].agency.mall
    found = set(_names(service_search(query="penerbitan", mall=bogor)))
    assert found == {"Penerbitan Akta Kelahiran", "Penerbitan KTP-el Baru"}


def test_channel_filter(catalog):
    online = _names(service_search(channel="online"))
    assert "Penerbitan Akta Kelahiran" in online and "Surat Izin Praktik Dokter" not in online
    in_person = _names(service_search(channel="in_person"))
    assert "Surat Izin Praktik Dokter" in in_person and "Penerbitan Akta Kelahiran" not in in_person


def test_when_no_service_matches_every_word_any_word_is_enough(catalog):
    assert _names(service_search(query="skck hilang")) == ["Penerbitan SKCK Baru"]


def test_inactive_services_are_not_found(catalog):
    catalog["ktp"].is_active = False
    catalog["ktp"].save()
    assert "Penerbitan KTP-el Baru" not in _names(service_search(query="ktp"))


def test_a_query_of_only_filler_words_finds_nothing(catalog):
    assert _names(service_search(query="cara mengurus layanan")) == []


def test_the_sqlite_demo_queries_fts5_as_postgresql_queries_tsquery():
    assert search.fts5_query(["sip", "dokter"]) == '"sip" AND "dokter"*'
    assert search.fts5_query(["akta", "kk"], operator="|") == '"akta"* OR "kk"'


def test_a_typo_keeps_most_trigrams_of_the_words_it_misspells():
    document = search.document_text("Penerbitan KTP-el", "kartu tanda penduduk")
    assert search.trigram_similarity("kartu tanda pendudk", document) >= 0.9
    assert search.trigram_similarity("surat izin praktik", document) < 0.6
