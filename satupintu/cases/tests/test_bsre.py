"""Signing through BSrE (v1 multipart, v2 JSON) against a fake eSign Client Service on
loopback that signs for real: the approver's passphrase is sent once and kept nowhere, the
signer's status is checked first, every refusal is a message in the user's language and a line
in the integration's log, and a timeout is never retried by itself nor costs a second number."""

import base64
import hashlib
import time
from datetime import timedelta
from io import BytesIO

import pytest
from asn1crypto import x509 as asn1_x509
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from satupintu.cases import bsre
from satupintu.cases.bsre_fake import FakeBsre, FakeSigner
from satupintu.cases.errors import CaseError
from satupintu.cases.models import (
    Application,
    DocumentCounter,
    DocumentReservation,
    IssuedDocument,
    Step,
)
from satupintu.cases.services.workflow import application_act
from satupintu.cases.signals import document_issued
from satupintu.cases.signers import SignerSecret, SignRequest
from satupintu.cases.tests.factories import staff_of
from satupintu.cases.tests.test_signing import decision_service, submitted, use_tmp_signing_dir
from satupintu.integrations.fakes import FakeRequest, FakeResponse
from satupintu.integrations.models import Integration, IntegrationEvent
from satupintu.malls.models import StaffMembership
from satupintu.malls.tests.factories import MallFactory, UserFactory, staff_member
from satupintu.tests.conftest import captured  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db

APPROVER_NIK = "3271011203800007"
PASSPHRASE = "Rahasia#Sekali-2026"  # noqa: S105
TOTP = "482913"


@pytest.fixture(autouse=True)
def _signing_in_tmp(settings, tmp_path):
    use_tmp_signing_dir(settings, tmp_path)


class SlowSigning(FakeBsre):
    """BSrE that answers the status at once but takes ``sign_delay`` seconds to sign."""

    sign_delay = 0.0

    def handle(self, request: FakeRequest) -> FakeResponse:
        if request.path.endswith("/sign/pdf") and self.sign_delay:
            time.sleep(self.sign_delay)
        return super().handle(request)


@pytest.fixture
def fake():
    server = SlowSigning(
        signers={APPROVER_NIK: FakeSigner(name="Budi Santoso", passphrase=PASSPHRASE, totp=TOTP)}
    )
    server.start()
    yield server
    server.stop()


@pytest.fixture
def service():
    return decision_service()


@pytest.fixture
def staff(service):
    people = staff_of(service)
    people["approver"].nik = APPROVER_NIK
    people["approver"].save()
    return people


@pytest.fixture(params=[bsre.V1, bsre.V2])
def provider(request):
    return request.param


def bsre_on(agency, fake, provider, *, password=None, **options) -> Integration:
    integration = Integration(
        kind=Integration.Kind.BSRE,
        provider=provider,
        name="eSign Client Service",
        mall=agency.mall,
        agency=agency,
        base_url=fake.base_url,
        options=options,
    )
    integration.set_secrets({"username": fake.username, "password": password or fake.password})
    integration.save()
    return integration


@pytest.fixture
def integration(service, fake, provider):
    return bsre_on(service.agency, fake, provider)


def at_decision(service, staff) -> Application:
    return application_act(
        application=submitted(service), actor=staff["front_office"], action="forward"
    )


def sign_on_page(client, application, *, follow=False, **secret):
    return client.post(
        reverse("backoffice:case-act", args=[application.pk]),
        {
            "action": "forward",
            "version": application.version,
            "note": "Lengkap.",
            "confirmed": "yes",
            **secret,
        },
        follow=follow,
    )


def _bytes(document: IssuedDocument) -> bytes:
    with document.file.open("rb") as handle:
        return handle.read()


def _events(operation: str) -> list[IntegrationEvent]:
    return list(IntegrationEvent.objects.filter(operation=operation).order_by("pk"))


# --- signing ---------------------------------------------------------------------------------


