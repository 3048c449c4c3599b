"""The API's authorisation matrix, generated from the OpenAPI schema the code produces.

Every operation (path × method) of drf-spectacular's live schema × every kind of caller
(anonymous; citizen A and citizen B, each with their API token; front office, verifier,
technical team and approver of agency A1; front office and verifier of agency A2, in the same
mall; technical team and approver of agency B1, in mall B; the managers of mall A and of mall
B; the ministry monitor; a superuser; the integration keys of mall A, of mall B and of every
mall) × a row of place A and one of place B: the status each must get. Staff sign in (a
session, as after the back office's second factor); citizens send ``Authorization: Token``;
licensing systems ``Authorization: Api-Key``.

Place A is mall A, its agency A1 and A1's service; its objects are citizen A's (a booking, a
token, applications pushed by key A for citizen A: a draft, one in progress at the document
check, one returned for revision) and A's reports (filed, routed to A1, answered). Place B
mirrors it (mall B, agency B1, citizen B, key B). So "row A" is the own object of citizen A,
of A1's staff, of mall A's manager and of key A, and the other one of everyone of place B;
for the public follow-ups (a report's secret, tracking digits) the caller always holds A's
secret, which opens A's and never B's. A key of every mall pushes anywhere and reaches no
other key's push. For lists, ``listed`` says whether the row's object is in the answer and
``sees`` who must find it there (and nobody else).

Each request runs in a savepoint rolled back afterwards, so every check starts from the same
world. Whenever a request is refused (4xx), its body is the project's one error shape and the
database is as it was: every table's row count and a checksum of its rows (sessions aside).

An operation of the schema without an entry in ``MATRIX`` fails, and so does an ``api:`` URL
that no schema path serves (an endpoint hidden from the schema); the schema's own two
(``schema``, ``docs``) have their entries in ``NOT_IN_SCHEMA``. Beside the matrix: a method a
path does not document is 405, and staff signed in without their second factor reach nothing.
"""

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from satupintu.accounts.models import ApiToken, User
from satupintu.accounts.services import api_token_create
from satupintu.api.models import IntegrationKey
from satupintu.booking.models import Booking, ServiceVisit, VisitPolicy
from satupintu.booking.services.bookings import booking_create
from satupintu.booking.services.slots import slots_open
from satupintu.booking.tests.factories import open_day
from satupintu.cases.models import Application, Step
from satupintu.cases.services.drafts import application_draft
from satupintu.cases.services.workflow import application_act, application_submit
from satupintu.cases.tests.factories import DocumentFactory, give_workflow
from satupintu.cases.tests.files import pdf
from satupintu.catalog.models import Service
from satupintu.catalog.tests.factories import RequirementFactory, ServiceFactory
from satupintu.complaints import services as complaints
from satupintu.complaints.models import Report
from satupintu.malls.models import Agency, Mall, OpeningHours, StaffMembership
from satupintu.malls.services import membership_grant
from satupintu.malls.tests.factories import AgencyFactory, MallFactory

pytestmark = pytest.mark.django_db
Role = StaffMembership.Role
PASSWORD = "matriks-rahasia-2020"
ROWS = ("A", "B")
AGENCY_ROLES = (Role.FRONT_OFFICE, Role.VERIFIER, Role.TECHNICAL_TEAM, Role.APPROVER)
PEOPLE = ("citizen", "agency", "manager", "monitor", "superuser")


# The world: two places, their objects, and the callers.


@dataclass
class Place:
    mall: Mall
    agency: Agency
    service: Service
    citizen: User
    key: IntegrationKey
    key_secret: str
    token_id: int = 0
    draft: Application | None = None
    in_progress: Application | None = None
    revision: Application | None = None
    booking: Booking | None = None
    free_slot: int = 0
    reports: dict[str, Report] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)


@dataclass
class Actor:
    name: str
    kind: str  # anonymous, citizen, agency, manager, monitor, superuser, key
    place: str = ""  # A or B: whose own objects are this caller's
    agency: str = ""  # A1, A2 or B1
    role: str = ""
    user: User | None = None
    headers: dict[str, str] = field(default_factory=dict)
    client: Client = field(default_factory=Client)


@dataclass
class World:
    places: dict[str, Place]
    actors: list[Actor]
    visit_day: date
    free_day: date


