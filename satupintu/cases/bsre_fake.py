"""A fake BSrE eSign Client Service for the tests and ``manage.py run_fakes``: a real HTTP
server on loopback speaking v1 (multipart) and v2 (JSON + base64) as the digest
(shared/national-systems.md, section 2) describes them, signing for real.

It makes a throwaway CA and, per signer, a certificate under it, and signs with pyHanko
(PAdES, no time stamp: what BSrE's PAdES-BASELINE-T looks like to a validator without the
TSA). Its odd cases: wrong Basic auth → 401 with Spring's JSON; wrong passphrase → HTTP 400
``{"error", "status_code": 2031}``; an unknown NIK → 2011; an empty or broken PDF → 500 JSON;
``delay`` seconds before answering, for the timeout; v2 signers found by ``email`` as well as
``nik``; v2 ``sign/get/totp`` "sends" the signer their TOTP (``totp_sent``); ``pdf_in_body``
off: v1 answers a JSON body with only the ``id_dokumen`` (the signed
PDF then fetched from ``/api/sign/download/{id}``, once). Verification (v1 ``POST
/api/sign/verify``, v2 ``POST /api/v2/verify/pdf``) validates the PDF's signatures for real
against its own CA and answers in each version's shape.
"""

import base64
import binascii
import datetime
import threading
import uuid
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from satupintu.integrations.fakes import FakeRequest, FakeResponse, FakeServer

DEMO_USERNAME = "esign"
DEMO_PASSWORD = "esign-demo"  # noqa: S105 - the fake's own, for a hands-on try
DEMO_PASSPHRASE = "rahasia-bsre"  # noqa: S105
DEMO_TOTP = "123456"


@dataclass
class FakeSigner:
    """A person BSrE knows: their name, passphrase, current TOTP and certificate status
    (``ISSUE``, ``NO_CERTIFICATE``, ``REVOKE``)."""

    name: str
    passphrase: str
    totp: str = DEMO_TOTP
    status: str = "ISSUE"
    email: str = ""