def test_the_approver_signs_with_bsre_and_the_document_is_verifiable(
    client, service, staff, fake, integration, provider
):
    application = at_decision(service, staff)
    client.force_login(staff["approver"])
    asked = client.post(
        reverse("backoffice:case-act", args=[application.pk]),
        {"action": "forward", "version": application.version},
    )
    assert asked.status_code == 200
    assert 'name="passphrase"' in asked.text and 'type="password"' in asked.text
    assert ('name="totp"' in asked.text) == (provider == bsre.V2)

    signed = sign_on_page(client, application, passphrase=PASSPHRASE)
    assert signed.status_code == 302, signed.text[:2000]
    document = IssuedDocument.objects.get(application=application)
    assert document.backend == provider
    assert (document.backend_reference != "") == (provider == bsre.V1)
    pdf = _bytes(document)
    assert document.sha256 == hashlib.sha256(pdf).hexdigest()
    # The signature is BSrE's (the fake's CA), on the PDF as BSrE returned it.
    reader = PdfFileReader(BytesIO(pdf))
    status = validate_pdf_signature(
        reader.embedded_signatures[0],
        ValidationContext(trust_roots=[asn1_x509.Certificate.load(fake.ca_der)]),
    )
    assert status.intact and status.valid and status.trusted
    assert status.signing_cert.subject.native["common_name"] == "Budi Santoso"
    application.refresh_from_db()
    assert application.decided_at is not None and application.step != Step.DECISION
    assert not DocumentReservation.objects.exists()

    # The status first, then one signing call; each in the integration's log.
    paths = [r.path for r in fake.requests]
    assert len(fake.sign_requests()) == 1
    assert paths.index(fake.sign_requests()[0].path) > 0
    # Asked when the page opened, and again just before signing.
    assert [e.ok for e in _events("bsre.user_status")] == [True, True]
    assert 'data-sign="status"' not in asked.text
    assert [e.ok for e in _events("bsre.sign")] == [True]
    integration.refresh_from_db()
    assert integration.last_success_at is not None

    page = client.get(reverse("verify:document", args=[document.code]))
    assert page.status_code == 200
    assert document.number in page.text and 'data-signature="bsre"' in page.text
    from django.core.files.uploadedfile import SimpleUploadedFile

    same = client.post(
        reverse("verify:document", args=[document.code]),
        {"berkas": SimpleUploadedFile("izin.pdf", pdf)},
    )
    assert 'data-check="match"' in same.text


def test_a_bsre_signed_document_is_announced_like_a_local_one(client, service, staff, integration):
    """``document_issued`` is what OSS's receiveLicense (and any other listener) waits for:
    a document signed through BSrE must send it too, once."""
    heard = []

    def listen(sender, *, document, application, **kwargs):
        heard.append((document.pk, application.pk))

    document_issued.connect(listen, dispatch_uid="test.bsre.issued")
    try:
        application = at_decision(service, staff)
        client.force_login(staff["approver"])
        assert sign_on_page(client, application, passphrase=PASSPHRASE).status_code == 302
    finally:
        document_issued.disconnect(dispatch_uid="test.bsre.issued")
    document = IssuedDocument.objects.get(application=application)
    assert heard == [(document.pk, application.pk)]


def test_v2_signs_with_a_totp_instead_of_the_passphrase(client, service, staff, fake):
    bsre_on(service.agency, fake, bsre.V2)
    application = at_decision(service, staff)
    client.force_login(staff["approver"])
    assert sign_on_page(client, application, totp=TOTP).status_code == 302
    sent = fake.sign_requests()[0].json()
    assert sent["totp"] == TOTP and "passphrase" not in sent
    assert isinstance(sent["file"], list) and len(sent["file"]) == 1
    assert IssuedDocument.objects.get(application=application).backend == bsre.V2


def test_v2_identifies_the_signer_by_email_when_the_integration_says_so(
    client, service, staff, fake
):
    fake.signers["3271011203800055"] = FakeSigner(
        name="Sari Dewi", passphrase=PASSPHRASE, email="sari@bogorkota.go.id"
    )
    bsre_on(service.agency, fake, bsre.V2, identity="email")
    approver = staff["approver"]
    approver.nik, approver.email = "", "Sari@bogorkota.go.id"
    approver.save()
    application = at_decision(service, staff)
    client.force_login(approver)
    asked = client.post(
        reverse("backoffice:case-act", args=[application.pk]),
        {"action": "forward", "version": application.version},
    )
    assert 'data-sign="nik-missing"' not in asked.text
    assert 'data-sign="email-missing"' not in asked.text
    assert sign_on_page(client, application, passphrase=PASSPHRASE).status_code == 302
    document = IssuedDocument.objects.get(application=application)
    signed = PdfFileReader(BytesIO(_bytes(document))).embedded_signatures[0]
    assert signed.signer_cert.subject.native["common_name"] == "Sari Dewi"
    for request in fake.requests:
        body = request.json()
        assert body["email"] == "Sari@bogorkota.go.id" and "nik" not in body


