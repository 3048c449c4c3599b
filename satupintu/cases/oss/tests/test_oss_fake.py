"""The fake OSS speaks the protocol of the digest (national-systems.md section 1): the user_key,
the wrapper objects, the ``respon<method>`` envelopes and codes, and the odd cases."""

import pytest
import requests

from satupintu.cases.oss.fake import USER_KEY

NIB = "8120000000001"
KEY = {"user_key": USER_KEY}


def post(oss, method, body, headers=KEY):
    return requests.post(f"{oss.base_url}/{method}", json=body, headers=headers, timeout=5)


def status(**fields):
    return {
        "IZINSTATUS": {
            "nib": NIB,
            "id_izin": "I-202601050000000000001",
            "kd_izin": "033000000001",
            "kd_instansi": "033",
            "kd_status": "20",
            "tgl_status": "2026-01-06 09:30:00",
            "nip_status": "198001012005011001",
            "nama_status": "Budi",
            "keterangan": "Validasi",
            **fields,
        }
    }


def final(id_izin="I-202601050000000000001", **fields):
    return {
        "IZINFINAL": {
            "nib": NIB,
            "id_proyek": "R-000000000001",
            "oss_id": "P02-0000000000001",
            "id_izin": id_izin,
            "kd_izin": "033000000001",
            "kd_daerah": "3271000000",
            "tgl_terbit_izin": "2026-01-10",
            "nama_ttd": "Dra. Sri",
            "nip_ttd": "197001012000032001",
            "jabatan_ttd": "Kepala DPMPTSP",
            "status_izin": "50",
            **fields,
        }
    }


@pytest.mark.parametrize("headers", [{}, {"user_key": "wrong"}])
def test_a_call_without_the_user_key_gets_the_401_envelope(oss, headers):
    answer = post(oss, "checkNIB", {"CHECKNIB": {"nib": NIB}}, headers=headers)
    assert answer.status_code == 401
    assert answer.json() == {
        "responcheckNIB": {"kode": 401, "keterangan": "User akses tidak valid"}
    }


def test_an_unknown_method_is_404_and_a_get_is_405(oss):
    assert post(oss, "sendSecurityKey", {}).json()["responsendSecurityKey"]["kode"] == 404
    answer = requests.get(f"{oss.base_url}/checkNIB", headers=KEY, timeout=5)
    assert answer.status_code == 405 and answer.json()["responcheckNIB"]["kode"] == 405


def test_a_body_without_its_wrapper_is_refused(oss):
    answer = post(oss, "receiveLicenseStatus", {"nib": NIB})
    assert answer.status_code == 400
    assert answer.json()["responreceiveLicenseStatus"]["keterangan"] == (
        "Objek IZINSTATUS tidak ditemukan"
    )


def test_inquery_nib_finds_by_nib_by_nib_and_oss_id_and_by_npwp(oss):
    oss.add_nib(
        NIB, nama_perseroan="PT Roti Bogor", oss_id="P02-1", npwp_perseroan="012345617000000"
    )
    for query in ({"nib": NIB}, {"nib": NIB, "oss_id": "P02-1"}, {"npwp": "012345617000000"}):
        envelope = post(oss, "inqueryNIB", {"INQUERYNIB": query}).json()["responinqueryNIB"]
        assert envelope["kode"] == 200 and envelope["dataNIB"]["nama_perseroan"] == "PT Roti Bogor"
    answer = post(oss, "inqueryNIB", {"INQUERYNIB": {"nib": NIB, "oss_id": "P02-2"}})
    assert answer.status_code == 400
    assert answer.json() == {
        "responinqueryNIB": {"kode": 400, "keterangan": "Data NIB tidak ditemukan", "dataNIB": []}
    }


def test_check_nib_answers_name_and_status(oss):
    oss.add_nib(NIB, nama_perseroan="PT Roti Bogor", status_nib="05")
    envelope = post(oss, "checkNIB", {"CHECKNIB": {"nib": NIB}}).json()["responcheckNIB"]
    assert envelope == {
        "kode": 200,
        "keterangan": "Sukses",
        "dataNIB": {"nib": NIB, "nama_perusahaan": "PT Roti Bogor", "status": "05"},
    }


def test_a_status_is_taken_with_data_pnbp_as_object_or_one_element_array(oss):
    pnbp = {"kd_akun": "425", "kd_billing": "820260000001", "nominal": 50000}
    for value in (pnbp, [pnbp]):
        answer = post(oss, "receiveLicenseStatus", status(data_pnbp=value))
        assert answer.status_code == 200
        assert answer.json() == {
            "responreceiveLicenseStatus": {"kode": 200, "keterangan": "Sukses", "dataNIB": {}}
        }
    assert post(oss, "receiveLicenseStatus", status(data_pnbp=[pnbp, pnbp])).status_code == 400
    assert oss.permits["I-202601050000000000001"]["pnbp"] == pnbp
    assert len(oss.received("receiveLicenseStatus")) == 3


def test_a_status_needs_its_fields_and_a_proper_time(oss):
    answer = post(oss, "receiveLicenseStatus", status(kd_status="", tgl_status="06-01-2026"))
    assert answer.json()["responreceiveLicenseStatus"]["kode"] == 400
    answer = post(oss, "receiveLicenseStatus", status(tgl_status="06-01-2026"))
    assert "tgl_status" in answer.json()["responreceiveLicenseStatus"]["keterangan"]


