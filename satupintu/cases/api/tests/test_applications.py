"""API v1 for applications: a citizen applies, uploads and submits; staff act by role with
compare-and-swap; licensing systems push with an Idempotency-Key; nobody sees another's case."""

import threading
from datetime import date, timedelta

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.utils import timezone
from rest_framework.response import Response
from rest_framework.test import APIClient

from satupintu.api.models import IntegrationKey
from satupintu.cases.models import AccessLog, Application, IssuedDocument, Step
from satupintu.cases.services.workflow import application_submit
from satupintu.cases.tests.factories import (
    ApplicationFactory,
    DocumentFactory,
    WorkflowServiceFactory,
)
from satupintu.cases.tests.files import PDF, pdf
from satupintu.catalog.tests.factories import RequirementFactory, ServiceFactory
from satupintu.malls.tests.factories import MallFactory, UserFactory, staff_member

pytestmark = pytest.mark.django_db
NIK = "3271014501900001"
SCHEMA = [
    {"name": "nik", "label": "NIK", "type": "nik", "required": True},
    {"name": "fungsi", "label": "Fungsi", "type": "select", "choices": ["rumah", "usaha"]},
]
FORM = {"nik": NIK, "fungsi": "rumah"}


@pytest.fixture
def service():
    service = WorkflowServiceFactory(
        name="Persetujuan Bangunan Gedung",
        form_schema=SCHEMA,
        workflow=(Step.DOCUMENT_CHECK, Step.VERIFICATION, Step.DECISION),
    )
    RequirementFactory(service=service, text="Gambar denah")
    return service


@pytest.fixture
def staff(service):
    return {
        role: staff_member(role, agency=service.agency, first_name=role.title())
        for role in ("front_office", "verifier")
    }


@pytest.fixture
def citizen():
    return UserFactory(
        first_name="Siti", last_name="Aminah", nik=NIK, phone="+6281234567890", email="s@ex.id"
    )