def test_an_approver_without_an_email_is_told_when_bsre_knows_signers_by_email(
    client, service, staff, fake
):
    bsre_on(service.agency, fake, bsre.V2, identity="email")
    staff["approver"].email = ""
    staff["approver"].save()
    application = at_decision(service, staff)
    client.force_login(staff["approver"])
    asked = client.post(
        reverse("backoffice:case-act", args=[application.pk]),
        {"action": "forward", "version": application.version},
    )
    assert 'data-sign="email-missing"' in asked.text
    refused = sign_on_page(client, application, passphrase=PASSPHRASE, follow=True)
    said = " ".join(str(m) for m in refused.context["messages"])
    assert "email" in said and fake.requests == []
    assert not IssuedDocument.objects.exists()


def test_v1_identifies_by_nik_whatever_the_identity_option(client, service, staff, fake):
    bsre_on(service.agency, fake, bsre.V1, identity="email")
    application = at_decision(service, staff)
    client.force_login(staff["approver"])
    assert sign_on_page(client, application, passphrase=PASSPHRASE).status_code == 302
    assert fake.sign_requests()[0].form()[0]["nik"] == APPROVER_NIK


def test_v1_fetches_the_signed_pdf_by_its_id_when_the_body_holds_none(client, service, staff, fake):
    bsre_on(service.agency, fake, bsre.V1)
    fake.pdf_in_body = False
    application = at_decision(service, staff)
    client.force_login(staff["approver"])
    assert sign_on_page(client, application, passphrase=PASSPHRASE).status_code == 302
    document = IssuedDocument.objects.get(application=application)
    downloads = [r for r in fake.requests if r.path.startswith("/api/sign/download/")]
    assert [r.path for r in downloads] == [f"/api/sign/download/{document.backend_reference}"]
    assert PdfFileReader(BytesIO(_bytes(document))).embedded_signatures
    assert [e.ok for e in _events("bsre.download")] == [True]
    assert not fake.documents  # downloaded once: BSrE's copy is gone


def test_v1_with_no_pdf_to_download_refuses_and_issues_nothing(client, service, staff, fake):
    bsre_on(service.agency, fake, bsre.V1)
    fake.pdf_in_body = False

    def gone(request):
        if request.path.startswith("/api/sign/download/"):
            return FakeResponse(404, {"error": "Dokumen tidak tersedia", "status_code": 4044})
        return FakeBsre.handle(fake, request)

    fake.handle = gone
    application = at_decision(service, staff)
    client.force_login(staff["approver"])
    assert sign_on_page(client, application, passphrase=PASSPHRASE).status_code == 400
    assert not IssuedDocument.objects.exists()
    [event] = _events("bsre.download")
    assert not event.ok and "4044" in event.message


def test_bsre_verifies_an_issued_document_and_sees_a_change(
    client, service, staff, fake, integration, provider
):
    application = at_decision(service, staff)
    client.force_login(staff["approver"])
    assert sign_on_page(client, application, passphrase=PASSPHRASE).status_code == 302
    document = IssuedDocument.objects.get(application=application)
    verdict = bsre.document_verify(document)
    assert (verdict.valid, verdict.signatures, verdict.signers) == (True, 1, ("Budi Santoso",))
    pdf = _bytes(document)
    # A byte changed inside the signed range (the header's binary comment, which no reader
    # parses): BSrE says it is not valid.
    assert pdf[9:10] == b"%"
    tampered = pdf[:10] + bytes([pdf[10] ^ 1]) + pdf[11:]
    assert bsre.verify(integration, tampered).valid is False
    # The revision before the signature (the PDF as sent to BSrE): no signature to judge.
    unsigned = bsre.verify(integration, pdf[: pdf.index(b"%%EOF") + 5] + b"\n")
    assert (unsigned.valid, unsigned.signatures) == (None, 0)
    with pytest.raises(CaseError):
        bsre.verify(integration, b"bukan pdf")
    assert [e.ok for e in _events("bsre.verify")] == [True, True, True, False]