def test_an_unknown_permit_is_refused_when_the_fake_knows_only_its_own(oss):
    oss.known_permits_only = True
    answer = post(oss, "receiveLicenseStatus", status())
    assert answer.json()["responreceiveLicenseStatus"] == {
        "kode": 400,
        "keterangan": "Data izin tidak ditemukan",
    }
    oss.add_nib(NIB, checklists=[{"id_izin": "I-202601050000000000001", "kd_izin": "033000000001"}])
    assert post(oss, "receiveLicenseStatus", status()).status_code == 200


def test_receive_license_issues_one_number_per_permit(oss):
    first = post(oss, "receiveLicense", final()).json()["responreceiveLicense"]
    again = post(oss, "receiveLicense", final()).json()["responreceiveLicense"]
    other = post(oss, "receiveLicense", final("I-202601050000000000002")).json()
    assert first["kode"] == 200 and first["nomor_izin"]
    assert again["nomor_izin"] == first["nomor_izin"]
    assert other["responreceiveLicense"]["nomor_izin"] != first["nomor_izin"]


def test_check_license_status_and_update_license_follow_what_was_sent(oss):
    method = "checkLicenseStatus"
    body = {"CHECKLICENSESTATUS": {"id_izin": "I-202601050000000000001"}}
    assert post(oss, method, body).json()["respon" + method]["kode"] == 400
    assert post(oss, "updateLicense", final()).json()["responupdateLicense"]["kode"] == 400
    post(oss, "receiveLicenseStatus", status(kd_status="40"))
    assert post(oss, method, body).json()["respon" + method]["dataIZIN"]["kd_status"] == "40"
    number = post(oss, "receiveLicense", final()).json()["responreceiveLicense"]["nomor_izin"]
    data = post(oss, method, body).json()["respon" + method]["dataIZIN"]
    assert data["kd_status"] == "50" and data["uraian_status"] == "Disetujui"
    updated = post(oss, "updateLicense", final(kewenangan="02")).json()["responupdateLicense"]
    assert updated["kode"] == 200 and updated["nomor_izin"] == number


def test_inquery_file_ds_answers_a_string_status(oss):
    body = {"INQUERYFILEDS": {"id_permohonan_izin": "I-1"}}
    assert post(oss, "inqueryFileDS", body).json()["responInqueryFileDS"]["status"] == "400"
    oss.add_file_ds("I-1", oss.add_file("izin.pdf", b"%PDF-1.7 signed"))
    envelope = post(oss, "inqueryFileDS", body).json()["responInqueryFileDS"]
    assert envelope["status"] == "200" and envelope["url_file_ds"].startswith(oss.base_url)


def test_get_data_referensi_lists_a_code_table(oss):
    answer = post(oss, "getDataReferensi", {"GETDATAREFERENSI": {"kode": "10"}}).json()
    rows = answer["respongetDataReferensi"]["dataReferensi"]
    assert {
        "kode_referensi": "50",
        "uraian_referensi": "Disetujui",
        "keterangan_referensi": "",
    } in rows
    unknown = post(oss, "getDataReferensi", {"GETDATAREFERENSI": {"kode": "99"}})
    assert unknown.json()["respongetDataReferensi"]["kode"] == 400


def test_files_are_served_to_the_user_key_only(oss):
    url = oss.add_file("syarat 1.pdf", b"%PDF-1.7 x", "application/pdf")
    assert requests.get(url, timeout=5).status_code == 401
    answer = requests.get(url, headers=KEY, timeout=5)
    assert answer.status_code == 200 and answer.content == b"%PDF-1.7 x"
    assert answer.headers["Content-Type"] == "application/pdf"
    assert (
        requests.get(f"{oss.base_url}/files/nope/a.pdf", headers=KEY, timeout=5).status_code == 404
    )


@pytest.mark.parametrize(
    ("mode", "http", "kode"),
    [("kode500", 200, 500), ("kode504", 200, 504), ("http500", 500, 500), ("http504", 504, 504)],
)
def test_faults_answer_as_switched(oss, mode, http, kode):
    oss.fault("receiveLicense", mode)
    answer = post(oss, "receiveLicense", final())
    assert answer.status_code == http and answer.json()["responreceiveLicense"]["kode"] == kode
    assert post(oss, "checkNIB", {"CHECKNIB": {"nib": NIB}}).json()["responcheckNIB"]["kode"] == 400
    oss.fault("receiveLicense", None)
    assert post(oss, "receiveLicense", final()).status_code == 200


def test_business_errors_can_come_as_http_200(oss):
    oss.errors_as_http_200 = True
    answer = post(oss, "inqueryNIB", {"INQUERYNIB": {"nib": NIB}})
    assert answer.status_code == 200 and answer.json()["responinqueryNIB"]["kode"] == 400


def test_garbage_is_not_json(oss):
    oss.fault("*", "garbage")
    answer = post(oss, "checkNIB", {"CHECKNIB": {"nib": NIB}})
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "text/html"
