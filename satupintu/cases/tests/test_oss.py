"""OSS RBA: a receiveNIB push becomes one application of the mapped service (Token checked,
another region or an unknown permit code refused and logged, files fetched from OSS by content
check, nothing half-created), and every change of the case is queued for OSS with the kd_status
of its workflow's mapping; approval queues the permit with its signatory and file."""

import hashlib
import json
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from satupintu.accounts.models import User
from satupintu.cases.models import (
    Application,
    Document,
    OssLicenseMap,
    OssLink,
    OssStatusKey,
    OssStatusMap,
    Step,
)
from satupintu.cases.oss import outbound
from satupintu.cases.oss.fake import USER_KEY as FAKE_USER_KEY
from satupintu.cases.oss.fake import FakeOss
from satupintu.cases.oss.inbound import region_code
from satupintu.cases.services.workflow import application_act, application_resubmit
from satupintu.cases.tests.factories import WorkflowServiceFactory, staff_of
from satupintu.cases.tests.files import PDF
from satupintu.cases.tests.test_signing import use_tmp_signing_dir
from satupintu.catalog.tests.factories import RequirementFactory
from satupintu.integrations.fakes import FakeRequest, FakeResponse, FakeServer
from satupintu.integrations.models import Integration, IntegrationEvent, OutboundCall
from satupintu.integrations.services import call_attempt
from satupintu.malls.models import StaffMembership
from satupintu.malls.tests.factories import AgencyFactory, MallFactory

pytestmark = pytest.mark.django_db

WIB = ZoneInfo("Asia/Jakarta")
USERNAME, PASSWORD, USER_KEY = "dpmptsp-bogor", "rahasia-oss", "kunci-oss"
NIB = "9120001234567"
KD_IZIN = "033000000001"
ID_IZIN = "I-202611300001234567890"
SUBMITTER_NIK = "3271014501900001"
HTML = b"<html><body>bukan PDF</body></html>"


class FileServer(FakeServer):
    """OSS's file host: the files at their paths; it remembers the user_key it was sent."""

    def __init__(self) -> None:
        super().__init__()
        self.files: dict[str, tuple[int, bytes]] = {}
        self.redirects: dict[str, str] = {}

    def handle(self, request: FakeRequest) -> FakeResponse:
        if request.path in self.redirects:
            return FakeResponse(status=302, headers={"Location": self.redirects[request.path]})
        status, body = self.files.get(request.path, (404, b""))
        return FakeResponse(status=status, body=body, headers={"Content-Type": "application/pdf"})


@pytest.fixture
def files():
    with FileServer() as server:
        yield server


@pytest.fixture(autouse=True)
def _signing_in_tmp(settings, tmp_path):
    use_tmp_signing_dir(settings, tmp_path)


@pytest.fixture
def mall():
    return MallFactory(region_code="32.71")


@pytest.fixture
def service(mall):
    service = WorkflowServiceFactory(
        agency=AgencyFactory(mall=mall, short_name="DPMPTSP"),
        form_schema=[],
        workflow=(Step.DOCUMENT_CHECK, Step.VERIFICATION, Step.DECISION),
        product="Izin Usaha",
    )
    RequirementFactory(service=service, text="Surat permohonan", is_mandatory=True)
    OssLicenseMap.objects.create(service=service, kd_izin=KD_IZIN)
    return service


@pytest.fixture
def integration(mall, files):
    """OSS at a closed loopback port; its files at the file server's, and at oss.go.id."""
    integration = Integration(
        kind=Integration.Kind.OSS,
        provider="oss-rba",
        name="OSS Kota Bogor",
        mall=mall,
        base_url="http://127.0.0.1:9/oss",
        options={"file_hosts": [files.base_url.removeprefix("http://"), "oss.go.id"]},
        is_active=True,
    )
    integration.set_secrets({"username": USERNAME, "password": PASSWORD, "user_key": USER_KEY})
    integration.save()
    return integration


def token(nib: str = NIB, *, days_ago: int = 0, password: str = PASSWORD) -> str:
    day = timezone.localtime(timezone.now(), WIB).date() - timedelta(days=days_ago)
    return hashlib.sha1(f"{USERNAME}{password}{nib}{day:%Y%m%d}".encode()).hexdigest()  # noqa: S324