def test_the_admin_asks_bsre_about_a_document_for_its_agency_only(
    client, service, staff, fake, integration
):
    application = at_decision(service, staff)
    client.force_login(staff["approver"])
    assert sign_on_page(client, application, passphrase=PASSPHRASE).status_code == 302
    document = IssuedDocument.objects.get(application=application)
    listing = reverse("admin:cases_issueddocument_changelist")
    action = {"action": "verify_with_bsre", "_selected_action": [document.pk]}
    answer = client.post(listing, action, follow=True)
    said = " ".join(str(m) for m in answer.context["messages"])
    assert f"{document.number}: menurut BSrE tanda tangannya sah (Budi Santoso)." in said
    before = len(fake.requests)
    monitor = staff_member(StaffMembership.Role.MINISTRY_MONITOR)
    client.force_login(monitor)
    assert "verify_with_bsre" not in client.get(listing).text
    client.post(listing, action)
    assert len(fake.requests) == before  # the monitor asks nothing of BSrE


def test_a_visible_signature_carries_the_placement_and_the_verification_qr(
    client, service, staff, fake, provider
):
    placement = (
        {"halaman": "terakhir", "xAxis": 400, "yAxis": 80, "width": 120, "height": 120}
        if provider == bsre.V1
        else {"page": 1, "originX": 400, "originY": 80, "width": 120, "height": 120}
    )
    bsre_on(service.agency, fake, provider, appearance={**placement, "secret": "x" * 30})
    application = at_decision(service, staff)
    client.force_login(staff["approver"])
    assert sign_on_page(client, application, passphrase=PASSPHRASE).status_code == 302
    document = IssuedDocument.objects.get(application=application)
    [request] = fake.sign_requests()
    if provider == bsre.V1:
        fields = request.form()[0]
        assert (fields["tampilan"], fields["image"]) == ("visible", "false")
        assert fields["linkQR"].endswith(f"/{document.code}/")
        assert {k: fields[k] for k in placement} == {k: str(v) for k, v in placement.items()}
        assert "secret" not in fields
    else:
        [properties] = request.json()["signatureProperties"]
        assert properties["tampilan"] == "VISIBLE"
        assert {k: properties[k] for k in placement} == placement and "secret" not in properties
        png = base64.b64decode(properties["imageBase64"])
        assert png.startswith(b"\x89PNG")


def test_a_visible_signature_without_a_place_is_refused_by_bsre(client, service, staff, fake):
    bsre_on(service.agency, fake, bsre.V1, appearance={"width": 120})
    application = at_decision(service, staff)
    client.force_login(staff["approver"])
    assert sign_on_page(client, application, passphrase=PASSPHRASE).status_code == 400
    assert not IssuedDocument.objects.exists()
    assert "4014" in _events("bsre.sign")[-1].message


def test_an_inactive_integration_leaves_local_signing(client, service, staff, fake):
    integration = bsre_on(service.agency, fake, bsre.V1)
    integration.is_active = False
    integration.save()
    application = at_decision(service, staff)
    client.force_login(staff["approver"])
    assert sign_on_page(client, application).status_code == 302
    assert IssuedDocument.objects.get(application=application).backend == "local"
    assert fake.requests == []


def test_approving_without_the_passphrase_page_is_refused_for_a_bsre_agency(
    service, staff, integration
):
    application = at_decision(service, staff)
    with pytest.raises(CaseError) as refused:
        application_act(application=application, actor=staff["approver"], action="forward")
    assert refused.value.code == "sign_with_passphrase"
    assert not IssuedDocument.objects.exists()