def _place(label: str, superuser: User, visit_day: date, free_day: date) -> Place:
    mall = MallFactory(slug=f"mall-{label.lower()}")
    for weekday in range(5):
        OpeningHours.objects.create(mall=mall, weekday=weekday, opens="08:00", closes="15:00")
    VisitPolicy.objects.update_or_create(
        mall=mall, defaults={"waiting_room_seats": 1000, "distancing_factor": "1.00"}
    )
    agency = AgencyFactory(mall=mall, slug=f"dinas-{label.lower()}1")
    service = ServiceFactory(agency=agency, name=f"Izin {label}")
    ServiceVisit.objects.create(service=service, slot_minutes=30, minutes_per_visitor=10)
    requirement = RequirementFactory(service=service, text="Gambar denah")
    give_workflow(service, [Step.DOCUMENT_CHECK, Step.VERIFICATION, Step.DECISION])
    n = 1 if label == "A" else 2
    citizen = User.objects.create_user(
        username=f"warga-{label.lower()}",
        password=PASSWORD,
        nik=f"327101450190000{n}",
        email=f"warga{n}@example.id",
        phone=f"+62812345678{n}0",
        notification_channels=["email"],
    )
    key, key_secret = IntegrationKey.issue(name=f"OSS {label}", mall=mall)
    place = Place(mall, agency, service, citizen, key, key_secret)

    def pushed(name: str, *, submit: bool) -> Application:
        application = application_draft(
            applicant=citizen, service=service, form_data={}, external_ref=f"{key.pk}:{name}"
        )
        DocumentFactory(application=application, requirement=requirement)
        return application_submit(application=application) if submit else application

    place.draft = pushed("draft", submit=False)
    place.in_progress = pushed("in-progress", submit=True)
    place.revision = application_act(
        application=pushed("revision", submit=True),
        actor=superuser,
        action="return",
        note="Denah kurang jelas",
    )
    slots = slots_open(service=service, day=visit_day).slots
    place.booking = booking_create(citizen=citizen, slot=slots[0])
    place.free_slot = slots_open(service=service, day=free_day).slots[0].pk
    for state in ("filed", "routed", "answered"):
        filed = complaints.report_file(
            mall=mall,
            kind="pengaduan",
            category="waktu",
            title=f"Antrean {label} {state}",
            text="Sudah tiga minggu KTP-el saya belum dicetak.",
            email=f"pelapor{n}@example.id",
        )
        report = filed.report
        if state != "filed":
            report = complaints.report_route(
                report=report, agency=agency, deadline_class=5, by=superuser
            )
        if state == "answered":
            report = complaints.report_answer(report=report, by=superuser, text="Sudah dicetak.")
        place.reports[state], place.secrets[state] = report, filed.secret
    return place


def _world() -> World:
    superuser = User.objects.create_user(
        username="root", password=PASSWORD, is_staff=True, is_superuser=True
    )
    visit_day = open_day(2)
    free_day = open_day((visit_day - timezone.localdate()).days + 1)
    places = {label: _place(label, superuser, visit_day, free_day) for label in ROWS}
    a2 = AgencyFactory(mall=places["A"].mall, slug="dinas-a2")
    agencies = {"A1": places["A"].agency, "A2": a2, "B1": places["B"].agency}

    def person(name: str, kind: str, **fields: Any) -> Actor:
        user = User.objects.create_user(username=name.replace(" ", "-"), password=PASSWORD)
        return Actor(name, kind, user=user, **fields)

    actors = [Actor("anonymous", "anonymous")]
    for label, place in places.items():
        _token, secret = api_token_create(user=place.citizen)
        # A second token, the one the matrix revokes.
        place.token_id = api_token_create(user=place.citizen, name="telepon lama")[0].pk
        actors.append(
            Actor(
                f"citizen {label}",
                "citizen",
                place=label,
                user=place.citizen,
                headers={"Authorization": f"Token {secret}"},
            )
        )
    staff = [
        *((role, "A1") for role in AGENCY_ROLES),
        (Role.FRONT_OFFICE, "A2"),
        (Role.VERIFIER, "A2"),
        (Role.TECHNICAL_TEAM, "B1"),
        (Role.APPROVER, "B1"),
    ]
    for role, agency in staff:
        actor = person(f"{role} {agency}", "agency", place=agency[0], agency=agency, role=role)
        membership_grant(user=actor.user, role=role, agency=agencies[agency])
        actors.append(actor)
    for label, place in places.items():
        actor = person(f"manager {label}", "manager", place=label, role=Role.MALL_MANAGER)
        membership_grant(user=actor.user, role=Role.MALL_MANAGER, mall=place.mall)
        actors.append(actor)
    monitor = person("monitor", "monitor", role=Role.MINISTRY_MONITOR)
    membership_grant(user=monitor.user, role=Role.MINISTRY_MONITOR)
    actors += [monitor, Actor("superuser", "superuser", user=superuser)]
    _every_mall, every_mall = IntegrationKey.issue(name="OSS nasional")
    actors.append(
        Actor("key of every mall", "key", headers={"Authorization": f"Api-Key {every_mall}"})
    )
    for label, place in places.items():
        actors.append(
            Actor(
                f"key {label}",
                "key",
                place=label,
                headers={"Authorization": f"Api-Key {place.key_secret}"},
            )
        )
    # Tokens were just used: authenticating does not touch them (a refusal changes nothing).
    ApiToken.objects.update(last_used=timezone.now())
    for actor in actors:
        if actor.kind in PEOPLE and actor.kind != "citizen":
            actor.client.force_login(actor.user)
    return World(places, actors, visit_day, free_day)


