"""A fake OSS on loopback, and the OSS integration of a mall pointing at it."""

import socket

import pytest

from satupintu.cases.oss.fake import USER_KEY, FakeOss

KNOWN_NIB = "8120000000001"


@pytest.fixture
def oss():
    with FakeOss() as fake:
        yield fake


@pytest.fixture
def oss_integration(oss):
    """Builds the active OSS integration of ``mall`` (deployment-wide when None) at the fake."""
    from satupintu.integrations.models import Integration

    def build(mall=None, **options):
        integration = Integration(
            kind=Integration.Kind.OSS,
            provider="oss-rba",
            name="OSS RBA (fake)",
            mall=mall,
            base_url=oss.base_url,
            options=options,
            is_active=True,
        )
        integration.set_secrets({"user_key": USER_KEY})
        integration.save()
        return integration

    return build


@pytest.fixture
def connected(oss, oss_integration, service):
    """The service's mall (``service``: the test module's own) checks NIBs with the fake OSS,
    which knows one business, NIB ``KNOWN_NIB`` (the tests' ``NIB``)."""
    oss.add_nib(
        KNOWN_NIB,
        nama_perseroan="PT Roti Bogor",
        npwp_perseroan="012345617000000",
        alamat_perseroan="Jl. Suryakencana 5",
    )
    return oss_integration(mall=service.agency.mall, check_timeout=0.3)


@pytest.fixture
def closed_url() -> str:
    """The URL of a loopback port nothing listens on: OSS down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"
