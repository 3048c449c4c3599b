"""Signing backends: who puts the signature on an issued document's PDF.

- ``local``: the agency's key under the platform's CA (``signing``), as the demo and any
  agency without an outside signing service.
- ``bsre-v1`` and ``bsre-v2``: BSSN's BSrE through the region's eSign Client Service
  (``bsre``): the approver's own certificate, unlocked by the passphrase (v2: or a TOTP) they
  type at signing, which is sent once and kept nowhere.

An agency signs through BSrE when an active ``Integration`` of kind BSRE with one of those
providers applies to it (its own, else its mall's, else the deployment's); else locally.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from satupintu.accounts.models import User
from satupintu.malls.models import Agency

LOCAL = "local"


@dataclass(frozen=True)
class SignerSecret:
    """What the approver typed to unlock their certificate. Never stored, logged or shown:
    ``repr`` hides it, and it lives only for the request that signs."""

    passphrase: str = field(default="", repr=False)
    totp: str = field(default="", repr=False)

    def __bool__(self) -> bool:
        return bool(self.passphrase or self.totp)


@dataclass(frozen=True)
class SignRequest:
    """A PDF to sign and what its signature says."""

    pdf: bytes
    agency: Agency
    signer: User
    reason: str
    location: str
    contact: str = ""
    subject: str = ""  # what the signing is for, in the integration's log (no personal data)
    link: str = ""  # the document's verification URL (a visible BSrE signature's QR code)


@dataclass(frozen=True)
class Signed:
    """A signed PDF as the backend returned it, with the backend's key and its reference."""

    pdf: bytes
    backend: str
    reference: str = ""


@dataclass(frozen=True)
class Backend:
    """A way of signing. ``sign(request, integration, secret)`` returns ``Signed`` or raises
    ``CaseError`` with a message for the approver."""

    key: str
    label: str
    sign: Callable[..., Signed]
    remote: bool = False  # the signer's certificate is elsewhere: they give a secret
    totp: bool = False  # a TOTP may replace the passphrase
    # ``send_totp(signer=, integration=)``: the service sends the signer a TOTP (CaseError if not).
    send_totp: Callable[..., None] | None = None
    # ``check(signer=, integration=)``: CaseError if the signer cannot sign there now.
    check: Callable[..., None] | None = None
    # ``identified(signer=, integration=)``: whether the account holds what the outside
    # service knows the signer by (a NIK; for BSrE v2 by email, an email address).
    identified: Callable[..., bool] | None = None

    def identifies(self, signer: User, integration: object) -> bool:
        return self.identified is None or self.identified(signer=signer, integration=integration)


@dataclass(frozen=True)
class Chosen:
    """The backend an agency signs with now, and the integration that configures it."""

    backend: Backend
    integration: object | None = None  # an integrations.models.Integration


BACKENDS: dict[str, Backend] = {}


def register_backend(backend: Backend) -> Backend:
    BACKENDS[backend.key] = backend
    return backend


def backend_for(agency: Agency) -> Chosen:
    """How ``agency`` signs: through the BSrE integration that applies to it, else locally."""
    from satupintu.cases import bsre  # registers the BSrE backends
    from satupintu.integrations.models import Integration
    from satupintu.integrations.services import integration_for

    integration = integration_for(Integration.Kind.BSRE, mall=agency.mall, agency=agency)
    if integration is not None and integration.provider in bsre.PROVIDERS:
        return Chosen(BACKENDS[integration.provider], integration)
    return Chosen(BACKENDS[LOCAL])


def _sign_locally(
    request: SignRequest, *, integration: object = None, secret: object = None
) -> Signed:
    from satupintu.cases.permits.render import sign_locally

    return Signed(pdf=sign_locally(request), backend=LOCAL)


register_backend(Backend(key=LOCAL, label="local", sign=_sign_locally))