# Who is who to a row.


def owner(a: Actor, row: str) -> bool:
    return a.kind == "citizen" and a.place == row


def key_of(a: Actor, row: str) -> bool:
    return a.kind == "key" and a.place == row


def works_at(a: Actor, row: str, roles: tuple[str, ...] = AGENCY_ROLES) -> bool:
    """Staff of the row's agency (A1 or B1) in one of ``roles``."""
    return a.kind == "agency" and a.agency == f"{row}1" and a.role in roles


def manages(a: Actor, row: str) -> bool:
    return a.kind == "manager" and a.place == row


def signed_in(a: Actor) -> bool:
    """A person the token or session authentication knows (an integration key is no person)."""
    return a.kind in PEOPLE


# Expectations: (actor, row) -> status.
Expect = Callable[[Actor, str], int]


def public(status: int = 200) -> Expect:
    return lambda a, row: status


def secret_of_a(status: int) -> Expect:
    """Anyone holding A's secret (or tracking digits): A's object opens, B's is not found."""
    return lambda a, row: status if row == "A" else 404


def people(status: int) -> Expect:
    """Any signed-in person acting for themself; no one else."""
    return lambda a, row: status if signed_in(a) else 401


def staff_only(status: int) -> Expect:
    """The staff endpoints: any member of staff; a citizen is told it is for staff (403)."""
    return lambda a, row: 403 if a.kind == "citizen" else status


def keys_refused(then: Expect, key_status: int = 401) -> Expect:
    """Endpoints whose authentication does not know integration keys (401), or knows them
    but refuses them (403); the anonymous always 401."""

    def expect(a: Actor, row: str) -> int:
        if a.kind == "anonymous":
            return 401
        if a.kind == "key":
            return key_status
        return then(a, row)

    return expect


def application_seen(a: Actor, row: str, *, submitted: bool) -> bool:
    """Who reaches the row's application: its applicant, and once submitted the staff of its
    agency (any role) and the superuser."""
    return owner(a, row) or (submitted and (works_at(a, row) or a.kind == "superuser"))


def applicant_action(*, submitted: bool, status: int = 200) -> Expect:
    """An action of the applicant's own: 403 to staff who see the case, 404 to all others."""

    def expect(a: Actor, row: str) -> int:
        if owner(a, row):
            return status
        return 403 if application_seen(a, row, submitted=submitted) else 404

    return expect


def pushed_action(*, submitted: bool, status: int = 200) -> Expect:
    """The applicant's own action, which the integration that pushed the case may take too."""
    inner = applicant_action(submitted=submitted, status=status)

    def expect(a: Actor, row: str) -> int:
        if a.kind == "anonymous":
            return 401
        if a.kind == "key":
            return status if key_of(a, row) else 404
        return inner(a, row)

    return expect