class FakeBsre(FakeServer):
    """``signers`` by NIK; ``open_registry``: any NIK is a signer with the demo passphrase."""

    def __init__(
        self,
        *,
        username: str = DEMO_USERNAME,
        password: str = DEMO_PASSWORD,
        signers: dict[str, FakeSigner] | None = None,
        open_registry: bool = False,
    ) -> None:
        super().__init__()
        self.username, self.password = username, password
        self.signers = dict(signers or {})
        self.open_registry = open_registry
        self.documents: dict[str, bytes] = {}  # id_dokumen → signed PDF (v1 download)
        self.pdf_in_body = True
        self.totp_sent: list[str] = []  # the NIKs a TOTP was sent to (v2 get/totp)
        self._bsre_lock = threading.Lock()
        self._ca_key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.UTC)
        name = x509.Name(
            [
                x509.NameAttribute(NameOID.COMMON_NAME, "Fake BSrE Root CA (tests)"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Fake BSSN"),
                x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
            ]
        )
        self.ca_certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self._ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .sign(self._ca_key, hashes.SHA256())
        )
        self._keys: dict[str, tuple[Any, Any]] = {}

    @classmethod
    def demo(cls) -> "FakeBsre":
        """The fake ``run_fakes`` starts: every NIK signs with the demo passphrase or TOTP."""
        return cls(open_registry=True)

    @property
    def ca_der(self) -> bytes:
        return self.ca_certificate.public_bytes(serialization.Encoding.DER)

    def sign_requests(self) -> list[FakeRequest]:
        """The signing calls received (to count them: a timeout is never retried)."""
        return [r for r in self.requests if r.path.rstrip("/").endswith("/sign/pdf")]

    # --- the protocol ---------------------------------------------------------------------

    def handle(self, request: FakeRequest) -> FakeResponse:
        if not self._authorised(request):
            return FakeResponse(
                status=401,
                body={
                    "timestamp": datetime.datetime.now(datetime.UTC).isoformat(),
                    "status": 401,
                    "error": "Unauthorized",
                    "path": request.path,
                },
            )
        path = request.path.rstrip("/")
        if request.method == "GET" and path.startswith("/api/user/status/"):
            return self._status_v1(path.rsplit("/", 1)[-1])
        if request.method == "POST" and path == "/api/sign/pdf":
            return self._sign_v1(request)
        if request.method == "POST" and path == "/api/v2/user/check/status":
            body = request.json()
            return self._status_v2(self._key(body if isinstance(body, dict) else {}))
        if request.method == "POST" and path == "/api/sign/verify":
            return self._verify_v1(request)
        if request.method == "POST" and path == "/api/v2/verify/pdf":
            return self._verify_v2(request)
        if request.method == "POST" and path == "/api/v2/sign/pdf":
            return self._sign_v2(request)
        if request.method == "POST" and path == "/api/v2/sign/get/totp":
            return self._send_totp(request)
        if request.method == "GET" and path.startswith("/api/sign/download/"):
            with self._bsre_lock:
                pdf = self.documents.pop(path.rsplit("/", 1)[-1], None)
            if pdf is None:
                return FakeResponse(
                    status=404, body={"error": "Dokumen tidak tersedia", "status_code": 4044}
                )
            return FakeResponse(status=200, body=pdf, headers={"Content-Type": "application/pdf"})
        return FakeResponse(
            status=404,
            body={"timestamp": "", "status": 404, "error": "Not Found", "path": request.path},
        )

    def _authorised(self, request: FakeRequest) -> bool:
        header = request.header("Authorization")
        if not header.startswith("Basic "):
            return False
        try:
            given = base64.b64decode(header[6:]).decode()
        except (binascii.Error, UnicodeDecodeError):
            return False
        return given == f"{self.username}:{self.password}"

    def _key(self, body: dict[str, Any]) -> str:
        """The NIK of the signer a v2 body names by ``nik`` or by ``email`` ("" if none)."""
        if body.get("nik"):
            return str(body["nik"])
        email = str(body.get("email") or "").lower()
        found = [nik for nik, s in self.signers.items() if email and s.email.lower() == email]
        return found[0] if found else ""

    def _signer(self, nik: str) -> FakeSigner | None:
        if nik in self.signers:
            return self.signers[nik]
        if self.open_registry and len(nik) == 16 and nik.isdigit():
            return FakeSigner(name=f"Penandatangan {nik[-4:]}", passphrase=DEMO_PASSPHRASE)
        return None

    def _status_v1(self, nik: str) -> FakeResponse:
        signer = self._signer(nik)
        if signer is None:
            return FakeResponse(
                body={
                    "status_code": 1110,
                    "status": "NOT_REGISTERED",
                    "message": "User belum terdaftar",
                }
            )
        if signer.status != "ISSUE":
            return FakeResponse(
                body={
                    "status_code": 1110,
                    "status": signer.status,
                    "message": "Sertifikat tidak aktif",
                }
            )
        return FakeResponse(
            body={"status_code": 1111, "status": "ISSUE", "message": "Sertifikat aktif"}
        )

    def _status_v2(self, nik: str) -> FakeResponse:
        signer = self._signer(nik)
        if signer is None:  # not registered is HTTP 200 in v2
            return FakeResponse(
                body={
                    "status_code": 2011,
                    "status": "NOT_REGISTERED",
                    "message": "User tidak terdaftar",
                }
            )
        if signer.status != "ISSUE":
            return FakeResponse(
                body={
                    "status_code": 2021,
                    "status": signer.status,
                    "message": "Sertifikat tidak ada",
                }
            )
        return FakeResponse(
            body={"status_code": 1111, "status": "ISSUE", "message": "Sertifikat aktif"}
        )

    @staticmethod
    def _unfit(signer: FakeSigner | None) -> FakeResponse | None:
        """BSrE's refusal of a signer it does not know or whose certificate is not active."""
        if signer is None:
            return FakeResponse(
                status=400, body={"error": "User tidak terdaftar", "status_code": 2011}
            )
        if signer.status != "ISSUE":
            return FakeResponse(
                status=400, body={"error": "Sertifikat tidak aktif", "status_code": 2021}
            )
        return None

    def _refusal(self, nik: str, passphrase: str, totp: str) -> FakeResponse | None:
        signer = self._signer(nik)
        unfit = self._unfit(signer)
        if unfit is not None or signer is None:
            return unfit
        if not ((passphrase and passphrase == signer.passphrase) or (totp and totp == signer.totp)):
            return FakeResponse(
                status=400, body={"error": "Passphrase anda salah", "status_code": 2031}
            )
        return None

    @staticmethod
    def _placement_missing(fields: dict[str, Any], *, v2: bool) -> bool:
        """A visible signature with nowhere to go (no marker, no page and box)."""
        if v2:
            box = ("originX", "originY", "width", "height")
            return not fields.get("tag") and not (
                fields.get("page") and all(fields.get(k) not in (None, "") for k in box)
            )
        box = ("xAxis", "yAxis", "width", "height")
        where = fields.get("page") or fields.get("halaman")
        image = fields.get("image") == "true" or bool(fields.get("linkQR"))
        return not image or not (
            fields.get("tag_koordinat") or (where and all(fields.get(k) for k in box))
        )

    def _sign_v1(self, request: FakeRequest) -> FakeResponse:
        fields, files = request.form()
        if fields.get("tampilan") == "visible" and self._placement_missing(fields, v2=False):
            return FakeResponse(
                status=400, body={"error": "Posisi tanda tangan wajib diisi", "status_code": 4014}
            )
        nik = fields.get("nik", "")
        refused = self._refusal(nik, fields.get("passphrase", ""), "")
        if refused is not None:
            return refused
        signed = self._signed(
            files.get("file", b""), nik, fields.get("reason", ""), fields.get("location", "")
        )
        if signed is None:
            return self._server_error(request.path)
        reference = uuid.uuid4().hex
        with self._bsre_lock:
            self.documents[reference] = signed
        if not self.pdf_in_body:
            return FakeResponse(
                status=200,
                body={"message": "success", "id_dokumen": reference},
                headers={"id_dokumen": reference},
            )
        return FakeResponse(
            status=200,
            body=signed,
            headers={"Content-Type": "application/pdf", "id_dokumen": reference},
        )

    def _sign_v2(self, request: FakeRequest) -> FakeResponse:
        body = request.json()
        if not isinstance(body, dict):
            return self._server_error(request.path)
        nik = self._key(body)
        refused = self._refusal(nik, str(body.get("passphrase", "")), str(body.get("totp", "")))
        if refused is not None:
            return refused
        properties = (body.get("signatureProperties") or [{}])[0]
        if str(properties.get("tampilan", "")).upper() == "VISIBLE" and (
            self._placement_missing(properties, v2=True) or not properties.get("imageBase64")
        ):
            return FakeResponse(
                status=400, body={"error": "Posisi tanda tangan wajib diisi", "status_code": 4014}
            )
        signed_files = []
        for encoded in body.get("file") or [""]:
            try:
                pdf = base64.b64decode(str(encoded), validate=True)
            except (binascii.Error, ValueError):
                pdf = b""
            signed = self._signed(
                pdf, nik, str(properties.get("reason", "")), str(properties.get("location", ""))
            )
            if signed is None:
                return self._server_error(request.path)
            signed_files.append(base64.b64encode(signed).decode("ascii"))
        return FakeResponse(status=200, body={"time": 1234, "file": signed_files})

    def _send_totp(self, request: FakeRequest) -> FakeResponse:
        """v2's "send the signer a TOTP": the code the signer's ``totp`` holds is "sent" (kept
        in ``totp_sent``, the NIKs it went to); ``success`` true, as the digest saw it."""
        body = request.json()
        nik = self._key(body if isinstance(body, dict) else {})
        unfit = self._unfit(self._signer(nik))
        if unfit is not None:
            return unfit
        with self._bsre_lock:
            self.totp_sent.append(nik)
        return FakeResponse(status=200, body={"success": True, "message": "TOTP telah dikirim"})

    @staticmethod
    def _server_error(path: str) -> FakeResponse:
        return FakeResponse(
            status=500,
            body={
                "timestamp": datetime.datetime.now(datetime.UTC).isoformat(),
                "status": 500,
                "error": "Internal Server Error",
                "message": "Dokumen tidak valid",
                "path": path,
            },
        )

    # --- verifying for real -----------------------------------------------------------------

    def _checked(self, pdf: bytes) -> list[dict[str, Any]] | None:
        """Each signature of ``pdf`` as validated against the fake's CA; None if not a PDF."""
        from pyhanko.pdf_utils.reader import PdfFileReader
        from pyhanko.sign.validation import validate_pdf_signature
        from pyhanko_certvalidator import ValidationContext

        if not pdf.startswith(b"%PDF"):
            return None
        try:
            signatures = PdfFileReader(BytesIO(pdf), strict=False).embedded_signatures
            checked = []
            for signature in signatures:
                status = validate_pdf_signature(
                    signature,
                    ValidationContext(trust_roots=[asn1_x509.Certificate.load(self.ca_der)]),
                )
                checked.append(
                    {
                        "field": signature.field_name,
                        "signer": status.signing_cert.subject.native.get("common_name", ""),
                        "intact": bool(status.intact and status.valid),
                        "trusted": bool(status.trusted),
                    }
                )
        except Exception:  # noqa: BLE001 - a broken PDF is BSrE's 500
            return None
        return checked

    def _verify_v1(self, request: FakeRequest) -> FakeResponse:
        _, files = request.form()
        checked = self._checked(files.get("signed_file", b""))
        if checked is None:
            return self._server_error(request.path)
        valid = all(c["intact"] and c["trusted"] for c in checked)
        return FakeResponse(
            body={
                "nama_dokumen": "document.pdf",
                "jumlah_signature": len(checked),
                "notes": ""
                if not checked
                else "Dokumen valid sejak ditandatangani"
                if valid
                else "Dokumen telah diubah oleh pihak yang tidak berwenang",
                "summary": None
                if not checked
                else ("DOCUMENT VALID !!!" if valid else "DOCUMENT NOT VALID !!!"),
                "details": [
                    {
                        "signature_field": c["field"],
                        "info_signer": {"signer_name": c["signer"], "cert_user_certified": True},
                        "signature_document": {"document_integrity": c["intact"]},
                    }
                    for c in checked
                ],
            }
        )

    def _verify_v2(self, request: FakeRequest) -> FakeResponse:
        body = request.json()
        try:
            pdf = base64.b64decode(str((body or {}).get("file", "")), validate=True)
        except (binascii.Error, ValueError, AttributeError):
            pdf = b""
        checked = self._checked(pdf)
        if checked is None:
            return self._server_error(request.path)
        valid = all(c["intact"] and c["trusted"] for c in checked)
        conclusion = "NO_SIGNATURE" if not checked else ("VALID" if valid else "INDETERMINATE")
        return FakeResponse(
            body={
                "signatureCount": len(checked),
                "conclusion": conclusion,
                "description": conclusion,
                "signatureInformations": [
                    {
                        "fieldName": c["field"],
                        "signerName": c["signer"],
                        "integrityValid": c["intact"],
                        "certificateTrusted": c["trusted"],
                        "signatureFormat": "PAdES-BASELINE-B",
                    }
                    for c in checked
                ],
            }
        )

    # --- signing for real -------------------------------------------------------------------

    def _material(self, nik: str, name: str) -> tuple[Any, Any]:
        with self._bsre_lock:
            if nik not in self._keys:
                key = ec.generate_private_key(ec.SECP256R1())
                now = datetime.datetime.now(datetime.UTC)
                certificate = (
                    x509.CertificateBuilder()
                    .subject_name(
                        x509.Name(
                            [
                                x509.NameAttribute(NameOID.COMMON_NAME, name),
                                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Fake BSSN signer"),
                                x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
                            ]
                        )
                    )
                    .issuer_name(self.ca_certificate.subject)
                    .public_key(key.public_key())
                    .serial_number(x509.random_serial_number())
                    .not_valid_before(now - datetime.timedelta(hours=1))
                    .not_valid_after(now + datetime.timedelta(days=29))
                    .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                    .add_extension(
                        x509.KeyUsage(
                            digital_signature=True,
                            content_commitment=True,  # nonRepudiation, as a signing certificate
                            key_encipherment=False,
                            data_encipherment=False,
                            key_agreement=False,
                            key_cert_sign=False,
                            crl_sign=False,
                            encipher_only=False,
                            decipher_only=False,
                        ),
                        critical=True,
                    )
                    .sign(self._ca_key, hashes.SHA256())
                )
                der = serialization.Encoding.DER
                self._keys[nik] = (
                    asn1_keys.PrivateKeyInfo.load(
                        key.private_bytes(
                            der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
                        )
                    ),
                    asn1_x509.Certificate.load(certificate.public_bytes(der)),
                )
            return self._keys[nik]

    def _signed(self, pdf: bytes, nik: str, reason: str, location: str) -> bytes | None:
        """``pdf`` signed (PAdES) for the signer ``nik``; None when it is not a PDF."""
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.sign import fields, signers
        from pyhanko_certvalidator.registry import SimpleCertificateStore

        signer = self._signer(nik)
        if not pdf.startswith(b"%PDF") or signer is None:
            return None
        key, certificate = self._material(nik, signer.name)
        ca = asn1_x509.Certificate.load(self.ca_der)
        try:
            writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
            output = signers.PdfSigner(
                signers.PdfSignatureMetadata(
                    field_name=f"BSrE-{uuid.uuid4().hex[:8]}",
                    md_algorithm="sha256",
                    subfilter=fields.SigSeedSubFilter.PADES,
                    reason=reason or None,
                    location=location or None,
                ),
                signer=signers.SimpleSigner(
                    signing_cert=certificate,
                    signing_key=key,
                    cert_registry=SimpleCertificateStore.from_certs([ca]),
                ),
            ).sign_pdf(writer)
        except Exception:  # noqa: BLE001 - a broken PDF is BSrE's 500, whatever pyHanko says
            return None
        return bytes(output.getvalue())
