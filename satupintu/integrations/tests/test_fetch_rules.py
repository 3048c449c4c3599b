"""The links an outside system hands us (OSS's file URLs) are fetched only from that system's
own hosts: its base URL's host and port or its allow-list, https or its own scheme, never a
private or loopback address unless its base URL is one, and never through a redirect. Each
refusal happens before any request is made (the loopback servers count what they receive)."""

import pytest
import requests

from satupintu.integrations import http
from satupintu.integrations.fakes import FakeRequest, FakeResponse, FakeServer
from satupintu.integrations.models import Integration
from satupintu.integrations.registry import CallFailed
from satupintu.integrations.services import integration_fetch_rules

# A public address (not private, loopback, link-local or documentation): never contacted.
PUBLIC_BASE = "https://103.28.12.7/v1/kl/rba"


class Files(FakeServer):
    """Serves a PDF-ish body at /ok, a redirect to ``elsewhere`` at /moved."""

    def __init__(self) -> None:
        super().__init__()
        self.elsewhere = ""

    def handle(self, request: FakeRequest) -> FakeResponse:
        if request.path == "/moved":
            return FakeResponse(302, b"", {"Location": self.elsewhere})
        return FakeResponse(200, b"%PDF-1.4 ok")


@pytest.fixture
def files():
    with Files() as server:
        yield server


@pytest.fixture
def other():
    with Files() as server:
        yield server


def test_the_base_urls_own_host_and_port_is_fetched(files):
    rules = http.fetch_rules(files.base_url + "/oss")
    assert http.fetch(files.base_url + "/ok", rules=rules, max_bytes=100) == b"%PDF-1.4 ok"


def test_another_port_of_the_same_loopback_host_is_refused_unasked(files, other):
    rules = http.fetch_rules(files.base_url)
    with pytest.raises(CallFailed) as refused:
        http.fetch(other.base_url + "/ok", rules=rules, max_bytes=100)
    assert "host not allowed" in refused.value.message and refused.value.retry is False
    assert other.requests == []


def test_a_host_of_the_allow_list_is_fetched(files, other):
    rules = http.fetch_rules(files.base_url, [other.base_url.removeprefix("http://")])
    assert http.fetch(other.base_url + "/ok", rules=rules, max_bytes=100) == b"%PDF-1.4 ok"


def test_a_redirect_is_refused_not_followed(files, other):
    files.elsewhere = other.base_url + "/ok"
    rules = http.fetch_rules(files.base_url, [other.base_url.removeprefix("http://")])
    with pytest.raises(CallFailed) as refused:
        http.fetch(files.base_url + "/moved", rules=rules, max_bytes=100)
    assert "redirect" in refused.value.message and refused.value.retry is False
    assert other.requests == []


def test_a_loopback_host_is_refused_when_the_system_is_public_even_on_the_allow_list(files):
    loopback = files.base_url.removeprefix("http://")
    rules = http.fetch_rules(PUBLIC_BASE, [loopback, "localhost"])
    for url in (f"https://{loopback}/ok", f"http://{loopback}/ok", "https://localhost/x"):
        with pytest.raises(CallFailed) as refused:
            http.fetch(url, rules=rules, max_bytes=100)
        assert refused.value.retry is False
    assert files.requests == []
    assert http.url_refusal(f"https://{loopback}/ok", rules) == "link refused: private address"


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://103.28.12.7/file.pdf", "scheme http"),  # the system speaks https
        ("ftp://103.28.12.7/file.pdf", "scheme ftp"),
        ("file:///etc/passwd", "scheme file"),
        ("https://169.254.169.254/latest/meta-data", "host not allowed"),
        ("https://103.28.12.7:8443/file.pdf", "host not allowed"),  # another port
        ("https://files.oss.example.evil/x", "host not allowed"),
        ("https://user:pw@103.28.12.7/x", "credentials"),
        ("https://103.28.12.7/a b", "control characters"),
        ("https://103.28.12.7:99999/x", "not a URL"),
    ],
)
def test_what_a_public_system_links_to_is_checked_before_anything_is_asked(url, why):
    refusal = http.url_refusal(url, http.fetch_rules(PUBLIC_BASE, ["files.oss.example"]))
    assert refusal is not None and why in refusal


def test_the_allow_list_comes_from_the_integrations_options():
    integration = Integration(
        kind=Integration.Kind.OSS,
        base_url=PUBLIC_BASE,
        options={"file_hosts": "files.oss.example, 103.28.12.8:8443"},
    )
    rules = integration_fetch_rules(integration)
    assert rules.origins == {
        ("103.28.12.7", 443),
        ("files.oss.example", 80),
        ("files.oss.example", 443),
        ("103.28.12.8", 8443),
    }
    assert rules.schemes == {"https"}
    assert http.url_refusal("https://files.oss.example/x", rules, resolve=False) is None
    assert http.url_refusal("https://103.28.12.8:8443/x", rules, resolve=False) is None
    integration.options = {"file_hosts": 42}
    assert integration_fetch_rules(integration).origins == {("103.28.12.7", 443)}


def test_the_connection_itself_refuses_a_private_peer_before_sending_anything(files):
    """Even a host that passed the check and then resolves elsewhere (DNS rebinding) reaches
    no private address: the address connected to is checked before the request is sent."""
    with (
        http.guarded_session(private_ok=False) as session,
        pytest.raises(requests.exceptions.ConnectionError) as refused,
    ):
        session.get(files.base_url + "/ok", timeout=2)
    assert http.PRIVATE_REFUSED in str(refused.value)
    assert files.requests == []
    with http.guarded_session(private_ok=True) as session:
        assert session.get(files.base_url + "/ok", timeout=2).content == b"%PDF-1.4 ok"