def test_the_api_cannot_approve_for_a_bsre_agency_and_says_why(service, staff, integration):
    from rest_framework.test import APIClient

    application = at_decision(service, staff)
    api = APIClient()
    api.force_authenticate(staff["approver"])
    refused = api.post(
        f"/api/v1/applications/{application.pk}/transitions/",
        {"action": "forward", "version": application.version},
    )
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "sign_with_passphrase"
    assert not IssuedDocument.objects.exists()
    application.refresh_from_db()
    assert application.step == Step.DECISION and application.decided_at is None


# --- refusals -------------------------------------------------------------------------------


def test_a_wrong_passphrase_is_said_and_signing_again_keeps_the_number(
    client, service, staff, fake, integration
):
    application = at_decision(service, staff)
    client.force_login(staff["approver"])
    wrong = sign_on_page(client, application, passphrase="salah-ketik")
    assert wrong.status_code == 400
    assert 'data-sign="error"' in wrong.text and "salah" in wrong.text
    assert "salah-ketik" not in wrong.text  # never echoed back
    assert not IssuedDocument.objects.exists()
    application.refresh_from_db()
    assert application.step == Step.DECISION and application.decided_at is None
    reserved = DocumentReservation.objects.get(application=application)
    refused = _events("bsre.sign")
    assert len(refused) == 1 and "2031" in refused[0].message

    assert sign_on_page(client, application, passphrase=PASSPHRASE).status_code == 302
    document = IssuedDocument.objects.get(application=application)
    assert (document.number, document.code) == (reserved.number, reserved.code)
    assert DocumentCounter.objects.get(agency=service.agency).last == 1


def test_an_empty_passphrase_is_asked_for_and_nothing_is_sent(
    client, service, staff, fake, integration
):
    application = at_decision(service, staff)
    client.force_login(staff["approver"])
    empty = sign_on_page(client, application, passphrase="")
    assert empty.status_code == 400 and 'data-sign="error"' in empty.text
    assert fake.requests == []


def test_a_signer_not_registered_is_told_before_any_passphrase_is_sent(
    client, service, staff, fake, integration
):
    staff["approver"].nik = "3271011203800099"
    staff["approver"].save()
    application = at_decision(service, staff)
    client.force_login(staff["approver"])
    refused = sign_on_page(client, application, passphrase=PASSPHRASE, follow=True)
    said = " ".join(str(m) for m in refused.context["messages"])
    assert "BSrE" in said and "terdaftar" in said
    assert fake.sign_requests() == []
    assert not IssuedDocument.objects.exists()
    assert len(_events("bsre.user_status")) == 1


def test_the_confirmation_page_says_up_front_when_bsre_does_not_know_the_signer(
    client, service, staff, fake, integration
):
    staff["approver"].nik = "3271011203800099"
    staff["approver"].save()
    application = at_decision(service, staff)
    client.force_login(staff["approver"])
    asked = client.post(
        reverse("backoffice:case-act", args=[application.pk]),
        {"action": "forward", "version": application.version},
    )
    assert asked.status_code == 200
    assert 'data-sign="status"' in asked.text and "terdaftar" in asked.text
    assert len(fake.requests) == 1 and fake.sign_requests() == []


def test_a_signer_without_a_certificate_is_told(client, service, staff, fake, provider):
    fake.signers[APPROVER_NIK].status = "NO_CERTIFICATE"
    bsre_on(service.agency, fake, provider)
    application = at_decision(service, staff)
    client.force_login(staff["approver"])
    refused = sign_on_page(client, application, passphrase=PASSPHRASE, follow=True)
    said = " ".join(str(m) for m in refused.context["messages"])
    assert "sertifikat" in said.lower()
    assert fake.sign_requests() == []


def test_an_approver_without_a_nik_is_told_on_the_page_and_nothing_is_sent(
    client, service, staff, fake, integration
):
    staff["approver"].nik = ""
    staff["approver"].save()
    application = at_decision(service, staff)
    client.force_login(staff["approver"])
    asked = client.post(
        reverse("backoffice:case-act", args=[application.pk]),
        {"action": "forward", "version": application.version},
    )
    assert 'data-sign="nik-missing"' in asked.text
    refused = sign_on_page(client, application, passphrase=PASSPHRASE, follow=True)
    said = " ".join(str(m) for m in refused.context["messages"])
    assert "NIK" in said
    assert fake.requests == []


