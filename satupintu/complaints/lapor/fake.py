"""FakeLapor: SP4N-LAPOR! behind the SPLP gateway, on loopback, for the tests and ``run_fakes``.

It speaks what ``../shared/national-systems.md`` §4b and §5 describe: the gateway's
``POST /oauth2/token`` (client credentials, Basic or in the form; WSO2's ``invalid_client``),
tokens that expire (JWTs with ``exp``, and ``expires_in``), the gateway's refusals (401 with
WSO2 code 900902 "Missing Credentials" or 900901 "Invalid Credentials"), LAPOR!'s own ``auth``
and ``token`` headers, and its paths under ``/lapor/3.0.0`` with ``results`` envelopes and
paging by ``next_page_url``. The listing of complaints forwarded to an institution
(``GET /complaints/complaint?disposition_id=``) is our assumption (see ``services``): the digest
names none, so the fake serves it in the forms our pull accepts (``listing``: rows in
``results.data[]``, or a Laravel paginator in ``results.data.data[]``; ``summaries``: rows
without their text, read one by one at ``GET /complaints/{id}/complaint``; ``filters``: off,
every complaint whatever the institution). ``POST /complaints/process/{id}/reject`` ("not our
authority") moves a complaint to the institution named in ``reason``.

Its default credentials (for a hands-on try with ``manage.py run_fakes``) are the class
attributes below; ``gateway=False`` serves LAPOR! directly (provider ``lapor``).
"""

import base64
import json
import threading
import time
import uuid
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

from django.utils import timezone

from satupintu.integrations.fakes import FakeRequest, FakeResponse, FakeServer

PREFIX = "/lapor/3.0.0"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _multipart(request: FakeRequest) -> tuple[dict[str, str], list[tuple[str, str, bytes]]]:
    """Every field and every file of a multipart body (several files may share a name)."""
    ctype = request.header("Content-Type", "")
    if not ctype.startswith("multipart/"):
        return {}, []
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + request.body
    )
    fields: dict[str, str] = {}
    files: list[tuple[str, str, bytes]] = []
    for part in message.iter_parts():
        name = str(part.get_param("name", header="content-disposition") or "")
        decoded = part.get_payload(decode=True)
        payload = decoded if isinstance(decoded, bytes) else b""
        filename = part.get_filename()
        if filename:
            files.append((name, filename, payload))
        else:
            fields[name] = payload.decode()
    return fields, files


