"""Fixtures shared by every app's tests."""

import pytest
from django.utils import translation

from satupintu.catalog.tests.factories import RequirementFactory, ServiceFactory
from satupintu.malls.tests.factories import AgencyFactory, MallFactory, OpeningHoursFactory
from satupintu.notify.tests.conftest import SMTPServer


@pytest.fixture(autouse=True)
def _indonesian_by_default(settings):
    """Each test starts in the default language, whatever the previous one activated."""
    settings.LANGUAGE_CODE = "id"
    with translation.override("id"):
        yield


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }


@pytest.fixture(autouse=True)
def _signing_keys_in_tmp(settings, tmp_path_factory):
    """The demo CA and agency keys of the tests live in one tmp folder per run, not in var/."""
    settings.SIGNING_DIR = tmp_path_factory.getbasetemp() / "signing"


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """Passwords hashed cheaply: the real hashers are slow on purpose, and tests make hundreds
    of people. A test of rehashing lists the stronger hasher before this one."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _second_factor_off(settings):
    """Tests sign staff in with force_login; the tests of the second factor turn it on."""
    settings.TWO_FACTOR_REQUIRED = False


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttles and caches count per test, not across the run."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def bogor():
    """MPP Kota Bogor with its hours: two agencies, a service online with a requirement and one
    in person and paid (the API tests of malls and of the catalog)."""
    mall = MallFactory(slug="kota-bogor", name="MPP Kota Bogor")
    OpeningHoursFactory(mall=mall)
    agency = AgencyFactory(mall=mall, name="Disdukcapil Kota Bogor")
    ktp = ServiceFactory(agency=agency, name="Penerbitan KTP-el")
    RequirementFactory(service=ktp, text="Fotokopi KK")
    ServiceFactory(
        agency=AgencyFactory(mall=mall),
        name="Surat Izin Praktik Bidan",
        in_person_only=True,
        paid=True,
    )
    return mall


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server (aiosmtpd) on loopback, and Django's mail sent to it."""
    server = SMTPServer()
    server.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": server.port, "timeout": 5},
        }
    }
    yield server
    server.stop()
