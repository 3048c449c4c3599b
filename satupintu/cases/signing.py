"""The agencies' signing keys, the certificate authority (CA) that vouches for them, and PAdES.

Everything lives as PEM files in ``settings.SIGNING_DIR``:

- ``ca.crt.pem``: the CA certificate(s) published at ``/verify/ca.pem``; whoever trusts them
  can validate an issued document offline. In production it is the root of the agencies'
  real certificates (several roots may be concatenated).
- ``ca.key.pem``: the demo CA's private key; only the demo has one.
- ``agency-<pk>.key.pem`` and ``agency-<pk>.crt.pem``: an agency's signing key and its
  certificate, optionally followed by the intermediate certificates up to the CA.

With ``settings.SIGNING_DEMO_CA`` the demo makes a missing CA or agency key on first need
(EC P-256); without it a missing file is a ``SigningError`` naming it.
"""

import datetime
import fcntl
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.utils.translation import gettext as _
from pyhanko.keys import load_certs_from_pemder_data
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.errors import PathError
from pyhanko_certvalidator.errors import ValidationError as CertificateInvalid
from pyhanko_certvalidator.registry import SimpleCertificateStore

from satupintu.malls.models import Agency

CA_CERT = "ca.crt.pem"
CA_KEY = "ca.key.pem"
CA_YEARS = 10
AGENCY_YEARS = 3
# X.509 (RFC 5280) caps a common name and an organisation name at 64 characters.
NAME_LIMIT = 64


class SigningError(Exception):
    """Keys or certificates are missing, broken, or do not lead to the published CA."""


@dataclass(frozen=True)
class AgencyMaterial:
    """An agency's key and certificate, the certificates between it and the CA, the CA."""

    key: asn1_keys.PrivateKeyInfo
    certificate: asn1_x509.Certificate
    chain: list[asn1_x509.Certificate]
    roots: list[asn1_x509.Certificate]


def signing_dir() -> Path:
    return Path(settings.SIGNING_DIR)


def ca_certificate_path() -> Path:
    """The published CA certificate, made first if the demo CA is on."""
    return _ensure_ca()


def ca_certificate_pem() -> bytes:
    return ca_certificate_path().read_bytes()


def ca_fingerprint() -> str:
    """SHA-256 of the (first) CA certificate, as ``AB:CD:...``, to compare what one downloaded."""
    certificate = x509.load_pem_x509_certificates(ca_certificate_pem())[0]
    return certificate.fingerprint(hashes.SHA256()).hex(":").upper()


def trust_roots() -> list[asn1_x509.Certificate]:
    """The certificates a validator trusts: every one in ``ca.crt.pem``."""
    return list(load_certs_from_pemder_data(ca_certificate_pem()))


def agency_paths(agency: Agency) -> tuple[Path, Path]:
    """Where ``agency``'s key and certificate are (or go)."""
    directory = signing_dir()
    return directory / f"agency-{agency.pk}.key.pem", directory / f"agency-{agency.pk}.crt.pem"


def ensure_agency_key(agency: Agency) -> tuple[Path, Path]:
    """``agency``'s key and certificate files; the demo CA makes them when they are missing,
    when its certificate expired, or when the demo CA was made anew since."""
    key_path, cert_path = agency_paths(agency)
    ca_path = _ensure_ca()
    # Certificates the operator placed (the CA has no key here) are theirs to renew.
    demo_ca = settings.SIGNING_DEMO_CA and ca_path.with_name(CA_KEY).exists()
    if key_path.exists() and cert_path.exists():
        if not demo_ca or _demo_certificate_good(cert_path, ca_path, agency):
            return key_path, cert_path
    elif not settings.SIGNING_DEMO_CA:
        raise SigningError(
            _("No signing key for %(agency)s: place %(key)s and %(cert)s.")
            % {"agency": agency.name, "key": key_path, "cert": cert_path}
        )
    with _locked(exclusive=True):
        if not (
            key_path.exists()
            and cert_path.exists()
            and _demo_certificate_good(cert_path, ca_path, agency)
        ):
            _make_agency_key(agency, key_path, cert_path)
    return key_path, cert_path


def agency_material(agency: Agency) -> AgencyMaterial:
    """``agency``'s key and certificates, checked to belong together."""
    key_path, cert_path = ensure_agency_key(agency)
    with _locked(exclusive=False):
        key_pem, cert_pem, ca_pem = (
            key_path.read_bytes(),
            cert_path.read_bytes(),
            signing_dir().joinpath(CA_CERT).read_bytes(),
        )
    try:
        key = serialization.load_pem_private_key(key_pem, password=None)
        certificates = x509.load_pem_x509_certificates(cert_pem)
        roots = list(load_certs_from_pemder_data(ca_pem))
    except ValueError as broken:
        raise SigningError(
            _("The signing files of %(agency)s cannot be read: %(error)s")
            % {"agency": agency.name, "error": broken}
        ) from broken
    if _public_der(key.public_key()) != _public_der(certificates[0].public_key()):
        raise SigningError(
            _("%(key)s does not belong to the certificate in %(cert)s.")
            % {"key": key_path, "cert": cert_path}
        )
    der = serialization.Encoding.DER
    return AgencyMaterial(
        key=asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        ),
        certificate=asn1_x509.Certificate.load(certificates[0].public_bytes(der)),
        chain=[asn1_x509.Certificate.load(c.public_bytes(der)) for c in certificates[1:]],
        roots=roots,
    )