def _as(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def _submitted(service, citizen) -> Application:
    draft = ApplicationFactory(applicant=citizen, service=service, form_data=FORM)
    for requirement in service.requirements.all():
        DocumentFactory(application=draft, upload=pdf("denah.pdf"), requirement=requirement)
    return application_submit(application=draft)


def test_a_citizen_applies_uploads_and_submits(service, citizen, django_assert_max_num_queries):
    api = _as(citizen)
    created = api.post(
        "/api/v1/applications/",
        {"service": service.pk, "form_data": {"nik": NIK}},
        format="json",
    )
    assert created.status_code == 201
    body = created.json()
    requirement = service.requirements.get()
    assert body["status"] == "draft" and body["tracking_number"].startswith("MPP-")
    assert body["missing_requirements"] == [{"id": requirement.pk, "text": "Gambar denah"}]
    url = f"/api/v1/applications/{body['id']}/"

    patched = api.patch(url, {"form_data": {"fungsi": "usaha"}}, format="json")
    assert patched.status_code == 200
    assert patched.json()["form_data"] == {"nik": NIK, "fungsi": "usaha"}

    uploaded = api.post(
        f"{url}documents/",
        {"file": pdf("denah.pdf"), "requirement": requirement.pk},
        format="multipart",
    )
    assert uploaded.status_code == 201
    assert uploaded.json()["name"] == "denah.pdf" and uploaded.json()["requirement"] == (
        requirement.pk
    )
    assert "url" not in uploaded.json() and "file" not in uploaded.json()

    submitted = api.post(f"{url}submit/")
    assert submitted.status_code == 200
    body = submitted.json()
    assert body["status"] == "in_progress" and body["step"] == Step.DOCUMENT_CHECK
    assert date.fromisoformat(body["due_date"]) > timezone.localdate()
    assert body["missing_requirements"] == []
    assert [s["step"] for s in body["steps"]] == ["pemeriksaan_berkas", "verifikasi", "penetapan"]
    assert body["steps"][0]["current"]
    assert [(t["action"], t["by"]) for t in body["transitions"]] == [("submit", None)]
    assert [d["name"] for d in body["documents"]] == ["denah.pdf"]
    assert body["issued_document"] is None

    with django_assert_max_num_queries(3):
        mine = api.get("/api/v1/applications/").json()
    assert mine["count"] == 1 and mine["results"][0]["tracking_number"] == body["tracking_number"]


def test_submit_lists_form_errors_then_missing_documents(service, citizen):
    api = _as(citizen)
    pk = api.post(
        "/api/v1/applications/",
        {"service": service.pk, "form_data": {"nik": "123", "fungsi": "pabrik"}},
        format="json",
    ).json()["id"]
    refused = api.post(f"/api/v1/applications/{pk}/submit/")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "invalid"
    assert set(refused.json()["error"]["fields"]) == {"nik", "fungsi"}

    api.patch(f"/api/v1/applications/{pk}/", {"form_data": FORM}, format="json")
    refused = api.post(f"/api/v1/applications/{pk}/submit/")
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert error["code"] == "missing_documents"
    assert error["missing_requirements"] == [
        {"id": service.requirements.get().pk, "text": "Gambar denah"}
    ]
    assert Application.objects.get(pk=pk).status == Application.Status.DRAFT


def test_bad_input_is_refused_and_changes_nothing(service, citizen):
    api = _as(citizen)
    assert api.post("/api/v1/applications/", {"service": 999999}, format="json").status_code == 404
    not_an_object = api.post(
        "/api/v1/applications/", {"service": service.pk, "form_data": [1]}, format="json"
    )
    assert not_an_object.status_code == 400
    assert "form_data" in not_an_object.json()["error"]["fields"]
    bad_nib = api.post("/api/v1/applications/", {"service": service.pk, "nib": "12"}, format="json")
    assert bad_nib.status_code == 400 and "nib" in bad_nib.json()["error"]["fields"]
    offline = ServiceFactory(agency=service.agency, in_person_only=True)
    refused = api.post("/api/v1/applications/", {"service": offline.pk}, format="json")
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "not_online"
    naming = api.post("/api/v1/applications/", {"service": service.pk, "nik": NIK}, format="json")
    assert naming.status_code == 400 and "nik" in naming.json()["error"]["fields"]
    assert not Application.objects.exists()


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("surat.pdf", b"MZ\x90\x00\x03" + b"\x00" * 200, "file_type"),
        ("rusak.pdf", b"%PDF-1.4\n" + b"x" * 100, "file_content"),
        ("besar.pdf", PDF + b" " * 2048, "file_too_large"),
        ("d" * 197 + ".pdf", PDF, "file_name_too_long"),
    ],
)
def test_an_upload_is_checked_by_its_content_and_size(service, citizen, settings, name, data, code):
    settings.CASE_UPLOAD_MAX_BYTES = 1024
    application = ApplicationFactory(applicant=citizen, service=service, form_data=FORM)
    response = _as(citizen).post(
        f"/api/v1/applications/{application.pk}/documents/",
        {"file": pdf(name, data), "requirement": service.requirements.get().pk},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["fields"]["file"]
    assert not application.documents.exists()


def test_a_requirement_of_another_service_is_refused(service, citizen):
    application = ApplicationFactory(applicant=citizen, service=service, form_data=FORM)
    other = RequirementFactory()
    response = _as(citizen).post(
        f"/api/v1/applications/{application.pk}/documents/",
        {"file": pdf("denah.pdf"), "requirement": other.pk},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "wrong_requirement"


def test_nobody_else_sees_or_touches_an_application(service, citizen, staff):
    application = _submitted(service, citizen)
    draft = ApplicationFactory(applicant=citizen, service=service, form_data=FORM)
    stranger = UserFactory()
    elsewhere = staff_member("front_office", agency=ServiceFactory().agency)
    for user in (stranger, elsewhere):
        api = _as(user)
        for pk in (application.pk, draft.pk):
            url = f"/api/v1/applications/{pk}/"
            assert api.get(url).status_code == 404
            assert api.patch(url, {"form_data": {}}, format="json").status_code == 404
            assert api.post(f"{url}submit/").status_code == 404
            assert api.post(f"{url}cancel/").status_code == 404
            assert (
                api.post(
                    f"{url}documents/",
                    {"file": pdf("denah.pdf"), "requirement": service.requirements.get().pk},
                    format="multipart",
                ).status_code
                == 404
            )
            assert (
                api.post(
                    f"{url}transitions/", {"action": "reject", "note": "x", "version": 1}
                ).status_code
                == 404
            )
        assert api.get("/api/v1/applications/").json()["count"] == 0
    # The stranger is a citizen: the staff queue is not theirs at all; the other agency's
    # officer finds nothing of this agency in it.
    refused = _as(stranger).get("/api/v1/staff/applications/")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "staff_only"
    assert _as(elsewhere).get("/api/v1/staff/applications/").json()["count"] == 0
    # A draft is the applicant's own business, even for the agency's staff.
    assert _as(staff["front_office"]).get(f"/api/v1/applications/{draft.pk}/").status_code == 404
    assert APIClient().get(f"/api/v1/applications/{application.pk}/").status_code == 401
    application.refresh_from_db()
    assert application.status == Application.Status.IN_PROGRESS


def test_staff_see_who_acted_and_their_look_is_audited(service, citizen, staff):
    application = _submitted(service, citizen)
    officer = _as(staff["front_office"])
    url = f"/api/v1/applications/{application.pk}/"
    moved = officer.post(
        f"{url}transitions/", {"action": "forward", "version": application.version}
    )
    assert moved.status_code == 200
    by = [t["by"] for t in moved.json()["transitions"]]
    assert by == [
        {"name": "Siti Aminah", "role": "applicant"},
        {"name": "Front_Office", "role": "front_office"},
    ]
    assert AccessLog.objects.filter(user=staff["front_office"], application=application).exists()

    seen = _as(citizen).get(url).json()
    assert [t["by"] for t in seen["transitions"]] == [None, None]
    assert [t["action"] for t in seen["transitions"]] == ["submit", "forward"]
    assert seen["steps"][0]["done_at"] and seen["steps"][1]["current"]
    assert not AccessLog.objects.filter(user=citizen).exists()


def test_transitions_by_role_with_the_version_the_officer_saw(service, citizen, staff):
    application = _submitted(service, citizen)
    url = f"/api/v1/applications/{application.pk}/transitions/"
    version = application.version
    front, verifier = _as(staff["front_office"]), _as(staff["verifier"])

    wrong_role = verifier.post(url, {"action": "forward", "version": version})
    assert wrong_role.status_code == 403
    assert wrong_role.json()["error"]["code"] == "not_your_step"
    # Refused, the verifier saw nothing: no look is recorded.
    assert not AccessLog.objects.filter(user=staff["verifier"]).exists()

    moved = front.post(url, {"action": "forward", "version": version})
    assert moved.status_code == 200
    assert moved.json()["step"] == Step.VERIFICATION and moved.json()["version"] == version + 1

    stale = verifier.post(url, {"action": "reject", "note": "Bukan wewenang.", "version": version})
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "conflict"
    assert Application.objects.get(pk=application.pk).status == Application.Status.IN_PROGRESS

    no_reason = verifier.post(url, {"action": "return", "version": version + 1})
    assert no_reason.status_code == 400 and no_reason.json()["error"]["code"] == "reason_needed"
    unknown = verifier.post(url, {"action": "approve", "version": version + 1})
    assert unknown.status_code == 400 and "action" in unknown.json()["error"]["fields"]

    returned = verifier.post(
        url, {"action": "return", "note": "Denah belum ditandatangani.", "version": version + 1}
    )
    assert returned.status_code == 200 and returned.json()["status"] == "revision"
    assert returned.json()["transitions"][-1]["note"] == "Denah belum ditandatangani."

    applicant = _as(citizen)
    assert applicant.post(url, {"action": "forward", "version": version + 2}).status_code == 403
    back = applicant.post(
        f"/api/v1/applications/{application.pk}/resubmit/",
        {"form_data": {"fungsi": "usaha"}},
        format="json",
    )
    assert back.status_code == 200
    assert back.json()["status"] == "in_progress" and back.json()["step"] == Step.VERIFICATION

    rejected = verifier.post(
        url, {"action": "reject", "note": "Bukan wewenang.", "version": back.json()["version"]}
    )
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    too_late = applicant.post(f"/api/v1/applications/{application.pk}/cancel/")
    assert too_late.status_code == 400 and too_late.json()["error"]["code"] == "wrong_status"


def test_the_applicant_cancels_and_staff_cannot_do_it_for_them(service, citizen, staff):
    application = _submitted(service, citizen)
    url = f"/api/v1/applications/{application.pk}/cancel/"
    assert _as(staff["front_office"]).post(url).status_code == 403
    assert not AccessLog.objects.filter(user=staff["front_office"]).exists()
    cancelled = _as(citizen).post(url, {"note": "Salah layanan."})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"


def test_an_issued_document_shows_its_number_and_verification_link(service, citizen, settings):
    application = _submitted(service, citizen)
    IssuedDocument.objects.create(
        application=application,
        number="503/0001/PBG/2026",
        code="ABCD2345EFGH",
        title="Persetujuan Bangunan Gedung",
        holder_name="Siti Aminah",
        file=ContentFile(PDF, name="pbg.pdf"),
        sha256="0" * 64,
        valid_from=timezone.localdate(),
    )
    issued = _as(citizen).get(f"/api/v1/applications/{application.pk}/").json()["issued_document"]
    assert issued["number"] == "503/0001/PBG/2026" and issued["revoked"] is False
    assert issued["verify_url"] == f"{settings.SITE_URL}/verify/ABCD2345EFGH/"
    assert "file" not in issued


def test_the_work_queue_filters_by_step_due_and_assignee(
    service, citizen, staff, django_assert_max_num_queries
):
    cases = [_submitted(service, citizen) for _ in range(3)]
    today = timezone.localdate()
    Application.objects.filter(pk=cases[0].pk).update(due_date=today - timedelta(days=1))
    Application.objects.filter(pk=cases[1].pk).update(
        due_date=today + timedelta(days=1), assignee=staff["verifier"]
    )
    Application.objects.filter(pk=cases[2].pk).update(
        due_date=today + timedelta(days=30), step=Step.VERIFICATION
    )
    _submitted(ServiceFactory(form_schema=[]), citizen)  # another agency's case
    api = _as(staff["verifier"])

    def numbers(**query):
        body = api.get("/api/v1/staff/applications/", query).json()
        return [row["id"] for row in body["results"]]

    with django_assert_max_num_queries(6):
        assert numbers() == [c.pk for c in cases]
    assert numbers(due="overdue") == [cases[0].pk]
    assert numbers(due="soon") == [cases[1].pk]
    assert numbers(step=Step.VERIFICATION) == [cases[2].pk]
    assert numbers(assignee="me") == [cases[1].pk]
    assert numbers(assignee="none") == [cases[0].pk, cases[2].pk]
    row = api.get("/api/v1/staff/applications/", {"assignee": "me"}).json()["results"][0]
    assert row["assignee"]["id"] == staff["verifier"].pk
    bad = api.get("/api/v1/staff/applications/", {"due": "kemarin"})
    assert bad.status_code == 400 and "due" in bad.json()["error"]["fields"]


@pytest.mark.django_db(transaction=True)
def test_two_officers_acting_at_once_one_gets_409(service, citizen):
    officers = []
    for _ in range(2):
        officer = staff_member("front_office", agency=service.agency)
        officers.append(officer)
    application = _submitted(service, citizen)
    start = threading.Barrier(2)
    answers = []

    def act(officer):
        try:
            start.wait()
            answers.append(
                _as(officer)
                .post(
                    f"/api/v1/applications/{application.pk}/transitions/",
                    {"action": "forward", "version": application.version},
                )
                .status_code
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=act, args=(officer,)) for officer in officers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [200, 409]
    assert application.transitions.filter(action="forward").count() == 1


# Pushes from outside licensing systems.


@pytest.fixture
def integration(service):
    return IntegrationKey.issue(name="OSS", mall=service.agency.mall)


def _pusher(key: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return api


def test_a_retried_push_returns_the_same_case(service, citizen, integration):
    _record, key = integration
    api = _pusher(key)
    body = {"service": service.pk, "nik": NIK, "form_data": FORM, "nib": "1234567890123"}
    first = api.post("/api/v1/applications/", body, format="json", HTTP_IDEMPOTENCY_KEY="oss-77")
    again = api.post("/api/v1/applications/", body, format="json", HTTP_IDEMPOTENCY_KEY="oss-77")
    assert first.status_code == 201 and again.status_code == 200
    assert first.json() == again.json()
    application = Application.objects.get()
    assert application.applicant == citizen and application.nib == "1234567890123"
    assert _as(citizen).get("/api/v1/applications/").json()["results"][0]["id"] == application.pk

    other = api.post("/api/v1/applications/", body, format="json", HTTP_IDEMPOTENCY_KEY="oss-78")
    assert other.status_code == 201 and other.json()["id"] != application.pk


def test_two_long_push_keys_alike_in_their_first_100_characters_are_refused(
    service, citizen, integration
):
    _record, key = integration
    api = _pusher(key)
    body = {"service": service.pk, "nik": NIK, "form_data": FORM}
    for tail in ("-a", "-b"):
        refused = api.post(
            "/api/v1/applications/", body, format="json", HTTP_IDEMPOTENCY_KEY="o" * 100 + tail
        )
        assert refused.status_code == 400
    assert not Application.objects.exists()


def test_a_push_needs_a_key_a_known_nik_and_its_own_mall(service, citizen, integration):
    _record, key = integration
    api = _pusher(key)
    body = {"service": service.pk, "nik": NIK, "form_data": FORM}
    no_key = api.post("/api/v1/applications/", body, format="json")
    assert no_key.status_code == 400
    assert no_key.json()["error"]["code"] == "idempotency_key_required"
    unknown = api.post(
        "/api/v1/applications/",
        {**body, "nik": "3271014501900002"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="a",
    )
    assert unknown.status_code == 400
    assert unknown.json()["error"]["code"] == "unknown_applicant"
    assert unknown.json()["error"]["fields"]["nik"]
    elsewhere = ServiceFactory(agency__mall=MallFactory(), form_schema=[])
    foreign = api.post(
        "/api/v1/applications/",
        {**body, "service": elsewhere.pk},
        format="json",
        HTTP_IDEMPOTENCY_KEY="b",
    )
    assert foreign.status_code == 404
    wrong = _pusher("not-a-key").post(
        "/api/v1/applications/", body, format="json", HTTP_IDEMPOTENCY_KEY="c"
    )
    assert wrong.status_code == 401
    assert api.get("/api/v1/applications/").status_code == 403
    assert not Application.objects.exists()

    api.post("/api/v1/applications/", body, format="json", HTTP_IDEMPOTENCY_KEY="d")
    reused = api.post(
        "/api/v1/applications/",
        {**body, "service": ServiceFactory(agency=service.agency).pk},
        format="json",
        HTTP_IDEMPOTENCY_KEY="d",
    )
    assert reused.status_code == 409
    assert reused.json()["error"]["code"] == "idempotency_key_reused"
    assert Application.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_pushes_at_once_with_one_key_make_one_case(service, citizen, integration):
    _record, key = integration
    start = threading.Barrier(4)
    answers = []

    def push():
        try:
            start.wait()
            response = _pusher(key).post(
                "/api/v1/applications/",
                {"service": service.pk, "nik": NIK, "form_data": FORM},
                format="json",
                HTTP_IDEMPOTENCY_KEY="oss-race",
            )
            answers.append((response.status_code, response.json()["id"]))
        finally:
            connection.close()

    threads = [threading.Thread(target=push) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Application.objects.count() == 1
    assert {pk for _code, pk in answers} == {Application.objects.get().pk}
    assert {code for code, _pk in answers} <= {200, 201} and len(answers) == 4


def _push(api: APIClient, key: str, service, **body) -> Response:
    return api.post(
        "/api/v1/applications/",
        {"service": service.pk, "nik": NIK, "form_data": FORM, **body},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )


@pytest.fixture
def plain_service(service):
    """A service of the same agency with nothing to upload."""
    return ServiceFactory(agency=service.agency, form_schema=SCHEMA)


def test_the_pushing_integration_uploads_and_submits_for_the_applicant(
    service, citizen, integration
):
    _record, key = integration
    api = _pusher(key)
    pk = _push(api, "oss-1", service).json()["id"]
    url = f"/api/v1/applications/{pk}/"
    requirement = service.requirements.get()

    early = api.post(f"{url}submit/")
    assert early.status_code == 400
    assert early.json()["error"]["code"] == "missing_documents"
    assert [r["id"] for r in early.json()["error"]["missing_requirements"]] == [requirement.pk]

    uploaded = api.post(
        f"{url}documents/",
        {"file": pdf("denah.pdf"), "requirement": requirement.pk},
        format="multipart",
    )
    assert uploaded.status_code == 201 and uploaded.json()["requirement"] == requirement.pk
    assert Application.objects.get(pk=pk).documents.get().uploaded_by == citizen

    submitted = api.post(f"{url}submit/")
    assert submitted.status_code == 200
    body = submitted.json()
    assert body["status"] == "in_progress" and body["step"] == Step.DOCUMENT_CHECK
    assert date.fromisoformat(body["due_date"]) > timezone.localdate()
    assert [(t["action"], t["by"]) for t in body["transitions"]] == [("submit", None)]

    seen = api.get(url)
    assert seen.status_code == 200
    assert seen.json() == _as(citizen).get(url).json()
    assert [d["name"] for d in seen.json()["documents"]] == ["denah.pdf"]
    assert not AccessLog.objects.exists()


def test_only_the_integration_that_pushed_reaches_the_application(service, citizen, integration):
    _record, key = integration
    api = _pusher(key)
    pk = _push(api, "oss-2", service).json()["id"]
    _other_record, other_key = IntegrationKey.issue(name="SiCantik", mall=service.agency.mall)
    own = ApplicationFactory(applicant=citizen, service=service, form_data=FORM)
    stranger = UserFactory()
    requirement = service.requirements.get().pk

    for caller, pks in ((_pusher(other_key), (pk,)), (api, (own.pk,)), (_as(stranger), (pk,))):
        for target in pks:
            url = f"/api/v1/applications/{target}/"
            assert caller.get(url).status_code == 404
            upload = {"file": pdf("denah.pdf"), "requirement": requirement}
            assert caller.post(f"{url}documents/", upload, format="multipart").status_code == 404
            assert caller.post(f"{url}submit/").status_code == 404

    # The pusher reads, uploads and submits; the rest stays the applicant's.
    url = f"/api/v1/applications/{pk}/"
    assert api.patch(url, {"form_data": {}}, format="json").status_code == 403
    assert api.post(f"{url}cancel/").status_code == 401
    assert api.post(f"{url}resubmit/").status_code == 401
    assert _as(citizen).get(url).status_code == 200
    application = Application.objects.get(pk=pk)
    assert application.status == Application.Status.DRAFT
    assert not application.documents.exists()


def test_a_push_with_submit_is_submitted_once_however_often_it_is_retried(
    plain_service, citizen, integration
):
    _record, key = integration
    api = _pusher(key)
    first = _push(api, "oss-3", plain_service, submit=True)
    assert first.status_code == 201
    assert first.json()["status"] == "in_progress" and first.json()["due_date"]

    for again in (True, False):
        retried = _push(api, "oss-3", plain_service, submit=again)
        assert retried.status_code == 200
        assert retried.json()["id"] == first.json()["id"]
        assert retried.json()["status"] == "in_progress"
        assert [t["action"] for t in retried.json()["transitions"]] == ["submit"]
    assert Application.objects.get().transitions.count() == 1


def test_a_refused_push_with_submit_keeps_its_draft_for_the_retry(
    service, plain_service, citizen, integration
):
    _record, key = integration
    api = _pusher(key)
    incomplete = _push(api, "oss-4", plain_service, form_data={"nik": "123"}, submit=True)
    assert incomplete.status_code == 400
    assert incomplete.json()["error"]["code"] == "invalid"
    assert "nik" in incomplete.json()["error"]["fields"]

    missing = _push(api, "oss-5", service, submit=True)
    assert missing.status_code == 400
    error = missing.json()["error"]
    assert error["code"] == "missing_documents"
    assert [r["id"] for r in error["missing_requirements"]] == [service.requirements.get().pk]
    assert Application.objects.filter(status=Application.Status.DRAFT).count() == 2

    draft = _push(api, "oss-5", service)
    assert draft.status_code == 200 and draft.json()["status"] == "draft"
    api.post(
        f"/api/v1/applications/{draft.json()['id']}/documents/",
        {"file": pdf("denah.pdf"), "requirement": service.requirements.get().pk},
        format="multipart",
    )
    done = _push(api, "oss-5", service, submit=True)
    assert done.status_code == 200
    assert done.json()["id"] == draft.json()["id"] and done.json()["status"] == "in_progress"


@pytest.mark.django_db(transaction=True)
def test_retried_pushes_with_submit_at_once_submit_one_case_once(
    plain_service, citizen, integration
):
    _record, key = integration
    start = threading.Barrier(4)
    answers = []

    def push():
        try:
            start.wait()
            response = _push(_pusher(key), "oss-race-submit", plain_service, submit=True)
            answers.append((response.status_code, response.json()["status"]))
        finally:
            connection.close()

    threads = [threading.Thread(target=push) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    application = Application.objects.get()
    assert application.transitions.filter(action="submit").count() == 1
    assert {code for code, _status in answers} <= {200, 201} and len(answers) == 4
    assert {state for _code, state in answers} == {"in_progress"}