def push_body(
    files, *, kd_daerah="3271000000", kd_izin=KD_IZIN, file_paths=("/f/1.pdf",), urls=None
):
    urls = urls if urls is not None else [files.base_url + path for path in file_paths]
    return {
        "dataNIB": {
            "nib": NIB,
            "oss_id": "P02-123456789",
            "id_izin": ID_IZIN,
            "kd_izin": kd_izin,
            "kd_daerah": kd_daerah,
            "npwp_perseroan": "012345678901000",
            "nama_perseroan": "PT Maju Bersama",
            "alamat_perseroan": "Jl. Pajajaran No. 1",
            "email_perusahaan": "info@maju.example.id",
            "nama_user_proses": "Siti Aminah",
            "email_user_proses": "siti@maju.example.id",
            "jenis_id_user_proses": "01",
            "no_id_user_proses": SUBMITTER_NIK,
            "data_proyek": [
                {
                    "id_proyek": "R-202611300001",
                    "kbli": "47111",
                    "uraian_usaha": "Toko kelontong",
                    "data_lokasi_proyek": [{"alamat_usaha": "Jl. Suryakencana 5"}],
                }
            ],
            "data_checklist": [
                {"id_izin": "I-999", "kd_izin": "060000000001", "kd_daerah": "3100000000"},
                {
                    "id_produk": "P-1",
                    "id_proyek": "R-202611300001",
                    "id_izin": ID_IZIN,
                    "kd_izin": kd_izin,
                    "kd_daerah": kd_daerah,
                    "nama_izin": "Izin Usaha",
                    "data_persyaratan": [
                        {"id_syarat": str(n), "file_dokumen": url}
                        for n, url in enumerate(urls, start=1)
                    ],
                },
            ],
        }
    }


def push(client, integration, body, *, tok=None, method="receiveNIB"):
    url = reverse(
        "oss:receive-nib" if method == "receiveNIB" else "oss:receive-file-ds",
        kwargs={"integration_id": integration.pk},
    )
    response = client.post(
        url,
        json.dumps(body),
        content_type="application/json",
        headers={
            "Token": token() if tok is None else tok,
            "user_key": "from-oss",
            "Authorization": "Basic b3NzOm9zcw==",  # OSS's sample sends it too: tolerated
        },
    )
    assert response.status_code == 200  # OSS's protocol: 200 both ways
    return response.json()[f"respon{method}"]


def refused_and_logged(answer, integration, words):
    assert answer["status"] == "2"
    assert not Application.objects.exists() and not OssLink.objects.exists()
    assert not Document.objects.exists()
    event = IntegrationEvent.objects.filter(integration=integration).latest("pk")
    assert not event.ok and event.operation == "receiveNIB" and words in event.message


@pytest.fixture
def pdf_file(files):
    files.files["/f/1.pdf"] = (200, PDF)
    return files


# --- inbound --------------------------------------------------------------------------------


def test_a_push_becomes_a_submitted_application_with_its_files_and_tells_oss_10(
    client, service, integration, pdf_file
):
    answer = push(client, integration, push_body(pdf_file))

    assert answer["status"] == "1"
    application = Application.objects.get()
    assert answer["keterangan"].endswith(application.tracking_number)
    assert application.service == service
    assert application.status == Application.Status.IN_PROGRESS
    assert application.step == Step.DOCUMENT_CHECK
    assert application.nib == NIB
    link = application.oss_link
    assert (link.id_izin, link.kd_izin, link.kd_daerah) == (ID_IZIN, KD_IZIN, "3271000000")
    assert (link.business_name, link.npwp, link.kbli) == (
        "PT Maju Bersama",
        "012345678901000",
        "47111",
    )
    assert link.business_address == "Jl. Suryakencana 5" and link.integration == integration
    document = application.documents.get()
    assert document.requirement.text == "Surat permohonan"
    assert document.file.read() == PDF and document.content_type == "application/pdf"
    # The file was fetched with OSS's user_key.
    assert pdf_file.requests[0].headers["user_key"] == USER_KEY
    # The submitter's account: found or made by NIK, unclaimed (no password), not verified.
    applicant = application.applicant
    assert applicant.nik == SUBMITTER_NIK and not applicant.has_usable_password()
    call = OutboundCall.objects.get(operation="oss.receiveLicenseStatus")
    assert call.integration == integration and call.status == OutboundCall.Status.PENDING
    assert call.payload["IZINSTATUS"]["kd_status"] == "10"
    assert call.payload["IZINSTATUS"]["id_izin"] == ID_IZIN
    assert IntegrationEvent.objects.filter(integration=integration, ok=True).exists()