def sign_pdf(
    pdf: bytes,
    *,
    agency: Agency,
    reason: str,
    location: str,
    signer_name: str = "",
    contact: str = "",
) -> bytes:
    """``pdf`` with a PAdES signature of ``agency`` added as an incremental update.

    It certifies the document (DocMDP: no changes allowed), so a reader flags any later edit.
    Before signing, pyHanko checks the agency's certificate leads to the published CA: what
    is issued validates against ``/verify/ca.pem``. No time stamp and no revocation data are
    embedded, so signing needs no network.
    """
    material = agency_material(agency)
    signer = signers.SimpleSigner(
        signing_cert=material.certificate,
        signing_key=material.key,
        cert_registry=SimpleCertificateStore.from_certs([*material.chain, *material.roots]),
    )
    metadata = signers.PdfSignatureMetadata(
        field_name="Signature1",
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
        name=signer_name or None,
        contact_info=contact or None,
        certify=True,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES,
        embed_validation_info=False,
        validation_context=ValidationContext(
            trust_roots=material.roots, other_certs=material.chain
        ),
    )
    try:
        output = signers.PdfSigner(metadata, signer=signer).sign_pdf(
            IncrementalPdfFileWriter(BytesIO(pdf))
        )
    except (PyHankoSigningError, PathError, CertificateInvalid) as refused:
        raise SigningError(
            _("The certificate of %(agency)s cannot sign: %(error)s")
            % {"agency": agency.name, "error": refused}
        ) from refused
    return output.getvalue()


# --- the demo CA -------------------------------------------------------------------------


@contextmanager
def _locked(*, exclusive: bool) -> Iterator[None]:
    """Serialise the demo's key making across threads and processes (flock on a lock file).

    Without the demo CA nothing is ever written, and the directory may be read-only."""
    if not settings.SIGNING_DEMO_CA:
        yield
        return
    directory = signing_dir()
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(directory / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield
    finally:
        os.close(descriptor)  # closing releases the lock


def _write_atomically(path: Path, data: bytes, mode: int) -> None:
    """Readers see the old file or the whole new one, never a half-written one."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _ensure_ca() -> Path:
    path = signing_dir() / CA_CERT
    if path.exists():
        return path
    if not settings.SIGNING_DEMO_CA:
        raise SigningError(
            _(
                "No CA certificate at %(path)s. Place the CA certificate there, or set "
                "SIGNING_DEMO_CA=true to let the demo make its own."
            )
            % {"path": path}
        )
    with _locked(exclusive=True):
        if not path.exists():
            _make_ca(path)
    return path


def _public_der(public_key: Any) -> bytes:
    return public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _usage(*, signing: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=signing,
        content_commitment=signing,  # nonRepudiation
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=not signing,
        crl_sign=not signing,
        encipher_only=False,
        decipher_only=False,
    )


def _make_ca(cert_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "Satu Pintu Demo CA"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Satu Pintu (demo)"),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=365 * CA_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(signing=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    # The key first: a certificate on disk always has its key beside it.
    _write_atomically(cert_path.with_name(CA_KEY), _key_pem(key), 0o600)
    _write_atomically(cert_path, certificate.public_bytes(serialization.Encoding.PEM), 0o644)


def _demo_certificate_good(cert_path: Path, ca_path: Path, agency: Agency) -> bool:
    """Whether the demo may keep using an agency certificate: issued by today's CA, in date,
    naming the agency as it is called now."""
    try:
        certificate = x509.load_pem_x509_certificates(cert_path.read_bytes())[0]
        ca = x509.load_pem_x509_certificates(ca_path.read_bytes())[0]
        certificate.verify_directly_issued_by(ca)
    except (ValueError, TypeError, InvalidSignature):
        return False
    if certificate.subject != agency_subject(agency):
        return False
    return certificate.not_valid_after_utc > datetime.datetime.now(datetime.UTC)


def agency_subject(agency: Agency) -> x509.Name:
    """The subject of an agency's certificate: its name in full as the organisation (what a
    PDF reader shows of the signer), the common name too when it fits X.509's 64 characters,
    else its short name with its mall's (never a name cut off mid-word)."""
    common = agency.name
    if len(common) > NAME_LIMIT:
        common = f"{agency.short_name or agency.slug.upper()} {agency.mall.name}"
    if len(common) > NAME_LIMIT:
        common = (agency.short_name or agency.slug.upper())[:NAME_LIMIT]
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, agency.name),
            x509.NameAttribute(NameOID.LOCALITY_NAME, agency.mall.name),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
        ]
    )


def _make_agency_key(agency: Agency, key_path: Path, cert_path: Path) -> None:
    ca_dir = cert_path.parent
    if not (ca_dir / CA_KEY).exists():
        raise SigningError(
            _("The demo CA cannot issue a key for %(agency)s: %(path)s is missing.")
            % {"agency": agency.name, "path": ca_dir / CA_KEY}
        )
    ca_key = serialization.load_pem_private_key((ca_dir / CA_KEY).read_bytes(), password=None)
    ca = x509.load_pem_x509_certificates((ca_dir / CA_CERT).read_bytes())[0]
    ca_public = ca.public_key()
    # The demo CA is made by _make_ca, with an elliptic-curve key.
    if not isinstance(ca_key, ec.EllipticCurvePrivateKey) or not isinstance(
        ca_public, ec.EllipticCurvePublicKey
    ):
        raise SigningError(
            _("The demo CA in %(path)s has no elliptic-curve key.") % {"path": ca_dir}
        )
    key = ec.generate_private_key(ec.SECP256R1())
    subject = agency_subject(agency)
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(
            min(now + datetime.timedelta(days=365 * AGENCY_YEARS), ca.not_valid_after_utc)
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(signing=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_public),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    _write_atomically(key_path, _key_pem(key), 0o600)
    _write_atomically(cert_path, certificate.public_bytes(serialization.Encoding.PEM), 0o644)