def test_wrong_instance_credentials_tell_the_officer_and_log_the_detail_for_the_admin(
    client, service, staff, fake, provider
):
    integration = bsre_on(service.agency, fake, provider, password="lama")
    application = at_decision(service, staff)
    client.force_login(staff["approver"])
    refused = sign_on_page(client, application, passphrase=PASSPHRASE, follow=True)
    said = " ".join(str(m) for m in refused.context["messages"])
    assert "administrator" in said.lower()
    assert "401" not in said
    event = IntegrationEvent.objects.get(integration=integration)
    assert not event.ok and "401" in event.message and "username/password" in event.message
    integration.refresh_from_db()
    assert "401" in integration.last_error
    assert not IssuedDocument.objects.exists()


def _request(service, staff, pdf: bytes) -> SignRequest:
    return SignRequest(
        pdf=pdf,
        agency=service.agency,
        signer=staff["approver"],
        reason="Uji",
        location="MPP",
        subject="application 1",
    )


def test_a_broken_pdf_is_bsre_s_500_and_a_clear_refusal(service, staff, integration):
    with pytest.raises(CaseError) as refused:
        bsre.sign(
            _request(service, staff, b"not a pdf"),
            integration=integration,
            secret=SignerSecret(passphrase=PASSPHRASE),
        )
    assert refused.value.code == "bsre_failed"
    event = _events("bsre.sign")[-1]
    assert not event.ok and "500" in event.message


class Answers200WithoutPdf(FakeBsre):
    def handle(self, request: FakeRequest) -> FakeResponse:
        if request.path.endswith("/sign/pdf"):
            return FakeResponse(status=200, body={"time": 1, "file": ["bm90IGEgcGRm"]})
        return super().handle(request)


def test_an_answer_without_a_signed_pdf_is_refused_not_stored(client, service, staff, provider):
    with Answers200WithoutPdf(
        signers={APPROVER_NIK: FakeSigner(name="Budi", passphrase=PASSPHRASE)}
    ) as server:
        bsre_on(service.agency, server, provider)
        application = at_decision(service, staff)
        client.force_login(staff["approver"])
        refused = sign_on_page(client, application, passphrase=PASSPHRASE)
    assert refused.status_code == 400 and 'data-sign="error"' in refused.text
    assert not IssuedDocument.objects.exists()
    assert "without a signed PDF" in _events("bsre.sign")[-1].message


class ForgetsRegistration(FakeBsre):
    """Says the signer is registered, then refuses them at signing (2011)."""

    def _status_v1(self, nik):
        return FakeResponse(body={"status_code": 1111, "status": "ISSUE", "message": "ok"})

    def _status_v2(self, nik):
        return self._status_v1(nik)


def test_not_registered_at_signing_is_2011_and_said(service, staff, provider):
    with ForgetsRegistration() as server:
        integration = bsre_on(service.agency, server, provider)
        with pytest.raises(CaseError) as refused:
            bsre.sign(
                _request(service, staff, b"%PDF-1.7"),
                integration=integration,
                secret=SignerSecret(passphrase=PASSPHRASE),
            )
    assert refused.value.code == "bsre_not_registered"
    assert "2011" in _events("bsre.sign")[-1].message


def test_bsre_down_refuses_cleanly(service, staff, fake, provider):
    integration = bsre_on(service.agency, fake, provider)
    fake.stop()
    with pytest.raises(CaseError) as refused:
        bsre.sign(
            _request(service, staff, b"%PDF-1.7"),
            integration=integration,
            secret=SignerSecret(passphrase=PASSPHRASE),
        )
    assert refused.value.code == "bsre_unavailable"


# --- the timeout --------------------------------------------------------------------------