class FakeLapor(FakeServer):
    name = "lapor"
    # A fake's own credentials, printed in the README for a hands-on try: no real secret.
    consumer_key = "fake-consumer-key"
    consumer_secret = "fake-consumer-secret"  # noqa: S105
    auth_token = "fake-lapor-auth-token"  # noqa: S105
    guid = "{6F9619FF-8B86-D011-B42D-00C04FC964FF}"
    institution_id = 7301  # the mall's institution in the fake's master data
    institution_name = "Mal Pelayanan Publik (fake)"

    def __init__(
        self,
        *,
        gateway: bool = True,
        token_ttl: int = 3600,
        send_expires_in: bool = True,
        page_size: int = 2,
        fault_envelope: bool = False,
        listing: str = "flat",
        summaries: bool = False,
        filters: bool = True,
    ) -> None:
        super().__init__()
        self.listing = listing
        self.summaries = summaries
        self.filters = filters
        self.refuse_every_token = False  # the gateway refuses even a fresh token (900901)
        self.returns: list[dict[str, str]] = []
        self.gateway = gateway
        self.token_ttl = token_ttl
        self.send_expires_in = send_expires_in
        self.page_size = page_size
        self.fault_envelope = fault_envelope
        self.lock = threading.Lock()
        self.tokens: dict[str, float] = {}  # access token -> expiry (epoch seconds)
        self.tokens_issued = 0
        self.complaints: dict[int, dict[str, Any]] = {}
        self.docs: dict[int, tuple[str, bytes]] = {}
        # Statuses answered to the next LAPOR! requests, in turn (0: that one is served).
        self.fail: list[int] = []
        # LAPOR!'s master data of institutions (``GET /masters/institutions/external``), served
        # in the ``listing`` form; ``institutions_delay`` seconds before answering it.
        self.institutions: list[dict[str, Any]] = [
            {"id": self.institution_id, "name": self.institution_name},
            {"id": 8800, "name": "Pemerintah Provinsi (fake)"},
            {"id": 8801, "name": "Kementerian ESDM (fake)"},
        ]
        self.institutions_delay = 0.0
        self._next = 1000

    # What a test does to the fake -------------------------------------------------------

    def _id(self) -> int:
        self._next += 1
        return self._next

    def expire_tokens(self) -> None:
        """Every token issued so far expires now (the gateway refuses it: 900901)."""
        with self.lock:
            self.tokens = dict.fromkeys(self.tokens, 0.0)

    def forward(self, *, title: str, content: str, institution_id: int, **fields: Any) -> int:
        """A citizen's complaint filed in LAPOR! and forwarded to ``institution_id``."""
        with self.lock:
            complaint_id = self._id()
            self.complaints[complaint_id] = {
                "id": complaint_id,
                "title": title,
                "content": content,
                "disposition_id": institution_id,
                "is_anonymous": False,
                "is_secret": False,
                "classification_id": None,
                "category_id": None,
                **fields,
                "followups": [],
            }
        return complaint_id

    def add_followup(self, complaint_id: int, content: str, **fields: Any) -> dict[str, Any]:
        """A follow-up written in LAPOR! (by the institution or the reporter)."""
        with self.lock:
            row = {
                "id": self._id(),
                "content": content,
                "institution_from_name": self.institution_name,
                "institution_to_name": "",
                "data": json.dumps({}),
                "created_at": timezone.now().strftime("%d-%m-%Y %H:%M:%S"),
                **fields,
            }
            self.complaints[complaint_id]["followups"].append(row)
        return row

    # The gateway -----------------------------------------------------------------------

    def _issue(self) -> dict[str, Any]:
        expires = time.time() + self.token_ttl
        claims = {"sub": self.consumer_key, "exp": int(expires), "jti": str(uuid.uuid4())}
        token = ".".join(
            [
                _b64(json.dumps({"alg": "RS256", "typ": "JWT"}).encode()),
                _b64(json.dumps(claims).encode()),
                _b64(b"fake-signature"),
            ]
        )
        with self.lock:
            self.tokens[token] = expires
            self.tokens_issued += 1
        answer: dict[str, Any] = {"access_token": token, "scope": "default", "token_type": "Bearer"}
        if self.send_expires_in:
            answer["expires_in"] = self.token_ttl
        return answer

    def _token(self, request: FakeRequest) -> FakeResponse:
        form = request.form()[0]
        key, secret = form.get("client_id", ""), form.get("client_secret", "")
        basic = request.header("Authorization", "")
        if basic.startswith("Basic "):
            try:
                key, _, secret = base64.b64decode(basic[6:]).decode().partition(":")
            except ValueError:
                key, secret = "", ""
        if form.get("grant_type") != "client_credentials":
            return FakeResponse(400, {"error": "unsupported_grant_type"})
        if (key, secret) != (self.consumer_key, self.consumer_secret):
            return FakeResponse(
                401,
                {"error": "invalid_client", "error_description": "Client Authentication failed."},
            )
        return FakeResponse(200, self._issue())

    def _refuse(self, code: str, message: str) -> FakeResponse:
        error = {"code": code, "message": message, "description": message + ". Check the token."}
        return FakeResponse(401, {"fault": error} if self.fault_envelope else error)

    def _gateway_refusal(self, request: FakeRequest) -> FakeResponse | None:
        header = request.header("Authorization", "")
        if not header.startswith("Bearer "):
            return self._refuse("900902", "Missing Credentials")
        with self.lock:
            expires = self.tokens.get(header[7:])
        if expires is None or expires <= time.time() or self.refuse_every_token:
            return self._refuse("900901", "Invalid Credentials")
        return None

    # LAPOR! ------------------------------------------------------------------------------

    def handle(self, request: FakeRequest) -> FakeResponse:
        if request.method == "POST" and request.path == "/oauth2/token" and self.gateway:
            return self._token(request)
        path = request.path.removeprefix(PREFIX) if self.gateway else request.path
        if self.gateway:
            refusal = self._gateway_refusal(request)
            if refusal is not None:
                return refusal
        if (
            request.header("auth", "") != f"Bearer {self.auth_token}"
            or request.header("token", "") != self.guid
        ):
            return FakeResponse(401, {"success": False, "message": "Unauthenticated."})
        with self.lock:
            failure = self.fail.pop(0) if self.fail else None
        if failure:
            return FakeResponse(failure, {"success": False, "message": "Server Error"})
        return self._route(request, path)

    def _route(self, request: FakeRequest, path: str) -> FakeResponse:
        parts = [part for part in path.split("/") if part]
        if request.method == "POST" and parts == ["complaints", "complaint", "file"]:
            return self._upload(request)
        if request.method == "POST" and parts == ["complaints", "complaint"]:
            return self._file(request)
        if request.method == "GET" and parts == ["complaints", "complaint"]:
            return self._forwarded(request)
        if request.method == "GET" and parts == ["masters", "institutions", "external"]:
            if self.institutions_delay:
                time.sleep(self.institutions_delay)
            listed = {"data": list(self.institutions), "current_page": 1, "next_page_url": None}
            paginator = self.listing == "paginator"
            return FakeResponse(200, {"results": {"data": listed} if paginator else listed})
        if request.method == "POST" and parts == ["complaints", "followup", "add"]:
            return self._followup(request)
        if (
            request.method == "POST"
            and len(parts) == 4
            and parts[:2] == ["complaints", "process"]
            and parts[3] == "reject"
            and parts[2].isdigit()
        ):
            return self._reject(request, int(parts[2]))
        if len(parts) == 3 and parts[0] == "complaints" and parts[1].isdigit():
            complaint = self.complaints.get(int(parts[1]))
            if complaint is None:
                return FakeResponse(404, {"success": False, "message": "Not found"})
            if request.method == "GET" and parts[2] == "complaint":
                data = {k: v for k, v in complaint.items() if k != "followups"}
                return FakeResponse(200, {"results": {"data": data, "data_logs": []}})
            if request.method == "GET" and parts[2] == "followups":
                path = f"/complaints/{parts[1]}/followups"
                return self._page(request, path, complaint["followups"])
        return FakeResponse(404, {"success": False, "message": "Not found"})

    def _page(
        self,
        request: FakeRequest,
        path: str,
        rows: list[dict[str, Any]],
        *,
        paginator: bool = False,
    ) -> FakeResponse:
        page = request.query.get("page", ["1"])[0]
        number = int(page) if page.isdigit() and int(page) > 0 else 1
        start = (number - 1) * self.page_size
        chunk = rows[start : start + self.page_size]
        following = None
        if start + self.page_size < len(rows):
            host = request.header("Host", "127.0.0.1")
            prefix = PREFIX if self.gateway else ""
            query = "&".join(
                f"{key}={values[0]}" for key, values in request.query.items() if key != "page"
            )
            query = f"{query}&" if query else ""
            following = f"http://{host}{prefix}{path}?{query}page={number + 1}"
        listed = {"data": chunk, "current_page": number, "next_page_url": following}
        return FakeResponse(200, {"results": {"data": listed} if paginator else listed})

    def _upload(self, request: FakeRequest) -> FakeResponse:
        _, files = _multipart(request)
        docs = []
        with self.lock:
            for name, filename, content in files:
                if name != "attachments[]":
                    continue
                doc = self._id()
                self.docs[doc] = (filename, content)
                docs.append({"id": doc, "name": filename})
        if not docs:
            return FakeResponse(422, {"success": False, "message": "attachments required"})
        return FakeResponse(200, {"success": True, "results": {"docs": docs}})

    def _file(self, request: FakeRequest) -> FakeResponse:
        body = request.json()
        if not isinstance(body, dict):
            body = request.form()[0]
        missing = [name for name in ("title", "content") if not str(body.get(name) or "").strip()]
        if missing:
            errors = {name: [f"The {name} field is required."] for name in missing}
            return FakeResponse(422, {"success": False, "message": "invalid", "errors": errors})
        try:
            attachments = json.loads(body.get("attachments") or "[]")
        except ValueError:
            attachments = []
        if any(doc not in self.docs for doc in attachments):
            return FakeResponse(422, {"success": False, "message": "unknown attachment"})
        with self.lock:
            complaint_id = self._id()
            self.complaints[complaint_id] = {**body, "id": complaint_id, "followups": []}
        return FakeResponse(
            200,
            {
                "success": True,
                "complaint_id": complaint_id,
                "results": {"data": {"id": complaint_id, "tracking_id": f"LAP{complaint_id}"}},
            },
        )

    def _forwarded(self, request: FakeRequest) -> FakeResponse:
        institution = request.query.get("disposition_id", [""])[0]
        summary = ("id", "title", "disposition_id")
        with self.lock:
            rows = [
                {
                    k: v
                    for k, v in complaint.items()
                    if k != "followups" and (k in summary or not self.summaries)
                }
                for complaint in self.complaints.values()
                if str(complaint.get("disposition_id")) == institution or not self.filters
            ]
        return self._page(
            request, "/complaints/complaint", rows, paginator=self.listing == "paginator"
        )

    def _reject(self, request: FakeRequest, complaint_id: int) -> FakeResponse:
        fields, _ = _multipart(request)
        if not fields:
            fields = request.form()[0]
        complaint = self.complaints.get(complaint_id)
        if complaint is None:
            return FakeResponse(404, {"success": False, "message": "Not found"})
        if str(complaint.get("disposition_id")) != str(self.institution_id):
            return FakeResponse(403, {"success": False, "message": "not your complaint"})
        target = fields.get("reason", "")
        if not target.isdigit() or fields.get("not_authority") != "1":
            return FakeResponse(422, {"success": False, "message": "reason required"})
        with self.lock:
            complaint["disposition_id"] = int(target)
            self.returns.append({"complaint_id": str(complaint_id), **fields})
        self.add_followup(
            complaint_id,
            "Laporan diteruskan dari {{institution_from}} ke {{institution_to}}",
            institution_to_name=f"Instansi {target}",
        )
        return FakeResponse(200, {"success": True, "results": {"data": {"id": complaint_id}}})

    def _followup(self, request: FakeRequest) -> FakeResponse:
        fields, _ = _multipart(request)
        complaint_id = fields.get("complaint_id", "")
        if not complaint_id.isdigit() or int(complaint_id) not in self.complaints:
            return FakeResponse(422, {"success": False, "message": "complaint not found"})
        if not fields.get("content", "").strip():
            return FakeResponse(422, {"success": False, "message": "content required"})
        row = self.add_followup(
            int(complaint_id),
            fields["content"],
            is_secret=fields.get("is_secret") == "1",
            user_id=fields.get("user_id", ""),
        )
        return FakeResponse(200, {"success": True, "results": {"data": {"id": row["id"]}}})