def test_the_submitter_without_nik_gets_an_account_by_email_and_an_existing_one_is_reused(
    client, service, integration, pdf_file
):
    body = push_body(pdf_file)
    body["dataNIB"]["no_id_user_proses"] = ""
    existing = User.objects.create(username="siti", email="SITI@maju.example.id")

    assert push(client, integration, body)["status"] == "1"

    assert Application.objects.get().applicant == existing


def test_yesterdays_token_is_accepted_near_midnight(client, service, integration, pdf_file):
    assert push(client, integration, push_body(pdf_file), tok=token(days_ago=1))["status"] == "1"


def test_a_forged_token_is_refused_and_logged(client, service, integration, pdf_file):
    answer = push(client, integration, push_body(pdf_file), tok=token(password="tebakan"))
    refused_and_logged(answer, integration, "Unauthenticated")
    assert not pdf_file.requests  # nothing fetched for a stranger


def test_a_stale_token_of_two_days_ago_is_refused(client, service, integration, pdf_file):
    answer = push(client, integration, push_body(pdf_file), tok=token(days_ago=2))
    refused_and_logged(answer, integration, "Unauthenticated")


def test_a_replayed_push_changes_nothing_and_answers_success(
    client, service, integration, pdf_file
):
    push(client, integration, push_body(pdf_file))
    counts = (Application.objects.count(), Document.objects.count(), OutboundCall.objects.count())

    answer = push(client, integration, push_body(pdf_file))

    assert answer["status"] == "1"
    assert Application.objects.get().tracking_number in answer["keterangan"]
    after = (Application.objects.count(), Document.objects.count(), OutboundCall.objects.count())
    assert after == counts == (1, 1, 1)
    assert len(pdf_file.requests) == 1  # not fetched again


def test_a_replay_through_another_integration_learns_nothing(
    client, service, integration, pdf_file
):
    push(client, integration, push_body(pdf_file))
    other = Integration(
        kind=Integration.Kind.OSS, provider="oss-rba", name="OSS lain", base_url="http://x.id"
    )
    other.set_secrets({"username": USERNAME, "password": PASSWORD})
    other.save()

    answer = push(client, other, push_body(pdf_file))

    assert answer["status"] == "2"
    assert Application.objects.get().tracking_number not in answer["keterangan"]


def test_a_checklist_of_another_region_is_refused(client, service, integration, pdf_file):
    answer = push(client, integration, push_body(pdf_file, kd_daerah="3201000000"))
    refused_and_logged(answer, integration, "3201000000")


def test_an_unknown_permit_code_is_refused(client, service, integration, pdf_file):
    answer = push(client, integration, push_body(pdf_file, kd_izin="060000000009"))
    refused_and_logged(answer, integration, "060000000009")


def test_another_malls_mapping_is_not_this_integrations(client, service, integration, pdf_file):
    elsewhere = WorkflowServiceFactory(agency=AgencyFactory(mall=MallFactory(region_code="32.01")))
    OssLicenseMap.objects.create(service=elsewhere, kd_izin="033000000077")
    answer = push(client, integration, push_body(pdf_file, kd_izin="033000000077"))
    refused_and_logged(answer, integration, "033000000077")


@pytest.mark.parametrize(
    ("served", "words"),
    [
        ((200, HTML), "1"),  # a web page, not a PDF
        ((200, b"GIF89a" + b"\x00" * 64), "1"),  # not a PDF either
        ((500, b"error"), "1"),
    ],
    ids=["html", "gif", "http-500"],
)
def test_a_file_that_is_not_a_pdf_or_does_not_come_refuses_the_whole_push(
    client, service, integration, files, served, words
):
    files.files["/f/1.pdf"] = (200, PDF)
    files.files["/f/2.pdf"] = served
    users = User.objects.count()
    answer = push(client, integration, push_body(files, file_paths=("/f/1.pdf", "/f/2.pdf")))
    refused_and_logged(answer, integration, "2")
    assert User.objects.count() == users  # no account made either