def application_read(a: Actor, row: str) -> int:
    if a.kind == "anonymous":
        return 401
    if a.kind == "key":
        return 200 if key_of(a, row) else 404
    return 200 if application_seen(a, row, submitted=True) else 404


def transition(a: Actor, row: str) -> int:
    """The row's case waits at the document check: its agency's front office (or the
    superuser) forwards it; the agency's other roles are refused the step; the applicant may
    not act on it; anybody else does not find it."""
    if works_at(a, row, (Role.FRONT_OFFICE,)) or a.kind == "superuser":
        return 200
    if works_at(a, row) or owner(a, row):
        return 403
    return 404


def push(a: Actor, row: str) -> int:
    """A citizen applies (any mall's service); staff too, as applicants themselves; a key
    pushes only into its own mall (a key of every mall, into any)."""
    if a.kind == "anonymous":
        return 401
    if a.kind == "key":
        return 201 if key_of(a, row) or not a.place else 404
    return 201


def closure(a: Actor, row: str) -> int:
    if manages(a, row) or a.kind == "superuser":
        return 201
    return 403


def book(a: Actor, row: str) -> int:
    """Citizens book any mall's free place; staff hold no NIK, which a booking needs."""
    return 201 if a.kind == "citizen" else 400


def booking_of_own(a: Actor, row: str) -> int:
    return 200 if owner(a, row) else 404


def token_of_own(a: Actor, row: str) -> int:
    return 204 if owner(a, row) else 404


def token_for(a: Actor, row: str) -> int:
    """A token for the caller's own login: citizens get one, staff never."""
    return 403 if a.kind in PEOPLE and a.kind != "citizen" else 200


def report_answer(a: Actor, row: str) -> int:
    """The row's report, routed to its agency: that agency's staff (any role) answer; the
    mall's coordinator and the monitor see it but may not (a coordinator answers for the
    agency only in the back office, explicitly); a citizen is refused the staff endpoint; nobody
    else finds it."""
    if works_at(a, row) or a.kind == "superuser":
        return 200
    if manages(a, row) or a.kind in ("monitor", "citizen"):
        return 403
    return 404


def report_route(a: Actor, row: str) -> int:
    """A filed report: only the mall's coordinator routes it; the monitor sees it only; a
    citizen is refused the staff endpoint."""
    if manages(a, row) or a.kind == "superuser":
        return 200
    if a.kind in ("monitor", "citizen"):
        return 403
    return 404


# Who finds the row's object in a list.
Sees = Callable[[Actor, str], bool]


def sees_own(a: Actor, row: str) -> bool:
    return owner(a, row)


def sees_case(a: Actor, row: str) -> bool:
    return works_at(a, row) or a.kind == "superuser"


def sees_report(a: Actor, row: str) -> bool:
    return works_at(a, row) or manages(a, row) or a.kind in ("monitor", "superuser")


def everyone(a: Actor, row: str) -> bool:
    return True


@dataclass(frozen=True)
class Entry:
    expect: Expect
    path: Callable[[World, str], str]  # the path (and query) for the row
    body: Callable[[World, Actor, str], Any] | None = None
    headers: Callable[[World, str], dict[str, str]] | None = None
    multipart: bool = False
    # For lists: whether the row's object is in the JSON answer, and who must find it.
    listed: Callable[[World, str, Any], bool] | None = None
    sees: Sees = everyone


def _results(body: Any) -> list[dict]:
    return body["results"] if isinstance(body, dict) else body


def _ids(key: str, value: Callable[[Place], Any]) -> Callable[[World, str, Any], bool]:
    return lambda w, row, body: value(w.places[row]) in {r[key] for r in _results(body)}


def _report(state: str) -> Callable[[World, str], str]:
    return lambda w, row: w.places[row].reports[state].tracking_id


def _secret(state: str) -> Callable[[World, str], dict[str, str]]:
    return lambda w, row: {"X-Report-Secret": w.places["A"].secrets[state]}


def _app(state: str, suffix: str = "") -> Callable[[World, str], str]:
    return lambda w, row: f"/api/v1/applications/{getattr(w.places[row], state).pk}/{suffix}"


def _new_application(w: World, a: Actor, row: str) -> dict:
    body = {"service": w.places[row].service.pk, "form_data": {}}
    if a.kind == "key":
        body["nik"] = w.places[row].citizen.nik
    return body


