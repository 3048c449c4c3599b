"""A fake OSS RBA for the tests and ``manage.py run_fakes``: a real loopback server speaking the
methods OSS offers to regional systems, as ``national-systems.md`` section 1 digests them."""

import secrets
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import quote

from satupintu.integrations.fakes import FakeRequest, FakeResponse, FakeServer, register_fake

USER_KEY = "fake-oss-user-key"
# Lampiran 9: what each response kode means (OSS's own wording, in Indonesian).
KODE = {
    200: "Sukses",
    400: "Parameter data tidak sesuai",
    401: "User akses tidak valid",
    403: "Inquiry atau akses ilegal",
    404: "Layanan tidak ditemukan",
    405: "Akses layanan ditolak",
    500: "Proses gagal di OSS",
    504: "Proses melebihi batas waktu di OSS",
}
# What each method's request wraps its fields in.
WRAPPERS = {
    "receiveLicenseStatus": "IZINSTATUS",
    "receiveLicense": "IZINFINAL",
    "updateLicense": "IZINFINAL",
    "checkLicenseStatus": "CHECKLICENSESTATUS",
    "inqueryNIB": "INQUERYNIB",
    "checkNIB": "CHECKNIB",
    "inqueryFileDS": "INQUERYFILEDS",
    "getDataReferensi": "GETDATAREFERENSI",
}
# Lampiran 10 (permit status), Lampiran 14 (NIB status): what getDataReferensi answers.
STATUS_IZIN = {
    "09": "Permohonan dan persyaratan diisi",
    "10": "Dokumen lengkap",
    "11": "Dokumen tidak lengkap",
    "20": "Validasi",
    "40": "Pemeriksaan lapangan",
    "41": "Konfirmasi persyaratan",
    "42": "Data konfirmasi dipenuhi",
    "45": "Persyaratan terverifikasi instansi teknis",
    "50": "Disetujui",
    "90": "Ditolak",
}
REFERENCES = {
    "8": {
        "033000000001": "Persetujuan Bangunan Gedung",
        "033000000002": "Sertifikat Laik Fungsi",
        "060000000001": "Izin Keramaian",
    },
    "10": STATUS_IZIN,
    "14": {
        "01": "Aktif",
        "02": "Belum aktif",
        "03": "Boleh berusaha",
        "04": "Boleh beroperasi",
        "05": "Dibekukan",
        "06": "Dicabut",
    },
}
# Faults a test switches on per method (or "*" for every method), see ``FakeOss.fault``.
FAULTS = ("kode500", "kode504", "http500", "http504", "garbage")