def test_a_file_too_big_is_refused(client, service, integration, files, settings):
    settings.CASE_UPLOAD_MAX_BYTES = 1024
    files.files["/f/1.pdf"] = (200, PDF[:-6] + b" " * 2048 + b"%%EOF\n")
    answer = push(client, integration, push_body(files))
    refused_and_logged(answer, integration, "1")


def test_a_file_on_a_host_not_oss_s_is_refused_unfetched_and_logged(
    client, service, integration, pdf_file
):
    with FileServer() as elsewhere:  # another service on the same loopback host
        elsewhere.files["/f/1.pdf"] = (200, PDF)
        answer = push(client, integration, push_body(elsewhere))
        refused_and_logged(answer, integration, "host not allowed")
        assert elsewhere.requests == []


def test_a_file_link_that_redirects_elsewhere_is_refused_unfollowed(
    client, service, integration, files
):
    with FileServer() as elsewhere:
        elsewhere.files["/f/1.pdf"] = (200, PDF)
        files.redirects["/f/1.pdf"] = elsewhere.base_url + "/f/1.pdf"
        answer = push(client, integration, push_body(files))
        refused_and_logged(answer, integration, "redirect")
        assert elsewhere.requests == []


def test_a_file_link_of_another_scheme_or_with_credentials_is_refused(
    client, service, integration, pdf_file
):
    port = pdf_file.base_url.rsplit(":", 1)[1]
    for url in (f"ftp://127.0.0.1:{port}/f/1.pdf", f"http://u:p@127.0.0.1:{port}/f/1.pdf"):
        answer = push(client, integration, push_body(None, urls=[url]))
        refused_and_logged(answer, integration, "1")
    assert pdf_file.requests == []


def test_a_body_that_is_not_oss_json_is_refused(client, service, integration):
    url = reverse("oss:receive-nib", kwargs={"integration_id": integration.pk})
    for body in ("not json", json.dumps([1]), json.dumps({"dataNIB": "x"})):
        response = client.post(url, body, content_type="application/json", headers={"Token": "x"})
        assert response.status_code == 200
        assert response.json()["responreceiveNIB"]["status"] == "2"
    assert not Application.objects.exists()


def test_an_inactive_integration_is_not_found(client, service, integration, pdf_file):
    integration.is_active = False
    integration.save()
    url = reverse("oss:receive-nib", kwargs={"integration_id": integration.pk})
    response = client.post(url, json.dumps(push_body(pdf_file)), content_type="application/json")
    assert response.status_code == 404
    assert not Application.objects.exists()


def test_receive_file_ds_keeps_the_oss_signed_permit_link(client, service, integration, pdf_file):
    push(client, integration, push_body(pdf_file))
    signed = "https://oss.go.id/file/izin-ds.pdf"
    body = {"receiveFileDS": {"id_izin": ID_IZIN, "nib": NIB, "file_izin": signed}}

    assert push(client, integration, body, method="receiveFileDS")["status"] == "1"
    assert OssLink.objects.get().signed_file_url == signed

    body["receiveFileDS"]["id_izin"] = "I-000"
    assert push(client, integration, body, method="receiveFileDS")["status"] == "2"
    forged = {"receiveFileDS": {"id_izin": ID_IZIN, "nib": NIB, "file_izin": "https://x.id/y"}}
    answer = push(client, integration, forged, tok="0" * 40, method="receiveFileDS")
    assert answer["status"] == "2"
    assert OssLink.objects.get().signed_file_url == signed


def test_the_oss_signed_permit_is_fetched_by_the_outbox_into_private_storage(
    client, service, integration, pdf_file
):
    push(client, integration, push_body(pdf_file))
    pdf_file.files["/ds/izin.pdf"] = (200, PDF)
    body = {
        "receiveFileDS": {
            "id_izin": ID_IZIN,
            "nib": NIB,
            "file_izin": pdf_file.base_url + "/ds/izin.pdf",
        }
    }
    fetched_before = len(pdf_file.requests)

    assert push(client, integration, body, method="receiveFileDS")["status"] == "1"
    assert push(client, integration, body, method="receiveFileDS")["status"] == "1"  # replayed

    assert len(pdf_file.requests) == fetched_before  # not inside OSS's request
    (call,) = OutboundCall.objects.filter(operation="oss.fetchFileDS")
    assert call.status == OutboundCall.Status.PENDING
    call_attempt(call_id=call.pk)
    call.refresh_from_db()
    assert call.status == OutboundCall.Status.DONE
    link = OssLink.objects.get()
    assert link.signed_file.read() == PDF and link.signed_file_at is not None
    assert pdf_file.requests[-1].headers["user_key"] == USER_KEY