def _login(w: World, a: Actor, row: str) -> dict:
    user = a.user or w.places[row].citizen
    login = user.nik or user.username
    return {"login": login, "password": PASSWORD, "name": "matriks"}


def _closure(w: World, a: Actor, row: str) -> dict:
    far = timezone.localdate() + timedelta(days=300)
    return {
        "kind": "closed",
        "decree_number": "SK-7/2020",
        "reason": "Pembatasan sosial berskala besar",
        "starts_on": far.isoformat(),
        "ends_on": far.isoformat(),
        "agencies": [w.places[row].agency.pk],
    }


def _report_body(w: World, a: Actor, row: str) -> dict:
    return {
        "mall": w.places[row].mall.slug,
        "kind": "pengaduan",
        "category": "waktu",
        "title": "Antrean panjang",
        "text": "Antrean di loket Disdukcapil lebih dari tiga jam.",
    }


API = "/api/v1"


def _this_month() -> str:
    today = timezone.localdate()
    return f"{today.year}/{today.month}"


MATRIX: dict[tuple[str, str], Entry] = {
    ("/api/v1/agencies/", "get"): Entry(
        public(),
        lambda w, row: f"{API}/agencies/?mall={w.places[row].mall.slug}",
        listed=_ids("id", lambda p: p.agency.pk),
    ),
    ("/api/v1/announcements/", "get"): Entry(
        public(), lambda w, row: f"{API}/announcements/?mall={w.places[row].mall.slug}"
    ),
    ("/api/v1/applications/", "get"): Entry(
        keys_refused(people(200), key_status=403),
        lambda w, row: f"{API}/applications/",
        listed=_ids("id", lambda p: p.in_progress.pk),
        sees=sees_own,
    ),
    ("/api/v1/applications/", "post"): Entry(
        push,
        lambda w, row: f"{API}/applications/",
        body=_new_application,
        headers=lambda w, row: {"Idempotency-Key": f"matriks-{row}"},
    ),
    ("/api/v1/applications/{id}/", "get"): Entry(application_read, _app("in_progress")),
    ("/api/v1/applications/{id}/", "patch"): Entry(
        keys_refused(applicant_action(submitted=False), key_status=403),
        _app("draft"),
        body=lambda w, a, row: {"form_data": {"catatan": "lantai dua"}},
    ),
    ("/api/v1/applications/{id}/cancel/", "post"): Entry(
        keys_refused(applicant_action(submitted=True)),
        _app("in_progress", "cancel/"),
        body=lambda w, a, row: {"note": "Tidak jadi"},
    ),
    ("/api/v1/applications/{id}/documents/", "post"): Entry(
        pushed_action(submitted=False, status=201),
        _app("draft", "documents/"),
        body=lambda w, a, row: {
            "file": pdf("denah.pdf"),
            "requirement": w.places[row].service.requirements.get().pk,
        },
        multipart=True,
    ),
    ("/api/v1/applications/{id}/resubmit/", "post"): Entry(
        keys_refused(applicant_action(submitted=True)),
        _app("revision", "resubmit/"),
        body=lambda w, a, row: {"form_data": {}},
    ),
    ("/api/v1/applications/{id}/submit/", "post"): Entry(
        pushed_action(submitted=False), _app("draft", "submit/")
    ),
    ("/api/v1/applications/{id}/transitions/", "post"): Entry(
        keys_refused(transition),
        _app("in_progress", "transitions/"),
        body=lambda w, a, row: {
            "action": "forward",
            "version": w.places[row].in_progress.version,
            "note": "",
        },
    ),
    # The answer is the same whether or not the NIK has an account: a code is sent.
    ("/api/v1/auth/register/", "post"): Entry(
        public(202),
        lambda w, row: f"{API}/auth/register/",
        body=lambda w, a, row: {
            "name": "Budi Santoso",
            "nik": "3271014501900009",
            "phone": "+6281298765432",
            "email": "budi@example.id",
            "password": PASSWORD,
        },
    ),
    # A made-up registration id opens nothing.
    ("/api/v1/auth/register/confirm/", "post"): Entry(
        public(400),
        lambda w, row: f"{API}/auth/register/confirm/",
        body=lambda w, a, row: {"registration": "tebakan", "code": "123456"},
    ),
    ("/api/v1/auth/token/", "post"): Entry(
        token_for, lambda w, row: f"{API}/auth/token/", body=_login
    ),
    ("/api/v1/auth/tokens/", "get"): Entry(
        keys_refused(people(200)),
        lambda w, row: f"{API}/auth/tokens/",
        listed=_ids("id", lambda p: p.token_id),
        sees=sees_own,
    ),
    ("/api/v1/auth/tokens/{id}/", "delete"): Entry(
        keys_refused(token_of_own), lambda w, row: f"{API}/auth/tokens/{w.places[row].token_id}/"
    ),
    ("/api/v1/bookings/", "post"): Entry(
        keys_refused(book),
        lambda w, row: f"{API}/bookings/",
        body=lambda w, a, row: {"slot": w.places[row].free_slot},
    ),
    ("/api/v1/bookings/{code}/", "get"): Entry(
        keys_refused(booking_of_own),
        lambda w, row: f"{API}/bookings/{w.places[row].booking.code}/",
    ),
    ("/api/v1/bookings/{code}/", "delete"): Entry(
        keys_refused(booking_of_own),
        lambda w, row: f"{API}/bookings/{w.places[row].booking.code}/",
    ),
    ("/api/v1/malls/", "get"): Entry(
        public(), lambda w, row: f"{API}/malls/", listed=_ids("slug", lambda p: p.mall.slug)
    ),
    ("/api/v1/malls/{slug}/", "get"): Entry(
        public(), lambda w, row: f"{API}/malls/{w.places[row].mall.slug}/"
    ),
    ("/api/v1/malls/{slug}/ikm/", "get"): Entry(
        public(), lambda w, row: f"{API}/malls/{w.places[row].mall.slug}/ikm/"
    ),
    ("/api/v1/malls/{slug}/closures/", "post"): Entry(
        keys_refused(closure),
        lambda w, row: f"{API}/malls/{w.places[row].mall.slug}/closures/",
        body=_closure,
    ),
    ("/api/v1/reports/", "post"): Entry(
        public(201), lambda w, row: f"{API}/reports/", body=_report_body
    ),
    ("/api/v1/reports/{tracking_id}/", "get"): Entry(
        secret_of_a(200),
        lambda w, row: f"{API}/reports/{_report('filed')(w, row)}/",
        headers=_secret("filed"),
    ),
    ("/api/v1/reports/{tracking_id}/rating/", "post"): Entry(
        secret_of_a(200),
        lambda w, row: f"{API}/reports/{_report('answered')(w, row)}/rating/",
        body=lambda w, a, row: {"rating": 4},
        headers=_secret("answered"),
    ),
    ("/api/v1/reports/{tracking_id}/replies/", "post"): Entry(
        secret_of_a(200),
        lambda w, row: f"{API}/reports/{_report('routed')(w, row)}/replies/",
        body=lambda w, a, row: {"text": "Nomor antrean saya A-012."},
        headers=_secret("routed"),
    ),
    ("/api/v1/services/", "get"): Entry(
        public(),
        lambda w, row: f"{API}/services/?mall={w.places[row].mall.slug}",
        listed=_ids("id", lambda p: p.service.pk),
    ),
    ("/api/v1/services/{id}/", "get"): Entry(
        public(), lambda w, row: f"{API}/services/{w.places[row].service.pk}/"
    ),
    ("/api/v1/services/{id}/ikm/", "get"): Entry(
        public(), lambda w, row: f"{API}/services/{w.places[row].service.pk}/ikm/"
    ),
    ("/api/v1/services/{id}/slots/", "get"): Entry(
        public(),
        lambda w, row: f"{API}/services/{w.places[row].service.pk}/slots/?date={w.free_day}",
    ),
    ("/api/v1/staff/applications/", "get"): Entry(
        keys_refused(staff_only(200)),
        lambda w, row: f"{API}/staff/applications/",
        listed=_ids("id", lambda p: p.in_progress.pk),
        sees=sees_case,
    ),
    ("/api/v1/staff/reports/", "get"): Entry(
        keys_refused(staff_only(200)),
        lambda w, row: f"{API}/staff/reports/?mall={w.places[row].mall.slug}",
        listed=_ids("tracking_id", lambda p: p.reports["routed"].tracking_id),
        sees=sees_report,
    ),
    ("/api/v1/staff/reports/{tracking_id}/answer/", "post"): Entry(
        keys_refused(report_answer),
        lambda w, row: f"{API}/staff/reports/{_report('routed')(w, row)}/answer/",
        body=lambda w, a, row: {"text": "KTP-el sudah dicetak, silakan diambil."},
    ),
    ("/api/v1/staff/reports/{tracking_id}/route/", "post"): Entry(
        keys_refused(report_route),
        lambda w, row: f"{API}/staff/reports/{_report('filed')(w, row)}/route/",
        body=lambda w, a, row: {"agency": w.places[row].agency.pk, "deadline_class": 5},
    ),
    # Open data: anyone, any mall's month (this one: the world's reports were filed in it).
    ("/api/v1/stats/{mall}/{year}/{month}/", "get"): Entry(
        public(), lambda w, row: f"{API}/stats/{w.places[row].mall.slug}/{_this_month()}/"
    ),
    ("/api/v1/stats/{mall}/{year}/{month}/csv/", "get"): Entry(
        public(),
        lambda w, row: (
            f"{API}/stats/{w.places[row].mall.slug}/{_this_month()}/csv/"
            f"?agency={w.places[row].agency.slug}"
        ),
    ),
    ("/api/v1/track/{tracking_number}/", "get"): Entry(
        secret_of_a(200),
        lambda w, row: (
            f"{API}/track/{w.places[row].in_progress.tracking_number}/"
            f"?phone_last4={w.places['A'].citizen.phone[-4:]}"
        ),
    ),
}
# The schema's own endpoints, which the schema does not list: public.
NOT_IN_SCHEMA: dict[tuple[str, str], Entry] = {
    ("/api/v1/schema/", "get"): Entry(public(), lambda w, row: f"{API}/schema/"),
    ("/api/v1/docs/", "get"): Entry(public(), lambda w, row: f"{API}/docs/"),
}


