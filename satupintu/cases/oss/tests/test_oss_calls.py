"""Calls to OSS through the outbox and while the applicant waits, against the fake OSS over
real HTTP: what is sent, what is kept, and which failures are retried, held or given up."""

import pytest
from django.utils import timezone

from satupintu.cases.errors import CaseError
from satupintu.cases.oss.client import check_nib, envelope_of, inquery_nib
from satupintu.integrations.models import OutboundCall
from satupintu.integrations.services import call_attempt, call_enqueue

pytestmark = pytest.mark.django_db
NIB = "8120000000001"
ID_IZIN = "I-202601050000000000001"
STATUS = {
    "IZINSTATUS": {
        "nib": NIB,
        "id_produk": "",
        "id_proyek": "R-000000000001",
        "oss_id": "P02-0000000000001",
        "id_izin": ID_IZIN,
        "kd_izin": "033000000001",
        "kd_instansi": "033",
        "kd_status": "20",
        "tgl_status": "2026-01-06 09:30:00",
        "nip_status": "198001012005011001",
        "nama_status": "Budi",
        "keterangan": "Validasi berkas",
    }
}
FINAL = {
    "IZINFINAL": {
        "nib": NIB,
        "id_proyek": "R-000000000001",
        "oss_id": "P02-0000000000001",
        "id_izin": ID_IZIN,
        "kd_izin": "033000000001",
        "kd_daerah": "3271000000",
        "nomor_izin": "",
        "tgl_terbit_izin": "2026-01-10",
        "tgl_berlaku_izin": "",
        "nama_ttd": "Dra. Sri Lestari",
        "nip_ttd": "197001012000032001",
        "jabatan_ttd": "Kepala DPMPTSP Kota Bogor",
        "status_izin": "50",
        "file_izin": "https://mpp.example/verify/ABC/",
    }
}
OPERATIONS = {
    "status": ("oss.receiveLicenseStatus", STATUS),
    "license": ("oss.receiveLicense", FINAL),
}


@pytest.fixture
def deliver(oss_integration):
    """Enqueue one call to the fake (``retry=False`` for receiveLicense, which allocates a
    number, as its callers enqueue it) and attempt it once, as the worker does."""
    integration = oss_integration()

    def run(which, call=None):
        if call is not None:  # its next attempt's time has come
            OutboundCall.objects.filter(pk=call.pk).update(next_attempt_at=timezone.now())
        else:
            operation, payload = OPERATIONS[which]
            call = call_enqueue(
                integration=integration,
                operation=operation,
                payload=payload,
                subject="application:1",
                retry=which != "license",
            )
        call_attempt(call_id=call.id)
        return OutboundCall.objects.get(pk=call.pk)

    run.integration = integration
    return run


def test_a_status_goes_out_as_the_payload_with_the_user_key(oss, deliver):
    call = deliver("status")
    assert call.status == OutboundCall.Status.DONE
    assert call.result == {"kode": 200, "keterangan": "Sukses"}
    assert oss.received("receiveLicenseStatus") == [STATUS]
    request = oss.requests[-1]
    assert request.path == "/receiveLicenseStatus"
    assert request.headers["user_key"] == "fake-oss-user-key"
    assert request.headers["Content-Type"] == "application/json"


def test_the_permit_comes_back_with_the_number_oss_gives_it(oss, deliver):
    call = deliver("license")
    assert call.status == OutboundCall.Status.DONE
    assert call.result["nomor_izin"] == oss.permits[ID_IZIN]["nomor_izin"]
    assert oss.received("receiveLicense") == [FINAL]
    assert deliver("license").result["nomor_izin"] == call.result["nomor_izin"]


@pytest.mark.parametrize("mode", ["kode500", "kode504", "http500", "http504", "garbage"])
def test_oss_failing_makes_a_status_wait_for_another_try_which_delivers_it(oss, deliver, mode):
    oss.fault("receiveLicenseStatus", mode)
    call = deliver("status")
    assert call.status == OutboundCall.Status.PENDING
    assert call.attempts == 1 and call.next_attempt_at is not None
    assert call.last_error
    oss.fault("receiveLicenseStatus", None)
    call = deliver("status", call)
    assert call.status == OutboundCall.Status.DONE and call.attempts == 2


def test_oss_down_makes_a_status_wait_for_another_try(deliver, closed_url):
    deliver.integration.base_url = closed_url
    deliver.integration.save()
    call = deliver("status")
    assert call.status == OutboundCall.Status.PENDING and call.next_attempt_at is not None


def test_a_slow_oss_makes_a_status_wait_for_another_try(oss, deliver, settings):
    settings.INTEGRATIONS_TIMEOUT = 0.2
    oss.delay = 1
    call = deliver("status")
    assert call.status == OutboundCall.Status.PENDING and call.next_attempt_at is not None