def test_an_oss_signed_permit_that_is_not_a_pdf_is_not_kept(client, service, integration, pdf_file):
    push(client, integration, push_body(pdf_file))
    pdf_file.files["/ds/izin.pdf"] = (200, HTML)
    url = pdf_file.base_url + "/ds/izin.pdf"
    body = {"receiveFileDS": {"id_izin": ID_IZIN, "nib": NIB, "file_izin": url}}
    push(client, integration, body, method="receiveFileDS")

    call = call_attempt(call_id=OutboundCall.objects.get(operation="oss.fetchFileDS").pk)

    assert call.status == OutboundCall.Status.FAILED and "PDF" in call.last_error
    assert not OssLink.objects.get().signed_file


def test_an_oss_signed_permit_link_to_another_host_is_refused_and_logged(
    client, service, integration, pdf_file
):
    push(client, integration, push_body(pdf_file))
    for url in ("http://127.0.0.1:6379/", "https://169.254.169.254/latest/meta-data"):
        body = {"receiveFileDS": {"id_izin": ID_IZIN, "nib": NIB, "file_izin": url}}
        assert push(client, integration, body, method="receiveFileDS")["status"] == "2"
        event = IntegrationEvent.objects.filter(integration=integration).latest("pk")
        assert not event.ok and "host not allowed" in event.message
    assert OssLink.objects.get().signed_file_url == ""
    assert not OutboundCall.objects.filter(operation="oss.fetchFileDS").exists()


# --- outbound -------------------------------------------------------------------------------


def act(application, actor, action, note=""):
    return application_act(application=application, actor=actor, action=action, note=note)


def sent_statuses() -> list[str]:
    return [
        call.payload["IZINSTATUS"]["kd_status"]
        for call in OutboundCall.objects.filter(operation="oss.receiveLicenseStatus").order_by(
            "created_at", "pk"
        )
    ]


@pytest.fixture
def staff(service):
    staff = staff_of(service, "front_office", "verifier", "approver")
    approver = staff["approver"]
    approver.first_name, approver.last_name = "Rudi", "Hartono"
    approver.save()
    StaffMembership.objects.filter(user=approver, role="approver").update(
        position="Kepala DPMPTSP", nip="197805122005011003"
    )
    StaffMembership.objects.filter(user=staff["verifier"], role="verifier").update(
        nip="198001012010011001"
    )
    return staff


def test_each_step_reports_its_kd_status_and_approval_sends_the_permit(
    client, service, integration, pdf_file, staff
):
    push(client, integration, push_body(pdf_file))
    application = Application.objects.get()

    application = application_act(
        application=application, actor=staff["front_office"], action="forward"
    )
    application = application_act(
        application=application, actor=staff["verifier"], action="return", note="Lengkapi NPWP"
    )
    application = application_resubmit(application=application, form_data={})
    application = application_act(
        application=application, actor=staff["verifier"], action="forward"
    )
    application = application_act(
        application=application, actor=staff["approver"], action="forward"
    )

    # submitted, verification, clock stopped, restarted, decision, approved
    assert sent_statuses() == ["10", "20", "41", "42", "45", "50"]
    calls = OutboundCall.objects.filter(operation="oss.receiveLicenseStatus")
    returned = calls.order_by("created_at")[2].payload
    assert returned["IZINSTATUS"]["keterangan"] == "Lengkapi NPWP"
    assert returned["IZINSTATUS"]["nip_status"] == "198001012010011001"
    assert len(returned["IZINSTATUS"]["tgl_status"]) == len("2026-11-30 10:00:00")
    license_call = OutboundCall.objects.get(operation="oss.receiveLicense")
    assert license_call.retry is False and license_call.key == f"oss-license:{application.pk}"
    final = license_call.payload["IZINFINAL"]
    document = application.issued_document
    assert final["status_izin"] == "50" and final["nomor_izin"] == document.number
    assert (final["nama_ttd"], final["nip_ttd"], final["jabatan_ttd"]) == (
        "Rudi Hartono",
        "197805122005011003",
        "Kepala DPMPTSP",
    )
    # The permit's public link serves the signed PDF; a forged one nothing.
    response = client.get(final["file_izin"].removeprefix("http://testserver"))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    forged = reverse("oss:permit-file", kwargs={"code": document.code, "signature": "0" * 40})
    assert client.get(forged).status_code == 404