def test_a_timeout_is_not_retried_and_signing_again_issues_one_number(
    client, service, staff, fake, provider
):
    bsre_on(service.agency, fake, provider, timeout=0.5)
    fake.sign_delay = 3
    application = at_decision(service, staff)
    client.force_login(staff["approver"])
    unknown = sign_on_page(client, application, passphrase=PASSPHRASE)
    assert unknown.status_code == 400
    assert 'data-sign="error"' in unknown.text and "BSrE" in unknown.text
    assert len(fake.sign_requests()) == 1  # never retried by itself
    assert not IssuedDocument.objects.exists()
    application.refresh_from_db()
    assert application.step == Step.DECISION and application.decided_at is None
    reserved = DocumentReservation.objects.get(application=application)
    event = _events("bsre.sign")[-1]
    assert not event.ok and "outcome unknown" in event.message

    assert reserved.number in unknown.text and 'data-sign="reserved"' in unknown.text

    fake.sign_delay = 0
    again = sign_on_page(client, application, passphrase=PASSPHRASE)
    assert again.status_code == 302
    document = IssuedDocument.objects.get(application=application)
    assert (document.number, document.code) == (reserved.number, reserved.code)
    assert DocumentCounter.objects.get(agency=service.agency).last == 1
    assert len(fake.sign_requests()) == 2


def test_a_stuck_reservation_is_seen_in_the_admin_by_its_agency_not_by_another_mall(
    client, service, staff, fake
):
    bsre_on(service.agency, fake, bsre.V1, timeout=0.5)
    fake.sign_delay = 3
    application = at_decision(service, staff)
    client.force_login(staff["approver"])
    assert sign_on_page(client, application, passphrase=PASSPHRASE).status_code == 400
    reserved = DocumentReservation.objects.get(application=application)
    DocumentReservation.objects.filter(pk=reserved.pk).update(
        created_at=timezone.now() - timedelta(hours=2)
    )
    listing = reverse("admin:cases_documentreservation_changelist")
    page = client.get(listing, {"waiting": "hour"})
    assert page.status_code == 200
    assert reserved.number in page.text and application.tracking_number in page.text
    detail = client.get(reverse("admin:cases_documentreservation_change", args=[reserved.pk]))
    assert detail.status_code == 200 and reserved.code in detail.text
    # Read-only: not changed, not deleted by hand (it is what keeps the number).
    client.post(
        reverse("admin:cases_documentreservation_delete", args=[reserved.pk]), {"post": "yes"}
    )
    assert DocumentReservation.objects.filter(pk=reserved.pk).exists()
    assert reserved.number not in client.get(listing, {"waiting": "day"}).text
    other = staff_member(StaffMembership.Role.MALL_MANAGER, mall=MallFactory())
    client.force_login(other)
    assert reserved.number not in client.get(listing).text
    root = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(root)
    assert reserved.number in client.get(listing).text


# --- the passphrase is kept nowhere ---------------------------------------------------------


