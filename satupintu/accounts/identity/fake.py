"""A stand-in for Dukcapil's verification service on loopback, speaking its protocol
(national-systems.md §3): POST JSON to ``/dukcapil/get_json/{customer}/CALL_VERIFY_BY_ELEMEN``
with the credentials in the body (key case as any client sends it), a verdict per field in
``content[0]``, business errors as ``RESPONSE_CODE`` with HTTP 200, a daily quota counted in
``quotaLimiter``. For the tests and ``manage.py run_fakes``; it knows only the residents it is
seeded with (made up, with valid NIKs)."""

import difflib
import re
import threading
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from satupintu.integrations.fakes import FakeRequest, FakeResponse, FakeServer

PATH = re.compile(r"^/dukcapil/get_json/(?P<customer>[^/]+)/(?P<method>[^/]+)/?$")
DATE_FORMS = ("%d-%m-%Y", "%Y-%m-%d")
MESSAGES = {
    "03": "Login Gagal",
    "04": "IP Address Salah",
    "05": "Kuota Akses Harian Habis",
    "07": "Parameter Tidak Lengkap",
    "09": "User ID / Password / IP Kosong",
    "11": "Data Ditemukan, Status Meninggal",
    "13": "Data Tidak Ditemukan",
    "14": "Data Ditemukan, Status Tidak Aktif silakan hubungi Dinas Dukcapil",
    "15": "NIK Tidak Sesuai Format Dukcapil",
    "16": "Instansi Tidak Aktif",
}


@dataclass(frozen=True)
class Resident:
    name: str
    birth_date: date
    status: str = "active"  # or "inactive", "deceased"


RESIDENTS = {
    "3271014501900001": Resident("SITI RAHAYU", date(1990, 1, 5)),
    "3201011708850002": Resident("BUDI SANTOSO", date(1985, 8, 17)),
    "3271010203000003": Resident("AGUS PRATAMA", date(2000, 3, 2), status="inactive"),
    "3174096112750004": Resident("DEWI LESTARI", date(1975, 12, 21), status="deceased"),
}


def _date(text: object) -> date | None:
    for form in DATE_FORMS:
        try:
            return datetime.strptime(str(text).strip(), form).date()  # noqa: DTZ007 (a date)
        except ValueError:
            continue
    return None


class FakeDukcapil(FakeServer):
    """``customer_id``, ``user_id``, ``password`` and ``ip_user`` are what it accepts;
    ``quota`` the calls it answers (then RESPONSE_CODE 05); ``lower_keys`` answers with
    lowercase keys and ``nik_as_number`` echoes the NIK as a JSON number, as some servers do;
    ``forced_code`` answers every call with that RESPONSE_CODE (06, 16, ...)."""

    def __init__(
        self,
        *,
        residents: dict[str, Resident] | None = None,
        customer_id: str = "SATUPINTU",
        user_id: str = "satupintu",
        password: str = "rahasia-uji",  # noqa: S107 (the fake's own, not a real credential)
        ip_user: str = "127.0.0.1",
        quota: int = 1000,
    ) -> None:
        super().__init__()
        self.residents = dict(RESIDENTS if residents is None else residents)
        self.customer_id = customer_id
        self.user_id = user_id
        self.password = password
        self.ip_user = ip_user
        self.quota = quota
        self.lower_keys = False
        self.nik_as_number = False
        self.forced_code = ""
        self._quota_lock = threading.Lock()

    def handle(self, request: FakeRequest) -> FakeResponse:
        matched = PATH.match(request.path)
        if request.method != "POST" or matched is None:
            return FakeResponse(status=404, body={"message": "Not Found"})
        body = request.json()
        if not isinstance(body, dict):
            return self._answer({"RESPONSE_CODE": "07", "RESPONSE": MESSAGES["07"]})
        fields = {str(key).upper(): value for key, value in body.items()}
        with self._quota_lock:
            return self._answer(self._verify(matched, fields))

    def _verify(self, matched: re.Match[str], fields: dict[str, Any]) -> dict[str, Any]:
        def error(code: str) -> dict[str, Any]:
            return {"RESPONSE_CODE": code, "RESPONSE": MESSAGES.get(code, "Error")}

        if self.forced_code:
            return error(self.forced_code)
        user, password, ip = (str(fields.get(k) or "") for k in ("USER_ID", "PASSWORD", "IP_USER"))
        if not (user and password and ip):
            return error("09")
        if user != self.user_id or password != self.password:
            return error("03")
        if ip != self.ip_user:
            return error("04")
        if matched["customer"] != self.customer_id:
            return error("16")
        if matched["method"] != "CALL_VERIFY_BY_ELEMEN" or not fields.get("NIK"):
            return error("07")
        if self.quota <= 0:
            return error("05")
        self.quota -= 1
        nik = str(fields["NIK"])
        if not (len(nik) == 16 and nik.isdigit()):
            return error("15")
        resident = self.residents.get(nik)
        if resident is None:
            return error("13")
        if resident.status == "inactive":
            return error("14")
        if resident.status == "deceased":
            return error("11")
        threshold_sent = str(fields.get("TRESHOLD") or "100").strip()
        if not threshold_sent.isdigit():
            return error("07")
        threshold = int(threshold_sent)
        result: dict[str, Any] = {"NIK": int(nik) if self.nik_as_number else "Sesuai"}
        if "NAMA_LGKP" in fields:
            typed = " ".join(str(fields["NAMA_LGKP"]).upper().split())
            percent = round(difflib.SequenceMatcher(None, typed, resident.name).ratio() * 100)
            result["NAMA_LGKP"] = (
                f"Sesuai ({percent})" if percent >= threshold else "Tidak Sesuai (0)"
            )
        if "TGL_LHR" in fields:
            same = _date(fields["TGL_LHR"]) == resident.birth_date
            result["TGL_LHR"] = "Sesuai" if same else "Tidak Sesuai"
        return result

    def _answer(self, item: dict[str, Any]) -> FakeResponse:
        envelope: dict[str, Any] = {
            "content": [item],
            "lastPage": True,
            "numberOfElements": 1,
            "sort": None,
            "totalElements": 1,
            "firstPage": True,
            "number": 0,
            "size": 1,
            "quotaLimiter": max(self.quota, 0),
        }
        if self.lower_keys:
            envelope["content"] = [{key.lower(): value for key, value in item.items()}]
        return FakeResponse(status=200, body=envelope)