# The schema, the URL configuration and the database.


def _operations() -> list[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return sorted(
        (path, method)
        for path, item in schema["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    )


def _api_url_names() -> set[str]:
    """Every named URL under the ``api`` namespace, however deep."""
    _namespace, resolver = get_resolver().namespace_dict["api"]

    def names(patterns: list) -> set[str]:
        found = set()
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                found |= names(pattern.url_patterns)
            elif isinstance(pattern, URLPattern) and pattern.name:
                found.add(pattern.name)
        return found

    return names(resolver.url_patterns)


def _tables() -> list[str]:
    return sorted(t for t in connection.introspection.table_names() if t not in {"django_session"})


def _snapshot(tables: list[str]) -> dict[str, tuple[int, str]]:
    """Every table's row count and a checksum of its rows, in one query."""
    qn = connection.ops.quote_name
    # Table names come from the database's own catalogue, quoted; the labels are parameters.
    sql = " UNION ALL ".join(
        "SELECT %s, count(*), "  # noqa: S608
        f"md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {qn(table)} t"
        for table in tables
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, tables)
        return {table: (count, digest) for table, count, digest in cursor.fetchall()}


def _is_error_body(response) -> bool:
    try:
        body = json.loads(response.content)
    except ValueError:
        return False
    error = body.get("error") if isinstance(body, dict) else None
    return (
        isinstance(error, dict)
        and isinstance(error.get("code"), str)
        and bool(error.get("message"))
        and isinstance(error.get("fields"), dict)
    )


@pytest.fixture(autouse=True)
def _unthrottled(settings):
    """Throttles out of the way: the matrix makes hundreds of requests from one address, and
    tries one tracking number with every caller's digits."""
    settings.TRACKING_FAILURE_LIMIT = 100_000
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            "auth": "100000/minute",
            "reports": "100000/minute",
            "register": "100000/minute",
            "open_data": "100000/minute",
        },
    }


def _call(entry: Entry, world: World, actor: Actor, row: str):
    url = entry.path(world, row)
    headers = {**actor.headers, **(entry.headers(world, row) if entry.headers else {})}
    body = entry.body(world, actor, row) if entry.body else None
    return headers, url, body


def test_every_operation_has_an_entry():
    assert set(_operations()) == set(MATRIX)


def test_every_api_url_is_in_the_schema():
    """A view left out of the schema would escape the matrix."""
    served = set()
    for path, _method in _operations():
        served.add(resolve(re.sub(r"\{[^}]+\}", "1", path)).url_name)
    unlisted = {resolve(path).url_name for path, _method in NOT_IN_SCHEMA}
    assert unlisted == {"schema", "docs"}
    assert _api_url_names() - served == unlisted


@pytest.mark.parametrize(
    "operation", [*_operations(), *NOT_IN_SCHEMA], ids=lambda op: f"{op[1].upper()} {op[0]}"
)
def test_api_matrix(operation):
    path, method = operation
    entry = {**MATRIX, **NOT_IN_SCHEMA}[operation]  # a new operation needs its entry here
    world = _world()
    tables = _tables()
    failures: list[str] = []
    for actor in world.actors:
        for row in ROWS:
            expected = entry.expect(actor, row)
            headers, url, body = _call(entry, world, actor, row)
            call = getattr(actor.client, method)
            with transaction.atomic():
                before = _snapshot(tables)
                if body is None:
                    response = call(url, headers=headers)
                elif entry.multipart:
                    response = call(url, body, headers=headers)
                else:
                    response = call(
                        url, json.dumps(body), content_type="application/json", headers=headers
                    )
                after = _snapshot(tables)
                transaction.set_rollback(True)
            what = f"{actor.name} on {row}"
            if response.status_code != expected:
                detail = response.content[:200].decode(errors="replace")
                failures.append(f"{what}: {response.status_code} != {expected} {detail}")
                continue
            if response.status_code >= 400:
                if not _is_error_body(response):
                    failures.append(f"{what}: refused without the error body")
                changed = sorted(t for t in tables if before[t] != after[t])
                if changed:
                    failures.append(f"{what}: refused but changed {', '.join(changed)}")
            elif entry.listed is not None:
                listed = entry.listed(world, row, response.json())
                if listed != entry.sees(actor, row):
                    failures.append(f"{what}: listed {listed}, expected {not listed}")
    assert not failures, f"{method.upper()} {path}\n" + "\n".join(failures)


@pytest.mark.parametrize("path", sorted({path for path, _method in _operations()}))
def test_a_method_a_path_does_not_document_is_405(path):
    """Even to the superuser, past every permission: the error body, nothing written."""
    documented = {method for p, method in _operations() if p == path}
    client = Client()
    client.force_login(User.objects.create_user(username="root", is_superuser=True))
    url = re.sub(r"\{[^}]+\}", "1", path)
    tables = _tables()
    for method in sorted({"get", "post", "put", "patch", "delete"} - documented):
        with transaction.atomic():
            before = _snapshot(tables)
            response = getattr(client, method)(url)
            after = _snapshot(tables)
            transaction.set_rollback(True)
        assert response.status_code == 405, (method, response.status_code)
        assert _is_error_body(response) and before == after, method


def test_staff_without_their_second_factor_reach_no_operation(settings):
    """Signed in with the password only, a member of staff gets the API's 403 from every
    operation, public ones included, and changes nothing."""
    settings.TWO_FACTOR_REQUIRED = True
    world = _world()
    manager = next(actor for actor in world.actors if actor.name == "manager A")
    tables = _tables()
    failures = []
    for (path, method), entry in MATRIX.items():
        _headers, url, body = _call(entry, world, manager, "A")
        with transaction.atomic():
            before = _snapshot(tables)
            if entry.multipart or body is None:
                response = getattr(manager.client, method)(url, body or {})
            else:
                response = getattr(manager.client, method)(
                    url, json.dumps(body), content_type="application/json"
                )
            after = _snapshot(tables)
            transaction.set_rollback(True)
        code = _is_error_body(response) and response.json()["error"]["code"]
        if (response.status_code, code) != (403, "two_factor_required") or before != after:
            failures.append(f"{method.upper()} {path}: {response.status_code} {code}")
    assert not failures


def test_the_checksum_sees_a_change():
    """The snapshot the matrix compares notices a changed value, not only a changed count."""
    world = _world()
    tables = _tables()
    before = _snapshot(tables)
    Report.objects.filter(pk=world.places["A"].reports["filed"].pk).update(title="Diubah")
    after = _snapshot(tables)
    assert [t for t in tables if before[t] != after[t]] == [Report._meta.db_table]