@pytest.mark.parametrize("mode", ["http504", "kode504"])
def test_a_permit_oss_timed_out_on_is_held_never_sent_again(oss, deliver, mode):
    oss.fault("receiveLicense", mode)
    call = deliver("license")
    assert call.status == OutboundCall.Status.HELD
    assert len(oss.received("receiveLicense")) == 1


def test_a_permit_whose_answer_never_came_is_held(oss, deliver, settings):
    settings.INTEGRATIONS_TIMEOUT = 0.2
    oss.delay = 1
    call = deliver("license")
    assert call.status == OutboundCall.Status.HELD
    assert len(oss.received("receiveLicense")) == 1


def test_a_permit_oss_failed_to_process_may_be_sent_again(oss, deliver):
    oss.fault("receiveLicense", "kode500")
    call = deliver("license")
    assert call.status in (OutboundCall.Status.PENDING, OutboundCall.Status.FAILED)
    assert call.status != OutboundCall.Status.HELD


@pytest.mark.parametrize("which", ["status", "license"])
def test_a_refused_call_is_not_tried_again(oss, deliver, which):
    oss.user_key = "another-key"  # OSS no longer knows ours: 401
    call = deliver(which)
    assert call.status == OutboundCall.Status.FAILED
    assert call.last_status_code == 401 and "401" in call.last_error
    assert "fake-oss-user-key" not in call.last_answer + call.last_error


def test_a_status_oss_finds_wrong_is_not_tried_again(oss, deliver):
    oss.known_permits_only = True
    call = deliver("status")
    assert call.status == OutboundCall.Status.FAILED
    assert "Data izin tidak ditemukan" in call.last_error


@pytest.mark.parametrize(
    "root", ["responcheckLicenseStatus", "responcheckStatusLicense", "responsecheckStatusLicense"]
)
def test_the_envelope_is_read_whatever_spelling_of_its_root(root):
    assert envelope_of({root: {"kode": 200}}, "checkLicenseStatus") == {"kode": 200}


def test_check_nib_and_inquery_nib_answer_what_oss_knows(oss, oss_integration):
    integration = oss_integration()
    oss.add_nib(NIB, nama_perseroan="PT Roti Bogor", npwp_perseroan="012345617000000")
    checked = check_nib(integration, NIB)
    assert (checked.nib, checked.company_name, checked.active) == (NIB, "PT Roti Bogor", True)
    for query in ({"nib": NIB}, {"npwp": "01.234.561.7-000.000"}):
        business = inquery_nib(integration, **query)
        assert (business.nib, business.name, business.npwp) == (
            NIB,
            "PT Roti Bogor",
            "012345617000000",
        )
        assert business.address.startswith("Jl. Pajajaran No. 1") and business.kbli == ("47111",)


def test_a_nib_of_the_wrong_length_is_refused_without_asking_oss(oss, oss_integration):
    with pytest.raises(CaseError) as refused:
        check_nib(oss_integration(), "12345")
    assert refused.value.code == "invalid_nib" and refused.value.fields["nib"]
    assert oss.requests == []


@pytest.mark.parametrize("http_200", [False, True])
def test_an_unknown_nib_is_said_so(oss, oss_integration, http_200):
    oss.errors_as_http_200 = http_200
    integration = oss_integration()
    for ask in (lambda: check_nib(integration, NIB), lambda: inquery_nib(integration, nib=NIB)):
        with pytest.raises(CaseError) as refused:
            ask()
        assert refused.value.code == "nib_not_found" and NIB in refused.value.message


@pytest.mark.parametrize("fault", ["http500", "kode504", "garbage", "slow", "down", "wrong_key"])
def test_oss_not_answering_a_check_is_oss_unavailable(oss, oss_integration, closed_url, fault):
    integration = oss_integration(check_timeout=0.2)
    oss.add_nib(NIB)
    if fault == "slow":
        oss.delay = 1
    elif fault == "down":
        integration.base_url = closed_url
        integration.save()
    elif fault == "wrong_key":
        oss.user_key = "another-key"
    else:
        oss.fault("*", fault)
    with pytest.raises(CaseError) as refused:
        check_nib(integration, NIB)
    assert refused.value.code == "oss_unavailable" and refused.value.status == 503
    integration.refresh_from_db()
    assert integration.last_error_at is not None


@pytest.mark.parametrize("option", ["abc", None, [1]])
def test_a_check_timeout_option_that_is_no_number_falls_back_to_the_default(
    oss, oss_integration, option
):
    oss.add_nib(NIB)
    assert check_nib(oss_integration(check_timeout=option), NIB).nib == NIB