def nib_record(
    nib: str,
    *,
    nama_perseroan: str = "PT Contoh Usaha Bogor",
    npwp_perseroan: str = "012345617000000",
    oss_id: str = "P02-0000000000001",
    alamat_perseroan: str = "Jl. Pajajaran No. 1",
    status_nib: str = "01",
    kd_daerah: str = "3271000000",
    checklists: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A ``dataNIB`` as OSS sends it (receiveNIB) and answers it (inqueryNIB), with the fields
    not given filled with plausible values."""
    return {
        "nib": nib,
        "tgl_pengajuan_nib": "2026-01-05",
        "tgl_terbit_nib": "2026-01-05",
        "tgl_perubahan_nib": "",
        "oss_id": oss_id,
        "id_izin": (checklists or [{}])[0].get("id_izin", ""),
        "kd_izin": (checklists or [{}])[0].get("kd_izin", ""),
        "kd_daerah": kd_daerah,
        "kewenangan": "02",
        "jenis_pelaku_usaha": "02",
        "npwp_perseroan": npwp_perseroan,
        "nama_perseroan": nama_perseroan,
        "jenis_perseroan": "01",
        "alamat_perseroan": alamat_perseroan,
        "rt_rw_perseroan": "001/002",
        "kelurahan_perseroan": "Babakan",
        "perseroan_daerah_id": kd_daerah,
        "kode_pos_perseroan": "16128",
        "email_perusahaan": "kantor@contoh.example",
        "flag_umk": "Y",
        "skala_usaha": "02",
        "status_nib": status_nib,
        "penanggung_jwb": [],
        "pemegang_saham": [],
        "legalitas": [],
        "data_proyek": [
            {
                "id_proyek": "R-000000000001",
                "kbli": "47111",
                "uraian_usaha": "Perdagangan eceran",
                "skala_resiko": "R",
                "data_lokasi_proyek": [
                    {"proyek_daerah_id": kd_daerah, "alamat_usaha": alamat_perseroan}
                ],
                "data_proyek_produk": [],
            }
        ],
        "data_checklist": checklists or [],
        **extra,
    }


class FakeOss(FakeServer):
    """OSS as a regional system sees it: POST ``/<method>`` with a ``user_key`` header and one
    upper-case wrapper object, answered with a ``respon<method>`` envelope (``kode`` and
    ``keterangan``); files served at ``/files/...`` to the same key.

    Seed it with ``add_nib``/``add_file``/``add_file_ds``; switch a fault on with ``fault``;
    read what it received with ``received(method)``. Errors answer with the HTTP status equal
    to the envelope's ``kode``, as the spec's examples do; ``errors_as_http_200`` makes every
    business error an HTTP 200, as some OSS gateways do."""

    name = "oss"

    def __init__(self, *, user_key: str = USER_KEY, port: int = 0) -> None:
        super().__init__(port)
        self.user_key = user_key
        self.nibs: dict[str, dict[str, Any]] = {}
        self.files: dict[str, tuple[bytes, str]] = {}
        self.files_ds: dict[str, str] = {}
        # id_izin -> what OSS knows of the permit (last kd_status, its number once issued).
        self.permits: dict[str, dict[str, Any]] = {}
        self.faults: dict[str, str] = {}
        self.errors_as_http_200 = False
        # Unknown id_izin refused (kode 400) only when asked: by default any id_izin is taken.
        self.known_permits_only = False
        self._numbers = 0
        self._numbering = threading.Lock()
        self._methods: dict[str, Callable[[dict[str, Any]], FakeResponse]] = {
            "receiveLicenseStatus": self._receive_license_status,
            "receiveLicense": self._receive_license,
            "updateLicense": self._update_license,
            "checkLicenseStatus": self._check_license_status,
            "inqueryNIB": self._inquery_nib,
            "checkNIB": self._check_nib,
            "inqueryFileDS": self._inquery_file_ds,
            "getDataReferensi": self._get_data_referensi,
        }

    # Seeding and switches -------------------------------------------------------------------

    def add_nib(self, nib: str, **fields: Any) -> dict[str, Any]:
        """Make OSS know a business (fields as ``nib_record`` takes them); its checklists'
        ``id_izin`` become known permits."""
        record = nib_record(nib, **fields)
        self.nibs[nib] = record
        for item in record["data_checklist"]:
            self.permits.setdefault(
                item["id_izin"], {"nib": nib, "id_proyek": item.get("id_proyek", "")}
            )
        return record

    def add_file(self, name: str, body: bytes, content_type: str = "application/pdf") -> str:
        """Serve ``body`` (to the user_key only) and return its URL; the server must be started."""
        token = secrets.token_hex(8)
        self.files[token] = (body, content_type)
        return f"{self.base_url}/files/{token}/{quote(name)}"

    def add_file_ds(self, id_izin: str, url: str) -> None:
        """The OSS-signed merged permit of ``id_izin``, as inqueryFileDS answers it."""
        self.files_ds[id_izin] = url

    def fault(self, method: str, mode: str | None) -> None:
        """Answer ``method`` (or every method: "*") with a fault until cleared with ``None``:
        kode500/kode504 (HTTP 200 carrying a failure kode), http500/http504 (the HTTP status
        and the same kode), garbage (HTTP 200 and a body that is not JSON)."""
        if mode is None:
            self.faults.pop(method, None)
            return
        if mode not in FAULTS:
            raise ValueError(f"unknown fault {mode!r}; one of {FAULTS}")
        self.faults[method] = mode

    def received(self, method: str) -> list[dict[str, Any]]:
        """The bodies of the requests received for ``method``, in order (auth refused included)."""
        bodies = []
        for request in list(self.requests):
            if request.method == "POST" and request.path.rstrip("/").endswith("/" + method):
                body = request.json()
                bodies.append(body if isinstance(body, dict) else {})
        return bodies

    # The protocol -----------------------------------------------------------------------------

    def handle(self, request: FakeRequest) -> FakeResponse:
        path = request.path.strip("/")
        if path.startswith("files/"):
            return self._file(request, path)
        method = path.rsplit("/", 1)[-1]
        if method not in self._methods:
            return self._answer(method, 404)
        if request.method != "POST":
            return self._answer(method, 405)
        if request.header("user_key") != self.user_key:
            return self._answer(method, 401)
        mode = self.faults.get(method) or self.faults.get("*")
        if mode == "garbage":
            return FakeResponse(200, b"<html>Bad gateway</html>", {"Content-Type": "text/html"})
        if mode:
            kode = int(mode[-3:])
            return self._answer(method, kode, http=200 if mode.startswith("kode") else kode)
        body = request.json()
        wrapper = WRAPPERS[method]
        fields = body.get(wrapper) if isinstance(body, dict) else None
        if not isinstance(fields, dict):
            return self._answer(method, 400, f"Objek {wrapper} tidak ditemukan")
        return self._methods[method](fields)

    def _answer(
        self, method: str, kode: int, keterangan: str = "", *, http: int | None = None, **data: Any
    ) -> FakeResponse:
        envelope = {"kode": kode, "keterangan": keterangan or KODE.get(kode, ""), **data}
        if http is None:
            http = 200 if kode == 200 or self.errors_as_http_200 else kode
        return FakeResponse(http, {f"respon{method}": envelope})

    def _missing(self, method: str, fields: dict[str, Any], *names: str) -> FakeResponse | None:
        absent = [name for name in names if not str(fields.get(name) or "").strip()]
        if absent:
            return self._answer(method, 400, "Parameter wajib kosong: " + ", ".join(absent))
        return None

    def _permit(self, method: str, id_izin: str) -> tuple[dict[str, Any] | None, FakeResponse]:
        permit = self.permits.get(id_izin)
        if permit is None and not self.known_permits_only:
            permit = self.permits.setdefault(id_izin, {})
        return permit, self._answer(method, 400, "Data izin tidak ditemukan")

    def _receive_license_status(self, fields: dict[str, Any]) -> FakeResponse:
        method = "receiveLicenseStatus"
        refused = self._missing(method, fields, "nib", "id_izin", "kd_izin", "kd_status")
        if refused:
            return refused
        if not _is_timestamp(fields.get("tgl_status")):
            return self._answer(method, 400, "Format tgl_status harus YYYY-MM-DD HH:MM:SS")
        pnbp = fields.get("data_pnbp")
        if isinstance(pnbp, list) and len(pnbp) == 1:  # clients send it as a one-element array
            pnbp = pnbp[0]
        if pnbp is not None and not isinstance(pnbp, dict):
            return self._answer(method, 400, "Format data_pnbp tidak sesuai")
        permit, unknown = self._permit(method, fields["id_izin"])
        if permit is None:
            return unknown
        with self._numbering:
            permit.update(
                nib=fields["nib"],
                id_proyek=fields.get("id_proyek", ""),
                kd_status=str(fields["kd_status"]),
                pnbp=pnbp,
            )
        return self._answer(method, 200, dataNIB={})

    def _receive_license(self, fields: dict[str, Any]) -> FakeResponse:
        method = "receiveLicense"
        refused = self._missing(
            method, fields, "nib", "id_izin", "kd_izin", "status_izin", "nama_ttd", "nip_ttd"
        )
        if refused:
            return refused
        if len(str(fields.get("jabatan_ttd") or "")) > 150:
            return self._answer(method, 400, "jabatan_ttd melebihi 150 karakter")
        permit, unknown = self._permit(method, fields["id_izin"])
        if permit is None:
            return unknown
        with self._numbering:
            if "nomor_izin" not in permit:  # one number per permit, whatever the retries
                self._numbers += 1
                permit["nomor_izin"] = (
                    f"{str(fields['kd_izin'])[:3]}/{self._numbers:06d}/OSS/{datetime.now().year}"  # noqa: DTZ005 - a label only
                )
            permit.update(
                nib=fields["nib"],
                id_proyek=fields.get("id_proyek", ""),
                kd_status=str(fields["status_izin"]),
                file_izin=fields.get("file_izin", ""),
            )
        return self._answer(
            method,
            200,
            nomor_izin=permit["nomor_izin"],
            jenis_perizinan=fields.get("jenis_perizinan", ""),
            file_lampiran=fields.get("file_lampiran", ""),
        )

    def _update_license(self, fields: dict[str, Any]) -> FakeResponse:
        method = "updateLicense"
        refused = self._missing(method, fields, "nib", "id_izin", "kd_izin")
        if refused:
            return refused
        permit = self.permits.get(fields["id_izin"])
        if permit is None or "nomor_izin" not in permit:
            return self._answer(method, 400, "Data izin tidak ditemukan")
        return self._answer(
            method,
            200,
            nomor_izin=permit["nomor_izin"],
            keterangan_reset_izin_ds="File DS izin direset",
        )

    def _check_license_status(self, fields: dict[str, Any]) -> FakeResponse:
        method = "checkLicenseStatus"
        permit = self.permits.get(str(fields.get("id_izin") or ""))
        if not permit or "kd_status" not in permit:
            return self._answer(method, 400, "Data izin tidak ditemukan")
        return self._answer(
            method,
            200,
            dataIZIN={
                "nib": permit["nib"],
                "id_proyek": permit.get("id_proyek", ""),
                "id_izin": fields["id_izin"],
                "kd_status": permit["kd_status"],
                "uraian_status": STATUS_IZIN.get(permit["kd_status"], ""),
                "file_lampiran": permit.get("file_izin", ""),
            },
        )

    def _find_nib(self, fields: dict[str, Any]) -> dict[str, Any] | None:
        nib, npwp = str(fields.get("nib") or ""), str(fields.get("npwp") or "")
        oss_id = str(fields.get("oss_id") or "")
        if nib:
            record = self.nibs.get(nib)
            if record and (not oss_id or record["oss_id"] == oss_id):
                return record
            return None
        for record in self.nibs.values():
            if npwp and record["npwp_perseroan"] == npwp:
                return record
        return None

    def _inquery_nib(self, fields: dict[str, Any]) -> FakeResponse:
        record = self._find_nib(fields)
        if record is None:
            return self._answer("inqueryNIB", 400, "Data NIB tidak ditemukan", dataNIB=[])
        checklists = [
            {
                **item,
                "status_checklist": self.permits.get(item["id_izin"], {}).get("kd_status", ""),
            }
            for item in record["data_checklist"]
        ]
        return self._answer(
            "inqueryNIB", 200, dataNIB={**record, "data_checklist": checklists, "data_teknis": {}}
        )

    def _check_nib(self, fields: dict[str, Any]) -> FakeResponse:
        record = self.nibs.get(str(fields.get("nib") or ""))
        if record is None:
            return self._answer("checkNIB", 400, "Data NIB tidak ditemukan", dataNIB=[])
        return self._answer(
            "checkNIB",
            200,
            dataNIB={
                "nib": record["nib"],
                "nama_perusahaan": record["nama_perseroan"],
                "status": record["status_nib"],
            },
        )

    def _inquery_file_ds(self, fields: dict[str, Any]) -> FakeResponse:
        # This one method answers a string ``status`` instead of ``kode``, under its own root.
        url = self.files_ds.get(str(fields.get("id_permohonan_izin") or ""))
        if url is None:
            return FakeResponse(
                200 if self.errors_as_http_200 else 400,
                {
                    "responInqueryFileDS": {
                        "status": "400",
                        "keterangan": "data izin atau file DS tidak ditemukan",
                    }
                },
            )
        return FakeResponse(
            200,
            {"responInqueryFileDS": {"status": "200", "keterangan": "Sukses", "url_file_ds": url}},
        )

    def _get_data_referensi(self, fields: dict[str, Any]) -> FakeResponse:
        table = REFERENCES.get(str(fields.get("kode") or ""))
        if table is None:
            return self._answer("getDataReferensi", 400, "Kode referensi tidak ditemukan")
        return self._answer(
            "getDataReferensi",
            200,
            dataReferensi=[
                {"kode_referensi": code, "uraian_referensi": text, "keterangan_referensi": ""}
                for code, text in table.items()
            ],
        )

    def _file(self, request: FakeRequest, path: str) -> FakeResponse:
        if request.header("user_key") != self.user_key:
            return FakeResponse(401, {"message": "Unauthorized"})
        parts = path.split("/")
        found = self.files.get(parts[1]) if len(parts) >= 2 else None
        if found is None:
            return FakeResponse(404, {"message": "File tidak ditemukan"})
        body, content_type = found
        return FakeResponse(200, body, {"Content-Type": content_type})


def _is_timestamp(value: object) -> bool:
    try:
        datetime.strptime(str(value), "%Y-%m-%d %H:%M:%S")  # noqa: DTZ007 - a format check only
    except ValueError:
        return False
    return True


def demo_fake() -> FakeOss:
    """The fake ``run_fakes`` starts: one active business to try the NIB check with."""
    fake = FakeOss()
    fake.add_nib("1234567890123", nama_perseroan="PT Kopi Bogor Sejahtera")
    return fake


register_fake("oss", demo_fake)