def _rows_containing(text: str) -> list[str]:
    """Every table with a row whose text holds ``text`` (PostgreSQL's row-to-text cast)."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            quoted = connection.ops.quote_name(table)
            query = f"SELECT 1 FROM {quoted} t WHERE t::text LIKE %s LIMIT 1"  # noqa: S608
            cursor.execute(query, [f"%{text}%"])
            if cursor.fetchone():
                found.append(table)
    return found


def test_the_passphrase_is_never_stored_logged_or_kept_in_the_session(
    client,
    service,
    staff,
    fake,
    integration,
    captured,  # noqa: F811
):
    application = at_decision(service, staff)
    client.force_login(staff["approver"])
    wrong = sign_on_page(client, application, passphrase=PASSPHRASE + "x")
    assert PASSPHRASE not in wrong.text
    assert sign_on_page(client, application, passphrase=PASSPHRASE).status_code == 302
    assert IssuedDocument.objects.filter(application=application).exists()
    assert PASSPHRASE in fake.sign_requests()[-1].body.decode("latin-1")  # it was sent
    logged = captured.getvalue()
    assert logged  # the requests were logged...
    assert PASSPHRASE not in logged  # ...never the passphrase
    assert APPROVER_NIK not in logged  # the NIK of the status URL is masked
    assert _rows_containing(PASSPHRASE) == []
    assert PASSPHRASE not in str(dict(client.session.items()))
    for event in IntegrationEvent.objects.all():
        assert PASSPHRASE not in event.message and APPROVER_NIK not in event.message


def test_run_fakes_starts_the_fake_bsre():
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("run_fakes", "bsre", "--seconds", "0.1", stdout=out)
    assert out.getvalue().startswith("bsre: http://127.0.0.1:")


class DashedHeader(FakeBsre):
    """A v1 server that names its reference ``id-dokumen``, as some do."""

    def _sign_v1(self, request):
        answer = super()._sign_v1(request)
        if "id_dokumen" in answer.headers:
            answer.headers["id-dokumen"] = answer.headers.pop("id_dokumen")
        return answer


def test_v1_reads_the_reference_under_either_spelling(service, staff):
    with DashedHeader(
        signers={APPROVER_NIK: FakeSigner(name="Budi", passphrase=PASSPHRASE)}
    ) as server:
        integration = bsre_on(service.agency, server, bsre.V1)
        from satupintu.cases.permits.render import html_to_pdf

        signed = bsre.sign(
            _request(service, staff, html_to_pdf("<p>Uji</p>")),
            integration=integration,
            secret=SignerSecret(passphrase=PASSPHRASE),
        )
    assert signed.backend == bsre.V1 and len(signed.reference) == 32
    assert PdfFileReader(BytesIO(signed.pdf)).embedded_signatures


def ask_for_a_code(client, application):
    return client.post(
        reverse("backoffice:case-act", args=[application.pk]),
        {
            "action": "send_totp",
            "version": application.version,
            "note": "Lengkap.",
            "confirmed": "yes",
        },
    )


def test_v2_sends_the_approver_a_code_and_they_sign_with_it(
    client,
    service,
    staff,
    fake,
    captured,  # noqa: F811
):
    bsre_on(service.agency, fake, bsre.V2)
    application = at_decision(service, staff)
    client.force_login(staff["approver"])
    page = sign_on_page(client, application, confirmed="")
    assert 'data-sign="send-totp"' in page.text
    asked = ask_for_a_code(client, application)
    assert asked.status_code == 200 and 'data-sign="totp-sent"' in asked.text
    assert fake.totp_sent == [APPROVER_NIK]
    assert not fake.sign_requests()  # asking for a code signs nothing
    assert not IssuedDocument.objects.filter(application=application).exists()
    assert sign_on_page(client, application, totp=TOTP).status_code == 302
    assert IssuedDocument.objects.get(application=application).backend == bsre.V2
    assert TOTP not in captured.getvalue()
    assert _rows_containing(TOTP) == []
    assert [e.ok for e in _events("bsre.totp_request")] == [True]


def test_asking_for_codes_is_limited_per_person(client, service, staff, fake, settings):
    settings.BSRE_TOTP_LIMIT = 2
    bsre_on(service.agency, fake, bsre.V2)
    application = at_decision(service, staff)
    client.force_login(staff["approver"])
    assert ask_for_a_code(client, application).status_code == 200
    assert ask_for_a_code(client, application).status_code == 200
    refused = ask_for_a_code(client, application)
    assert refused.status_code == 400 and 'data-sign="error"' in refused.text
    assert len(fake.totp_sent) == 2  # the third was not sent to BSrE


def test_v1_offers_no_code_and_refuses_to_send_one(client, service, staff, fake):
    bsre_on(service.agency, fake, bsre.V1)
    application = at_decision(service, staff)
    client.force_login(staff["approver"])
    assert 'data-sign="send-totp"' not in sign_on_page(client, application, confirmed="").text
    assert ask_for_a_code(client, application).status_code == 400
    assert fake.totp_sent == []
    assert not [r for r in fake.requests if "totp" in r.path]


def test_only_the_approver_may_ask_for_a_code(client, service, staff, fake):
    bsre_on(service.agency, fake, bsre.V2)
    application = at_decision(service, staff)
    client.force_login(staff["front_office"])
    answer = ask_for_a_code(client, application)
    assert answer.status_code in (302, 403, 404)
    assert fake.totp_sent == []


def test_a_signer_bsre_does_not_know_gets_no_code(client, service, staff, fake):
    bsre_on(service.agency, fake, bsre.V2)
    staff["approver"].nik = "3201000000000001"
    staff["approver"].save()
    application = at_decision(service, staff)
    client.force_login(staff["approver"])
    refused = ask_for_a_code(client, application)
    assert refused.status_code == 400 and 'data-sign="error"' in refused.text
    assert fake.totp_sent == []