def test_rejection_reports_90_and_a_services_own_mapping_wins(
    client, service, integration, pdf_file, staff
):
    OssStatusMap.objects.create(service=service, key=OssStatusKey.VERIFICATION, kd_status="11")
    push(client, integration, push_body(pdf_file))
    application = Application.objects.get()
    application = application_act(
        application=application, actor=staff["front_office"], action="forward"
    )
    application_act(
        application=application, actor=staff["verifier"], action="reject", note="Tidak sesuai"
    )

    assert sent_statuses() == ["10", "11", "90"]
    assert not OutboundCall.objects.filter(operation="oss.receiveLicense").exists()


def test_the_default_mapping_of_each_moment(service):
    expected = {
        OssStatusKey.SUBMITTED: "10",
        OssStatusKey.VERIFICATION: "20",
        OssStatusKey.FIELD_SURVEY: "40",
        OssStatusKey.RETURNED: "41",
        OssStatusKey.RESUBMITTED: "42",
        OssStatusKey.APPROVED: "50",
        OssStatusKey.REJECTED: "90",
        OssStatusKey.CANCELLED: "",
    }
    assert {key: outbound.kd_status_for(service, key) for key in expected} == expected
    OssStatusMap.objects.create(service=service, key=OssStatusKey.FIELD_SURVEY, kd_status="")
    assert outbound.kd_status_for(service, OssStatusKey.FIELD_SURVEY) == ""


def test_a_case_not_born_in_oss_tells_oss_nothing(service, staff, integration):
    from satupintu.cases.tests.factories import ApplicationFactory

    ApplicationFactory(service=service, submitted=False)
    assert not OutboundCall.objects.exists()


def test_the_permit_number_oss_answers_is_kept(client, service, integration, pdf_file):
    push(client, integration, push_body(pdf_file))
    application = Application.objects.get()
    call = OutboundCall(
        integration=integration,
        operation="oss.receiveLicense",
        subject=f"application:{application.pk}",
        result={"nomor_izin": "503/0001/OSS/2026"},
    )
    outbound.keep_permit_number(call)
    assert OssLink.objects.get().permit_number == "503/0001/OSS/2026"


def test_region_code_is_ten_digits(mall):
    assert region_code(mall) == "3271000000"


def test_end_to_end_against_fake_oss(client, service, staff):
    """OSS pushes, the case is worked and approved, the outbox tells the fake OSS each status
    and the permit; the number OSS draws is kept."""
    with FakeOss() as oss:
        integration = Integration(
            kind=Integration.Kind.OSS,
            provider="oss-rba",
            name="OSS Kota Bogor",
            mall=service.agency.mall,
            base_url=oss.base_url,
            is_active=True,
        )
        integration.set_secrets(
            {"username": USERNAME, "password": PASSWORD, "user_key": FAKE_USER_KEY}
        )
        integration.save()
        url = oss.add_file("surat-permohonan.pdf", PDF)

        assert push(client, integration, push_body(None, urls=[url]))["status"] == "1"
        application = Application.objects.get()
        assert application.documents.get().file.read() == PDF
        application = act(application, staff["front_office"], "forward")
        application = act(application, staff["verifier"], "forward")
        application = act(application, staff["approver"], "forward")
        for call in OutboundCall.objects.order_by("created_at", "pk"):
            call_attempt(call_id=call.pk)

        assert set(OutboundCall.objects.values_list("status", flat=True)) == {
            OutboundCall.Status.DONE
        }
        statuses = [b["IZINSTATUS"]["kd_status"] for b in oss.received("receiveLicenseStatus")]
        assert statuses == ["10", "20", "45", "50"]
        permit = oss.permits[ID_IZIN]
        assert permit["kd_status"] == "50"
        (final,) = oss.received("receiveLicense")
        assert final["IZINFINAL"]["nip_ttd"] == "197805122005011003"
        assert OssLink.objects.get().permit_number == permit["nomor_izin"]
