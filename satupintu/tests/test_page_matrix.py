"""The pages' authorisation matrix, generated from the URL configuration.

Every named URL outside the admin (``admin:``, see ``malls/tests/test_admin_matrix.py``) and the
API (``api:``) — staff pages, the portal's pages and account pages, ``verify:``, Open311, the
webhooks, ``media``, the probes — has an entry in ``PAGES``; a URL name without one fails
(``test_every_page_has_an_entry``), so a new page must be classified here.

An entry says how to build the URL's arguments for each object it is tried on (``objects``:
label → arguments; "A" is of mall A / agency A1 / citizen ``warga``, "B" of mall B / agency B1 /
citizen ``warga lain``; "mixed" is A's object with B's file, survey or booking inside; "A-new" a
report still waiting for the coordinator; others are forged secrets or missing files) and which
requests to try (``Try``: GET, and POST with a plausible form body for every view that accepts
POST). Each try's ``expect(actor, label)`` gives the outcome for every actor: anonymous; the
two citizens; each agency role of agency A1 (whose own objects are A's and another mall's B's);
a front office and a verifier of agency A2 (another agency of mall A) and a technical team and
an approver of agency B1 (another mall): every role kind meets another agency's or another
mall's object; the managers of malls A and B; the ministry monitor; a superuser; and two
integration keys (of mall A, of mall B), which sign nothing in and only give their ``api_key``
to Open311. Unnamed URLs fail too, as ``<unnamed ...>``.

Outcomes: ``OK`` (200), ``WROTE`` (200, having written), ``ACTED`` (a redirect after writing
what was asked), ``DONE`` (a redirect, written or not), ``NOOP`` (a redirect with a message,
nothing done), ``SHOWN`` (200, nothing done), ``LOGIN`` (a redirect to the sign-in page),
``DENIED`` (403), ``MISSING`` (404), ``NOT_ALLOWED`` (405) and a few others. Whenever an
outcome is a refusal, every table of the database (but the sessions) is compared before and
after the request: its row count and a hash of its rows; an outcome that writes must have
changed one. A list page (``Listing``) must show a place's object exactly to those who may see
it. Each request runs in a transaction rolled back after it (its cookies restored, so a sign-out
does not last), so the world is built once for the module.
"""

import copy
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.contrib.auth.hashers import make_password
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from satupintu.accounts.models import User
from satupintu.accounts.services import api_token_create
from satupintu.api.models import IntegrationKey
from satupintu.booking.calendar import calendar_link
from satupintu.booking.models import Booking, Slot
from satupintu.booking.services import tickets
from satupintu.booking.tests.factories import open_today
from satupintu.cases.models import (
    Application,
    Document,
    IssuedDocument,
    OssLink,
    Step,
    Survey,
    WorkflowStep,
)
from satupintu.cases.tests.files import PDF
from satupintu.catalog.models import Service
from satupintu.catalog.tests.factories import RequirementFactory, ServiceFactory
from satupintu.complaints.models import Consultation, ConsultationMessage, Report, ReportAttachment
from satupintu.complaints.services import report_file
from satupintu.malls.calendar import in_mall_time
from satupintu.malls.models import Agency, Counter, Mall, StaffMembership
from satupintu.malls.tests.factories import AgencyFactory, MallFactory
from satupintu.surveys.models import Invitation
from satupintu.surveys.services.invitations import token_hash
from satupintu.surveys.tests.factories import answers

pytestmark = pytest.mark.django_db
Role = StaffMembership.Role
PASSWORD = "kata-sandi-warga-123"


# --- outcomes -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    status: int
    refused: bool  # the database must be left as it was
    to_login: bool = False
    writes: bool = False  # the database must have changed

    def __str__(self) -> str:
        return f"{self.status}{' (login)' if self.to_login else ''}"


OK = Outcome(200, refused=False)
SHOWN = Outcome(200, refused=True)  # a page (or a form back with its errors) that writes nothing
DONE = Outcome(302, refused=False)
ACTED = Outcome(302, refused=False, writes=True)
WROTE = Outcome(200, refused=False, writes=True)
NOOP = Outcome(302, refused=True)
LOGIN = Outcome(302, refused=True, to_login=True)
BAD = Outcome(400, refused=True)
DENIED = Outcome(403, refused=True)
MISSING = Outcome(404, refused=True)
NOT_ALLOWED = Outcome(405, refused=True)
CREATED = Outcome(201, refused=False, writes=True)
CONFLICT = Outcome(409, refused=True)
UNSUPPORTED = Outcome(415, refused=True)


# --- actors ---------------------------------------------------------------------------------


@dataclass
class Actor:
    name: str
    kind: str  # anonymous, key, citizen, staff, manager, monitor, superuser
    user: User | None = None
    role: str = ""
    agency: str = ""  # "A1", "A2" or "B1"
    mall: str = ""  # "A" or "B"
    owns: str = ""  # the place whose citizen's objects are this citizen's
    api_key: str = ""
    client: Client = field(default_factory=Client)

    @property
    def signed_in(self) -> bool:
        return self.user is not None


Expect = Callable[[Actor, str], Outcome]


def everyone(outcome: Outcome) -> Expect:
    return lambda actor, label: outcome


def signed_in(outcome: Outcome, *, anonymous: Outcome = LOGIN) -> Expect:
    return lambda actor, label: outcome if actor.signed_in else anonymous


def owner(outcome: Outcome, *, others: Outcome = MISSING) -> Expect:
    """A citizen's own object: only its owner reaches it; anyone else finds nothing."""

    def expect(actor: Actor, label: str) -> Outcome:
        if not actor.signed_in:
            return LOGIN
        return outcome if actor.owns == label else others

    return expect


def by_label(outcomes: dict[str, Expect]) -> Expect:
    return lambda actor, label: outcomes[label](actor, label)


def agency_staff(
    outcome: Outcome,
    *,
    roles: tuple[str, ...] = (),
    other_role: Outcome = NOOP,
    elsewhere: Outcome = MISSING,
    manager: Outcome | None = None,
    monitor: Outcome | None = None,
) -> Expect:
    """An object of the agency of place ``label`` (A1 or B1): that agency's staff (in ``roles``
    when given; the others get ``other_role``) and the superuser; the mall's manager and the
    monitor get ``manager``/``monitor`` (``elsewhere`` when not given), as does everyone else."""

    def expect(actor: Actor, label: str) -> Outcome:
        if not actor.signed_in:
            return LOGIN
        if actor.kind == "superuser":
            return outcome
        if actor.kind == "manager" and manager is not None:
            return manager if actor.mall == label else elsewhere
        if actor.kind == "monitor" and monitor is not None:
            return monitor
        if actor.agency == f"{label}1":
            return outcome if not roles or actor.role in roles else other_role
        return elsewhere

    return expect


DESK = (Role.FRONT_OFFICE,)


def mall_staff(
    outcome: Outcome,
    *,
    agency: str = "mall",
    roles: tuple[str, ...] = (),
    monitor: Outcome = DENIED,
    citizen: Outcome = DENIED,
    elsewhere: Outcome = DENIED,
) -> Expect:
    """A page of mall ``label``: its manager, the superuser, and agency staff (of any agency of
    the mall when ``agency`` is "mall", of the place's own agency when "own", of any agency
    anywhere when "any"; in ``roles`` when given, the other roles get ``elsewhere``)."""

    def expect(actor: Actor, label: str) -> Outcome:
        if not actor.signed_in:
            return LOGIN
        if actor.kind == "superuser":
            return outcome
        if actor.kind == "citizen":
            return citizen
        if actor.kind == "monitor":
            return monitor
        if actor.kind == "manager":
            return outcome if actor.mall == label else elsewhere
        reaches = {
            "mall": actor.mall == label,
            "own": actor.agency == f"{label}1",
            "any": True,
        }[agency]
        return outcome if reaches and (not roles or actor.role in roles) else elsewhere

    return expect


# --- the matrix -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Listing:
    """A list page shows a place's object (by ``marker``) exactly when the actor ``sees`` it."""

    marker: Callable[["World", str], str]
    sees: Callable[[Actor, str], bool]


@dataclass(frozen=True)
class Try:
    method: str
    expect: Expect
    body: Callable[["World", str], dict] | None = None
    only: tuple[str, ...] = ()  # sampled actors (heavy pages), by name
    json: bool = False  # the body as JSON (else a multipart form, as the test client posts)
    listing: Listing | None = None


@dataclass(frozen=True)
class Page:
    tries: tuple[Try, ...]
    objects: dict[str, Callable[["World"], dict]] = field(
        default_factory=lambda: {"-": lambda w: {}}
    )


def sees_as_staff(actor: Actor, label: str) -> bool:
    """Whether a staff list shows an object of place ``label``'s agency to ``actor``."""
    if actor.kind in ("superuser", "monitor"):
        return True
    if actor.kind == "manager":
        return actor.mall == label
    return actor.agency == f"{label}1"


def sees_as_owner(actor: Actor, label: str) -> bool:
    return actor.owns == label


def get(expect: Expect, **kwargs) -> Try:
    return Try("GET", expect, **kwargs)


def post(expect: Expect, body: Callable[["World", str], dict] | None = None, **kwargs) -> Try:
    return Try("POST", expect, body, **kwargs)


def both(name: str) -> dict[str, Callable[["World"], dict]]:
    """Objects of places A and B, their URL arguments given by ``World.args(name, place)``."""
    return {label: (lambda w, label=label: w.args(name, label)) for label in ("A", "B")}


def mixed(name: str, nested: str) -> dict[str, Callable[["World"], dict]]:
    """Places A and B, and "mixed": place A's object with place B's ``nested`` one (a file, a
    survey of another case), which nobody reaches through A's."""
    return {
        **both(name),
        "mixed": lambda w: {**w.args(name, "A"), nested: w.args(name, "B")[nested]},
    }


def or_missing(expect: Expect) -> Expect:
    """``expect`` on places A and B; on a mixed object, missing to all who sign in."""

    def wrapped(actor: Actor, label: str) -> Outcome:
        if label != "mixed":
            return expect(actor, label)
        return MISSING if actor.signed_in else LOGIN

    return wrapped


def at_mall(name: str) -> dict[str, Callable[["World"], dict]]:
    """Malls A and B, and "mixed": mall A's page given mall B's booking (``_code_at``)."""
    return {**both(name), "mixed": lambda w: w.args(name, "A")}


def _unless_draft(expect: Expect) -> Expect:
    """The citizens hold a draft of their place's service (``Place.draft``)."""
    return lambda actor, label: NOOP if actor.owns == label else expect(actor, label)


def _at_a(label: str) -> str:
    """A mixed object is reached through place A's."""
    return "A" if label == "mixed" else label


def _code_at(w: "World", label: str) -> str:
    return w.places["B" if label == "mixed" else label].booking.code


def _or_superuser(outcome: Outcome, expect: Expect) -> Expect:
    return lambda actor, label: outcome if actor.kind == "superuser" else expect(actor, label)


def _coordinators(
    outcome: Outcome, *, monitor: Outcome | None = None, superuser: Outcome | None = None
) -> Expect:
    """A report waiting for verification: its mall's coordinators (and the superuser, and the
    monitor, who reads every report: ``monitor``); no agency sees it yet."""

    def expect(actor: Actor, label: str) -> Outcome:
        if not actor.signed_in:
            return LOGIN
        if actor.kind == "superuser":
            return superuser or outcome
        if actor.kind == "monitor":
            return monitor or outcome
        if actor.kind == "manager" and actor.mall == label[0]:
            return outcome
        return MISSING

    return expect


def post_only(expect: Expect, body=None) -> tuple[Try, ...]:
    """A view that takes only POST: GET is 405 to whoever gets past the sign-in."""

    def get_expect(actor: Actor, label: str) -> Outcome:
        return NOT_ALLOWED if actor.signed_in else LOGIN

    return (get(get_expect), post(expect, body))


SAMPLE = ("anonymous", "citizen", "front_office A1", "monitor", "manager B", "superuser")

PAGES: dict[str, Page] = {}


REPORTS: dict[str, Callable[["World"], dict]] = {
    **both("report"),
    "A-new": lambda w: w.args("new-report", "A"),
    "B-new": lambda w: w.args("new-report", "B"),
}

# --- the world ------------------------------------------------------------------------------


@dataclass
class Place:
    mall: Mall
    agency: Agency
    service: Service
    citizen: User
    application: Application
    draft: Application  # never submitted: the applicant's own business
    document: Document
    survey: Survey
    issued: IssuedDocument
    booking: Booking  # of today
    later: Booking  # in three days
    counter: Counter
    consultation: Consultation
    report: Report  # routed to the place's agency
    new_report: Report  # waiting for the coordinator
    attachment: ReportAttachment
    secret: str
    token_id: int
    survey_token: str = ""  # an invitation's link secret (surveys)


@dataclass
class World:
    places: dict[str, Place]
    actors: list[Actor]
    a2: Agency  # another agency of mall A
    media_root: Path
    private_root: Path

    def args(self, name: str, label: str) -> dict:  # noqa: PLR0911 - one line per page
        p = self.places[label]
        if name in ("case", "case-act", "case-note", "case-assign", "case-survey", "case-revoke"):
            return {"pk": p.application.pk}
        if name == "case-claim-slip":
            return {"pk": p.application.pk}
        if name in ("case-product", "case-oss", "case-oss-file"):
            return {"pk": p.application.pk}
        if name in ("application", "application-cancel"):
            return {"pk": p.application.pk}
        if name in ("application-receipt", "application-product"):
            return {"pk": p.application.pk}
        if name in ("case-file", "application-file", "application-file-remove"):
            return {"pk": p.application.pk, "document_pk": p.document.pk}
        if name in ("case-survey-result", "application-survey-confirm"):
            return {"pk": p.application.pk, "survey_pk": p.survey.pk}
        if name in ("ikm", "ikm-pdf", "ikm-xlsx", "ikm-paper"):
            return {"slug": p.mall.slug}
        if name in ("stats", "stats-csv", "stats-xlsx", "stats-pdf"):
            # One day in one bucket: the figures are counted for every actor.
            day = timezone.localdate().isoformat()
            return {"slug": p.mall.slug, "?": f"dari={day}&sampai={day}&satuan=tahun"}
        if name == "survey":
            return {"token": p.survey_token}
        if name in ("front-desk", "reports", "consultations", "mall", "kiosk", "board"):
            return {"slug": p.mall.slug}
        if name == "board-calls":
            return {"slug": p.mall.slug}
        if name == "agency":
            return {"slug": p.mall.slug, "agency_slug": p.agency.slug}
        if name == "counter":
            return {"pk": p.counter.pk}
        if name == "consultation":
            return {"pk": p.consultation.pk}
        if name in ("report", "report-act"):
            return {"tracking_id": p.report.tracking_id}
        if name == "new-report":
            return {"tracking_id": p.new_report.tracking_id}
        if name == "report-attachment":
            return {"tracking_id": p.report.tracking_id, "pk": p.attachment.pk}
        if name in ("portal-report", "report-respond", "report-receipt"):
            return {"tracking_id": p.report.tracking_id, "secret": p.secret}
        if name == "portal-report-file":
            return {"tracking_id": p.report.tracking_id, "secret": p.secret, "pk": p.attachment.pk}
        if name == "my-report":
            return {"tracking_id": p.report.tracking_id}
        if name == "my-report-file":
            return {"tracking_id": p.report.tracking_id, "pk": p.attachment.pk}
        if name in ("service", "book", "apply", "consult"):
            return {"pk": p.service.pk}
        if name in ("booking", "booking-ics", "booking-accept"):
            return {"code": p.booking.code}
        if name == "booking-cancel":
            return {"code": p.later.code}
        if name == "verify":
            return {"code": p.issued.code}
        raise AssertionError(f"no arguments for {name}")


def _place(label: str, mall: Mall, agency: Agency, citizen: User, n: int) -> Place:
    service = ServiceFactory(agency=agency, form_schema=[], name=f"Izin Reklame {label}")
    requirement = RequirementFactory(service=service)
    for order, (step, role) in enumerate(
        (
            (Step.DOCUMENT_CHECK, Role.FRONT_OFFICE),
            (Step.FIELD_SURVEY, Role.TECHNICAL_TEAM),
            (Step.VERIFICATION, Role.VERIFIER),
            (Step.DECISION, Role.APPROVER),
        ),
        start=1,
    ):
        WorkflowStep.objects.create(service=service, order=order, step=step, role=role)
    now = timezone.now()
    # Submitted, now at the field survey; its permit already issued (for the pages of files).
    application = Application.objects.create(
        tracking_number=f"88000{n}",
        service=service,
        applicant=citizen,
        status=Application.Status.IN_PROGRESS,
        step=Step.FIELD_SURVEY,
        submitted_at=now,
        due_date=timezone.localdate() + timedelta(days=10),
    )
    draft = Application.objects.create(
        tracking_number=f"88100{n}", service=service, applicant=citizen
    )
    document = Document.objects.create(
        application=application,
        requirement=requirement,
        file=ContentFile(PDF, name=f"ktp-{label}.pdf"),
        name="ktp.pdf",
        content_type="application/pdf",
        size=len(PDF),
        sha256=hashlib.sha256(PDF).hexdigest(),
        uploaded_by=citizen,
    )
    survey = Survey.objects.create(
        application=application, mode=Survey.Mode.ON_SITE, scheduled_at=now - timedelta(hours=1)
    )
    issued = IssuedDocument.objects.create(
        application=application,
        number=f"N-{n}",
        code=f"KODE{n}",
        title="Izin Reklame",
        holder_name="Budi",
        file=ContentFile(PDF, name=f"izin-{label}.pdf"),
        sha256=hashlib.sha256(PDF).hexdigest(),
        valid_from=date(2026, 1, 1),
    )
    # Born in OSS, its permit signed by OSS (fetched): the case page's OSS panel and file.
    OssLink.objects.create(
        application=application,
        nib=f"912000000000{n}",
        id_izin=f"I-20261130000000000000{n}",
        kd_izin="033000000001",
        signed_file=ContentFile(PDF, name=f"oss-ds-{label}.pdf"),
        signed_file_at=now,
    )
    start = now + timedelta(minutes=30)  # a visit of today: it can be checked in
    slot = Slot.objects.create(
        service=service,
        start=start,
        end=start + timedelta(minutes=30),
        capacity=5,
        priority_capacity=1,
        walk_in_places=1,
        booked=1,
    )
    booking = Booking.objects.create(
        code=f"BK00000{n}",
        citizen=citizen,
        slot=slot,
        service=service,
        date=in_mall_time(start, mall).date(),
    )
    later_start = now + timedelta(days=3)
    later = Booking.objects.create(
        code=f"BK10000{n}",
        citizen=citizen,
        slot=Slot.objects.create(
            service=service,
            start=later_start,
            end=later_start + timedelta(minutes=30),
            capacity=5,
            priority_capacity=1,
            walk_in_places=1,
            booked=1,
        ),
        service=service,
        date=in_mall_time(later_start, mall).date(),
    )
    counter = Counter.objects.create(agency=agency, label=f"{label}1")
    # Walk-ins are given on an open day only; the mall opens for this one (open hours would
    # let the booking pages make today's slots, which the pages' rows do not expect).
    open_today(mall)
    tickets.walk_in(service=service)
    mall.opening_hours.all().delete()
    tickets.call_next(counter=counter)  # the visitor the counter called
    consultation = Consultation.objects.create(
        citizen=citizen, service=service, subject=f"Pertanyaan warga {label}"
    )
    ConsultationMessage.objects.create(consultation=consultation, author=citizen, text="Halo?")
    filed = report_file(
        mall=mall,
        kind=Report.Kind.values[0],
        category=Report.Category.values[0],
        title="Antrian lama",
        text="Antrian terlalu lama di loket.",
        agency=agency,
        reporter=citizen,
        name="Budi",
    )
    report, secret = filed.report, filed.secret
    Report.objects.filter(pk=report.pk).update(agency=agency, status=Report.Status.ROUTED)
    report.refresh_from_db()
    new_report = report_file(
        mall=mall,
        kind=Report.Kind.values[0],
        category=Report.Category.values[0],
        title="Loket tutup",
        text="Loket tutup sebelum jamnya.",
        name="Budi",
    ).report
    attachment = ReportAttachment.objects.create(
        report=report, file=ContentFile(PDF, name=f"bukti-{label}.pdf"), name="bukti.pdf"
    )
    token, _secret = api_token_create(user=citizen, name="aplikasi")
    survey_token = f"survei-{label}-" + "x" * 32
    Invitation.objects.create(
        source=Invitation.Source.VISIT,
        source_id=n,
        token_hash=token_hash(survey_token),
        mall=mall,
        agency=agency,
        service=service,
        expires_at=now + timedelta(days=30),
    )
    return Place(
        mall,
        agency,
        service,
        citizen,
        application,
        draft,
        document,
        survey,
        issued,
        booking,
        later,
        counter,
        consultation,
        report,
        new_report,
        attachment,
        secret,
        token.pk,
        survey_token,
    )


def _build(media_root: Path, private_root: Path) -> World:
    mall_a, mall_b = MallFactory(slug="mpp-a"), MallFactory(slug="mpp-b")
    a1, a2 = AgencyFactory(mall=mall_a), AgencyFactory(mall=mall_a)
    b1 = AgencyFactory(mall=mall_b)
    citizens = {
        "A": User.objects.create(
            username="warga", nik="3271014501900001", password=make_password(PASSWORD)
        ),
        "B": User.objects.create(
            username="warga-lain", nik="3271014501900002", password=make_password(PASSWORD)
        ),
    }
    places = {
        "A": _place("A", mall_a, a1, citizens["A"], 1),
        "B": _place("B", mall_b, b1, citizens["B"], 2),
    }
    (media_root / "formulir").mkdir(parents=True, exist_ok=True)
    (media_root / "formulir" / "f.pdf").write_bytes(PDF)
    agencies = {"A1": a1, "A2": a2, "B1": b1}

    def staff(name: str, role: str, *, agency: str = "", mall: str = "") -> Actor:
        user = User.objects.create(username=name.replace(" ", "-"), is_staff=True)
        StaffMembership.objects.create(
            user=user,
            role=role,
            agency=agencies.get(agency),
            mall={"A": mall_a, "B": mall_b}.get(mall),
        )
        kind = {Role.MALL_MANAGER: "manager", Role.MINISTRY_MONITOR: "monitor"}.get(role, "staff")
        return Actor(name, kind, user, role, agency, mall or agency[:1])

    _key_a, secret_a = IntegrationKey.issue(name="sistem A", mall=mall_a)
    _key_b, secret_b = IntegrationKey.issue(name="sistem B", mall=mall_b)
    actors = [
        Actor("anonymous", "anonymous"),
        Actor("key A", "key", api_key=secret_a),
        Actor("key B", "key", api_key=secret_b),
        Actor("citizen", "citizen", citizens["A"], owns="A"),
        Actor("other citizen", "citizen", citizens["B"], owns="B"),
        *(staff(f"{role} A1", role, agency="A1") for role in AGENCY_ROLES),
        staff("front_office A2", Role.FRONT_OFFICE, agency="A2"),
        staff("verifier A2", Role.VERIFIER, agency="A2"),
        staff("technical_team B1", Role.TECHNICAL_TEAM, agency="B1"),
        staff("approver B1", Role.APPROVER, agency="B1"),
        staff("manager A", Role.MALL_MANAGER, mall="A"),
        staff("manager B", Role.MALL_MANAGER, mall="B"),
        staff("monitor", Role.MINISTRY_MONITOR),
        Actor(
            "superuser",
            "superuser",
            User.objects.create(username="root", is_staff=True, is_superuser=True),
        ),
    ]
    for actor in actors:
        if actor.user is not None:
            actor.client.force_login(actor.user)
    return World(places, actors, a2, media_root, private_root)


AGENCY_ROLES = (Role.FRONT_OFFICE, Role.VERIFIER, Role.TECHNICAL_TEAM, Role.APPROVER)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    root = tmp_path_factory.mktemp("page-matrix")
    storages = _storages(root / "private")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=root / "media", STORAGES=storages),
    ):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield _build(root / "media", root / "private")
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _storages(private_root: Path) -> dict:
    from django.conf import settings

    return {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(private_root)},
        },
    }


@pytest.fixture(autouse=True)
def _world_files(settings, world):
    """The world's files stay where it was built (the suite moves media per test)."""
    settings.MEDIA_ROOT = world.media_root
    settings.STORAGES = _storages(world.private_root)


# --- the database, before and after -------------------------------------------------------

UNWATCHED = {"django_session", "django_migrations"}


def _snapshot() -> dict[str, tuple]:
    """Every table's row count and a hash of its rows."""
    tables = sorted(set(connection.introspection.table_names()) - UNWATCHED)
    quote = connection.ops.quote_name
    sql = " UNION ALL ".join(  # the names are the database's own tables, quoted
        f"SELECT '{table}', count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"  # noqa: S608
        f" FROM {quote(table)} t"
        for table in tables
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return {table: (count, digest) for table, count, digest in cursor.fetchall()}


def _changed(before: dict, after: dict) -> list[str]:
    return [table for table in before if before[table] != after.get(table)]


# --- the entries ----------------------------------------------------------------------------


def _text(text: str) -> Callable[[World, str], dict]:
    return lambda w, label: {"text": text}


def _not_a_citizen_page(outcome: Outcome) -> Expect:
    """Staff pages a citizen may not open at all; any staff opens any mall's (as a list of
    what they may see there)."""
    return mall_staff(outcome, agency="any", monitor=outcome, elsewhere=outcome)


def _tracking(w: World, label: str) -> str:
    return w.places[label].application.tracking_number


def _subject(w: World, label: str) -> str:
    return w.places[label].consultation.subject


def _text_note(note: str) -> Callable[[World, str], dict]:
    return lambda w, label: {"note": note}


def _service_code() -> str:
    return f"{Report.Kind.values[0]}-{Report.Category.values[0]}"


def _walk_in(outcome: Outcome, *, elsewhere: Outcome | None = None) -> Expect:
    """Filing for a walk-in is the front office's: for its own agency's services (another's
    service is refused on the form, ``elsewhere``); every other role is refused the page."""

    def expect(actor: Actor, label: str) -> Outcome:
        if not actor.signed_in:
            return LOGIN
        if actor.role != Role.FRONT_OFFICE:
            return DENIED
        if elsewhere is None or actor.agency == f"{label}1":
            return outcome
        return elsewhere

    return expect


CASE = agency_staff(OK)
TEAM = (Role.TECHNICAL_TEAM,)


def _paper(outcome: Outcome) -> Expect:
    """Paper questionnaires: the mall's manager any service of the mall, a front office its own
    agency's (agency A2 offers none: refused); other roles and the monitor are refused; a mall
    one has no part in is missing. Another agency's service is refused on the form
    (``surveys/tests/test_results.py``)."""

    def expect(actor: Actor, label: str) -> Outcome:
        if not actor.signed_in:
            return LOGIN
        if actor.kind == "superuser":
            return outcome
        if actor.kind in ("citizen", "monitor"):
            return DENIED
        if actor.mall != label:
            return MISSING
        if actor.kind == "manager":
            return outcome
        if actor.role != Role.FRONT_OFFICE:
            return DENIED
        return outcome if actor.agency == f"{label}1" else DENIED

    return expect


IKM = mall_staff(OK, monitor=OK, citizen=DENIED, elsewhere=MISSING)


def _national(actor: Actor, label: str) -> Outcome:
    """The national view: the ministry monitor's and the superuser's; anyone else refused."""
    if not actor.signed_in:
        return LOGIN
    return OK if actor.kind in ("monitor", "superuser") else DENIED


PAGES.update(
    {
        # The probes and public files.
        "healthz": Page((get(everyone(OK)),)),
        "readyz": Page((get(everyone(OK)),)),
        # From loopback (the test client's address) metrics are shown; elsewhere a 404
        # (satupintu/metrics/tests).
        "metrics": Page((get(everyone(OK)),)),
        "media": Page(
            (
                get(
                    by_label(
                        {
                            "form": everyone(OK),
                            "missing": everyone(MISSING),
                            "outside": everyone(BAD),
                        }
                    )
                ),
            ),
            objects={
                "form": lambda w: {"path": "formulir/f.pdf"},
                "missing": lambda w: {"path": "formulir/tidak-ada.pdf"},
                "outside": lambda w: {"path": "formulir/../../private/x.pdf"},
            },
        ),
        # Signed in, the choice is kept in the account too (its messages follow it).
        "set_language": Page(
            (
                get(everyone(NOOP)),
                post(signed_in(DONE, anonymous=NOOP), lambda w, label: {"language": "en"}),
            )
        ),
        # The WhatsApp webhook: without the verify token or the signature, nothing; a form
        # is not what Meta posts.
        "notify:whatsapp-webhook": Page(
            (
                get(everyone(DENIED)),
                post(everyone(DENIED), lambda w, label: {"entry": []}, json=True),
                post(everyone(UNSUPPORTED), lambda w, label: {"entry": "[]"}),
            )
        ),
        # OSS RBA's pushes: only to an active OSS integration (none here: 404 in OSS's
        # envelope, nothing written); the Token is checked past that (cases/tests/test_oss.py).
        **{
            name: Page(
                (
                    get(everyone(NOT_ALLOWED)),
                    post(everyone(MISSING), lambda w, label: {"dataNIB": {}}, json=True),
                ),
                objects={"-": lambda w: {"integration_id": 999999}},
            )
            for name in ("oss:receive-nib", "oss:receive-file-ds")
        },
        # The permit file OSS fetches: only with its HMAC, of an OSS case's document.
        "oss:permit-file": Page(
            (get(everyone(MISSING)), post(everyone(NOT_ALLOWED))),
            objects={"-": lambda w: {"code": "ABCDEFGHJKLM", "signature": "0" * 40}},
        ),
        # Open311: public reads; a report posted only with a key of that jurisdiction.
        "open311:discovery": Page((get(everyone(OK)),), objects={"-": lambda w: {"fmt": "json"}}),
        "open311:discovery-v2": Page(
            (get(everyone(OK)),), objects={"-": lambda w: {"fmt": "json"}}
        ),
        "open311:services": Page((get(everyone(OK)),), objects={"-": lambda w: {"fmt": "json"}}),
        "open311:service": Page(
            (get(everyone(OK)),),
            objects={"-": lambda w: {"fmt": "json", "code": _service_code()}},
        ),
        "open311:requests": Page(
            (
                get(everyone(BAD)),  # which mall: jurisdiction_id is needed with two
                post(
                    lambda actor, label: CREATED if actor.name == "key A" else DENIED,
                    lambda w, label: {
                        "jurisdiction_id": "mpp-a",
                        "service_code": _service_code(),
                        "address_string": "Jl. Merdeka 1",
                        "description": "Lampu jalan di depan MPP padam sejak seminggu.",
                    },
                ),
            ),
            objects={"-": lambda w: {"fmt": "json"}},
        ),
        "open311:request": Page(
            (get(everyone(OK)),),
            objects={
                "A": lambda w: {"fmt": "json", "request_id": w.places["A"].report.tracking_id}
            },
        ),
        "open311:token": Page(
            (get(everyone(MISSING)),), objects={"-": lambda w: {"fmt": "json", "token": "x"}}
        ),
        # Public verification of issued documents.
        "verify:index": Page((get(everyone(OK)),)),
        "verify:ca": Page((get(everyone(OK)),)),
        "verify:document": Page(
            (get(everyone(OK)), post(everyone(BAD))),  # a POST without the file to compare
            objects={"A": lambda w: w.args("verify", "A")},
        ),
        # The portal's public pages.
        "portal:home": Page((get(everyone(OK)),)),
        "portal:mall": Page((get(everyone(OK)),), objects=both("mall")),
        "portal:agency": Page((get(everyone(OK)),), objects=both("agency")),
        "portal:service": Page((get(everyone(OK)),), objects=both("service")),
        # The kiosk checks in a booking of its own mall, for whoever holds the code.
        "portal:kiosk": Page(
            (
                get(everyone(OK)),
                post(
                    by_label({"A": everyone(WROTE), "B": everyone(WROTE), "mixed": everyone(BAD)}),
                    lambda w, label: {"code": _code_at(w, label)},
                ),
            ),
            objects=at_mall("kiosk"),
        ),
        "portal:board": Page((get(everyone(OK)),), objects=both("board")),
        "portal:board-calls": Page((get(everyone(OK)),), objects=both("board-calls")),
        "portal:tracking": Page((get(everyone(OK)),)),
        "portal:login": Page(
            (
                get(everyone(OK)),
                post(
                    everyone(SHOWN),
                    lambda w, label: {"username": "warga", "password": "bukan-sandinya"},
                    only=SAMPLE,  # a password hash per try: the sign-in is the same for all
                ),
            )
        ),
        "portal:logout": Page((get(everyone(OK)), post(signed_in(DONE, anonymous=DONE)))),
        "portal:register": Page(
            (
                get(signed_in(NOOP, anonymous=OK)),
                post(
                    signed_in(NOOP, anonymous=ACTED),
                    lambda w, label: {
                        "full_name": "Siti Aminah",
                        "nik": "3271014501900077",
                        "phone": "081234567890",
                        "email": "siti@example.id",
                        "password1": "kata-sandi-baru-987",
                        "password2": "kata-sandi-baru-987",
                    },
                ),
            )
        ),
        # Without a registration waiting for its code, the code page sends back to /daftar/.
        "portal:register-code": Page(
            (get(everyone(NOOP)), post(everyone(NOOP), lambda w, label: {"code": "123456"}))
        ),
        # Asking for an unknown login writes nothing and answers as for a known one.
        "portal:password-forgot": Page(
            (
                get(everyone(OK)),
                post(everyone(DONE), lambda w, label: {"login": "tak.ada@example.id"}),
            )
        ),
        # Without having asked (in this session), the code page sends back to the asking page.
        "portal:password-code": Page(
            (
                get(everyone(NOOP)),
                post(
                    everyone(NOOP),
                    lambda w, label: {
                        "code": "123456",
                        "password1": "kata-sandi-baru-987",
                        "password2": "kata-sandi-baru-987",
                    },
                ),
            )
        ),
        # A wrong claim code sets nothing, whoever types it.
        "portal:claim": Page(
            (
                get(everyone(OK)),
                post(
                    everyone(SHOWN),
                    lambda w, label: {
                        "nik": "3271014501900077",
                        "code": "123456",
                        "password1": "kata-sandi-baru-987",
                        "password2": "kata-sandi-baru-987",
                    },
                ),
            )
        ),
        # A made-up link opens nothing.
        "portal:password-link": Page(
            (
                get(everyone(MISSING)),
                post(
                    everyone(MISSING),
                    lambda w, label: {
                        "password1": "kata-sandi-baru-987",
                        "password2": "kata-sandi-baru-987",
                    },
                ),
            ),
            objects={"forged": lambda w: {"secret": "tebakan-saja"}},
        ),
        "portal:report-new": Page(
            (
                get(everyone(OK)),
                post(
                    everyone(ACTED),
                    lambda w, label: {
                        "mall": w.places["A"].mall.pk,
                        "kind": Report.Kind.values[0],
                        "category": Report.Category.values[0],
                        "title": "Antrian",
                        "text": "Antrian terlalu lama di loket pendaftaran.",
                        "name": "Budi",
                        "email": "budi@example.id",
                    },
                ),
            )
        ),
        "portal:report-lookup": Page((get(everyone(OK)),)),
        # A report is followed with its secret link, whoever holds it; a wrong secret is nothing.
        "portal:report": Page(
            (get(by_label({"A": everyone(OK), "forged": everyone(MISSING)})),),
            objects={
                "A": lambda w: w.args("portal-report", "A"),
                "forged": lambda w: {**w.args("portal-report", "B"), "secret": "tebakan"},
            },
        ),
        "portal:report-respond": Page(
            (
                get(everyone(NOT_ALLOWED)),
                post(
                    by_label({"A": everyone(ACTED), "forged": everyone(MISSING)}),
                    _text("Terima kasih, sudah saya terima."),
                ),
            ),
            objects={
                "A": lambda w: w.args("portal-report", "A"),
                "forged": lambda w: {**w.args("portal-report", "B"), "secret": "tebakan"},
            },
        ),
        "portal:report-receipt": Page(
            (get(by_label({"A": everyone(OK), "forged": everyone(MISSING)})),),
            objects={
                "A": lambda w: w.args("report-receipt", "A"),
                "forged": lambda w: {**w.args("report-receipt", "B"), "secret": "tebakan"},
            },
        ),
        # The reporter's evidence, to the holder of the secret; never another report's file.
        "portal:report-file": Page(
            (
                get(
                    by_label(
                        {"A": everyone(OK), "forged": everyone(MISSING), "mixed": everyone(MISSING)}
                    )
                ),
            ),
            objects={
                "A": lambda w: w.args("portal-report-file", "A"),
                "forged": lambda w: {**w.args("portal-report-file", "B"), "secret": "tebakan"},
                "mixed": lambda w: {
                    **w.args("portal-report-file", "A"),
                    "pk": w.args("portal-report-file", "B")["pk"],
                },
            },
        ),
        # Starting something of one's own (anyone signed in).
        "portal:book": Page(
            (
                get(
                    by_label(
                        {
                            "A": signed_in(OK),
                            "B": signed_in(OK),
                            "move": lambda actor, label: owner(OK)(actor, "A"),
                        }
                    )
                ),
                post(
                    by_label(
                        {
                            "A": signed_in(CONFLICT),
                            "B": signed_in(CONFLICT),
                            "move": lambda actor, label: owner(CONFLICT)(actor, "A"),
                        }
                    ),
                    lambda w, label: {
                        "slot": w.places["B" if label == "B" else "A"].booking.slot_id,
                        "priority": "",
                    },
                ),
            ),
            # Moving a booking (?ubah=CODE) is its holder's: anyone else's code is not found.
            objects={
                **both("book"),
                "move": lambda w: {**w.args("book", "A"), "?": f"ubah={w.places['A'].later.code}"},
            },
        ),
        # Whoever has a draft of the service is sent back to it.
        "portal:apply": Page(
            (get(_unless_draft(signed_in(OK))), post(_unless_draft(signed_in(ACTED)))),
            objects=both("apply"),
        ),
        "portal:consult": Page(
            (
                get(signed_in(OK)),
                post(
                    signed_in(ACTED),
                    lambda w, label: {"subject": "Syarat", "text": "Apa saja syaratnya?"},
                ),
            ),
            objects=both("consult"),
        ),
        # One's own account.
        "portal:applications": Page(
            (get(signed_in(OK), listing=Listing(_tracking, sees_as_owner)),)
        ),
        "portal:consultations": Page(
            (get(signed_in(OK), listing=Listing(_subject, sees_as_owner)),)
        ),
        "portal:my-reports": Page(
            (
                get(
                    signed_in(OK),
                    listing=Listing(lambda w, lb: w.places[lb].report.tracking_id, sees_as_owner),
                ),
            )
        ),
        "portal:inbox": Page((get(signed_in(OK)),)),
        "portal:bookings": Page(
            (
                get(
                    signed_in(OK),
                    listing=Listing(lambda w, lb: w.places[lb].booking.code, sees_as_owner),
                ),
            )
        ),
        # The preferences are part of the profile now; the old address sends there.
        "portal:preferences": Page(
            (get(everyone(NOOP)), post(everyone(NOOP), lambda w, label: {"language": "id"}))
        ),
        "portal:profile": Page(
            (
                get(signed_in(OK)),
                post(
                    signed_in(ACTED),
                    lambda w, label: {
                        "full_name": "Nama Baru",
                        "channels": ["email"],
                        "first": "email",
                        "language": "id",
                        "email": "saya@example.id",
                    },
                ),
            )
        ),
        # A wrong current password changes nothing, whoever asks.
        "portal:password-change": Page(
            (
                get(signed_in(OK)),
                post(
                    signed_in(SHOWN),
                    lambda w, label: {
                        "old_password": "bukan-sandinya",
                        "new_password1": "kata-sandi-baru-987",
                        "new_password2": "kata-sandi-baru-987",
                    },
                    only=SAMPLE,
                ),
            )
        ),
        "portal:my-data": Page((get(signed_in(OK)),)),
        "portal:my-data-json": Page((get(signed_in(OK)),)),
        "portal:my-data-pdf": Page((get(signed_in(OK), only=SAMPLE),)),
        # A wrong password closes nothing, whoever asks.
        "portal:account-close": Page(
            (
                get(signed_in(NOT_ALLOWED)),
                post(
                    signed_in(BAD),
                    lambda w, label: {"password": "bukan-sandinya"},
                    only=SAMPLE,
                ),
            )
        ),
        "portal:api-tokens": Page(
            (
                get(signed_in(OK)),
                post(
                    by_label({"A": owner(ACTED, others=NOOP)}),
                    lambda w, label: {"token": w.places[label].token_id},
                ),
            ),
            objects={"A": lambda w: {}},
        ),
        "portal:two-factor": Page((get(signed_in(NOOP)),)),
        "portal:two-factor-enrol": Page(
            (get(signed_in(OK)), post(signed_in(OK), lambda w, label: {"action": "recovery"}))
        ),
        # A citizen's own objects: the owner only; anyone else finds nothing.
        "portal:application": Page(
            (get(owner(OK)), post(owner(SHOWN))), objects=both("application")
        ),
        "portal:application-cancel": Page(
            post_only(owner(ACTED), _text_note("Tidak jadi.")), objects=both("application-cancel")
        ),
        "portal:application-file": Page(
            (get(or_missing(owner(OK))),), objects=mixed("application-file", "document_pk")
        ),
        # Submitted already: the owner reaches it, the service keeps the file.
        "portal:application-file-remove": Page(
            post_only(or_missing(owner(NOOP))),
            objects=mixed("application-file-remove", "document_pk"),
        ),
        "portal:application-survey-confirm": Page(
            post_only(or_missing(owner(ACTED))),
            objects=mixed("application-survey-confirm", "survey_pk"),
        ),
        "portal:application-receipt": Page((get(owner(OK)),), objects=both("application-receipt")),
        "portal:application-product": Page((get(owner(OK)),), objects=both("application-product")),
        "portal:consultation": Page(
            (get(owner(OK)), post(owner(ACTED), _text("Terima kasih."))),
            objects=both("consultation"),
        ),
        "portal:my-report": Page((get(owner(OK)),), objects=both("my-report")),
        "portal:my-report-respond": Page(
            post_only(owner(ACTED), _text("Terima kasih, sudah saya terima.")),
            objects=both("my-report"),
        ),
        "portal:my-report-file": Page(
            (get(or_missing(owner(OK))),), objects=mixed("my-report-file", "pk")
        ),
        "portal:booking": Page((get(owner(OK)),), objects=both("booking")),
        "portal:booking-ics": Page((get(owner(OK)),), objects=both("booking-ics")),
        # Cancelling asks first (a page), then its form cancels.
        "portal:booking-cancel": Page(
            (get(owner(OK)), post(owner(ACTED))), objects=both("booking-cancel")
        ),
        # The calendar file by the signed link a WhatsApp message carries: whoever holds it.
        "portal:booking-ics-signed": Page(
            (get(by_label({"A": everyone(OK), "forged": everyone(MISSING)})),),
            objects={
                "A": lambda w: {"token": calendar_link(w.places["A"].booking).split("/")[-2]},
                "forged": lambda w: {"token": "tebakan"},
            },
        ),
        # No new time was proposed: the holder reaches it, the service refuses.
        "portal:booking-accept": Page(post_only(owner(NOOP)), objects=both("booking-accept")),
        # The IKM questionnaire by an invitation's link, whoever holds it; a forged one is
        # nothing. Answering stores a response (the page then thanks).
        "surveys:form": Page(
            (
                get(by_label({"A": everyone(OK), "forged": everyone(MISSING)})),
                post(
                    by_label({"A": everyone(ACTED), "forged": everyone(MISSING)}),
                    lambda w, label: answers(),
                ),
            ),
            objects={
                "A": lambda w: w.args("survey", "A"),
                "forged": lambda w: {"token": "tebakan-saja"},
            },
        ),
        "surveys:thanks": Page((get(everyone(OK)),)),
        # --- staff pages ---
        # Where signing in leads: a redirect to the person's work, or a citizen's inbox.
        "backoffice:start": Page((get(signed_in(DONE)),)),
        "backoffice:cases": Page(
            (
                get(
                    mall_staff(OK, agency="any", citizen=DENIED, elsewhere=DENIED),
                    listing=Listing(_tracking, sees_as_staff),
                ),
            )
        ),
        "backoffice:case-new": Page(
            (
                get(_walk_in(OK)),
                post(
                    _walk_in(ACTED, elsewhere=SHOWN),
                    lambda w, label: {
                        "service": w.places[label].service.pk,
                        "nik": "3271014501900088",
                        "name": "Tamu Loket",
                        "phone": "081234567891",
                    },
                ),
            ),
            objects={"A": lambda w: {}, "B": lambda w: {}},
        ),
        # The case page: its agency's staff (and the superuser); to anyone else it is missing.
        # A draft never submitted is nobody's at the agency, the superuser's neither.
        "backoffice:case": Page(
            (
                get(by_label({"A": CASE, "B": CASE, "draft": signed_in(MISSING)})),
                post(by_label({"A": CASE, "B": CASE, "draft": signed_in(MISSING)})),
            ),
            objects={**both("case"), "draft": lambda w: {"pk": w.places["A"].draft.pk}},
        ),
        "backoffice:case-file": Page(
            (get(or_missing(CASE)),), objects=mixed("case-file", "document_pk")
        ),
        "backoffice:case-product": Page((get(CASE),), objects=both("case-product")),
        # An OSS-born case: its agency's staff ask OSS (no OSS integration here: a message)
        # and read the permit OSS signed; nobody else finds it.
        "backoffice:case-oss": Page(post_only(agency_staff(DONE)), objects=both("case-oss")),
        "backoffice:case-oss-file": Page((get(CASE),), objects=both("case-oss-file")),
        # Acting at the field survey step is the technical team's; the agency's other roles are
        # refused by the service (a message), everyone else finds no case.
        "backoffice:case-act": Page(
            post_only(
                agency_staff(ACTED, roles=TEAM),
                lambda w, label: {
                    "action": "return",
                    "note": "Lengkapi denah lokasi.",
                    "version": w.places[label].application.version,
                },
            ),
            objects=both("case-act"),
        ),
        "backoffice:case-survey": Page(
            post_only(
                agency_staff(ACTED, roles=TEAM),
                lambda w, label: {
                    "mode": Survey.Mode.ON_SITE,
                    "scheduled_at": (timezone.now() + timedelta(days=3)).isoformat(),
                    "place": "Lokasi reklame",
                },
            ),
            objects=both("case-survey"),
        ),
        "backoffice:case-survey-result": Page(
            post_only(
                or_missing(agency_staff(ACTED, roles=TEAM)),
                lambda w, label: {
                    "findings": "Sesuai permohonan.",
                    "recommendation": Survey.Recommendation.values[0],
                },
            ),
            objects=mixed("case-survey-result", "survey_pk"),
        ),
        "backoffice:case-note": Page(
            post_only(agency_staff(ACTED), _text("Berkas diperiksa.")), objects=both("case-note")
        ),
        "backoffice:case-assign": Page(
            post_only(agency_staff(ACTED), lambda w, label: {"to": "me"}),
            objects=both("case-assign"),
        ),
        # The claim slip is the front office's of the case's agency; the place's applicant has a
        # password already, so none is issued (a message says why).
        "backoffice:case-claim-slip": Page(
            (
                get(agency_staff(OK, roles=DESK, other_role=DENIED)),
                post(agency_staff(NOOP, roles=DESK, other_role=DENIED)),
            ),
            objects=both("case-claim-slip"),
        ),
        "backoffice:case-revoke": Page(
            post_only(
                agency_staff(ACTED, roles=(Role.APPROVER,)),
                lambda w, label: {"reason": "Diterbitkan keliru."},
            ),
            objects=both("case-revoke"),
        ),
        # The day's pages: the front desk is the whole mall's front offices', a counter its
        # agency's front office's (and the mall manager's); other roles work cases, not visitors.
        "backoffice:front-desk": Page(
            (
                get(lambda actor, label: mall_staff(OK, roles=DESK)(actor, _at_a(label))),
                post(
                    by_label(
                        {
                            "A": mall_staff(WROTE, roles=DESK),
                            "B": mall_staff(WROTE, roles=DESK),
                            "mixed": lambda actor, label: mall_staff(SHOWN, roles=DESK)(actor, "A"),
                        }
                    ),
                    lambda w, label: {"code": _code_at(w, label)},
                ),
            ),
            objects=at_mall("front-desk"),
        ),
        # A counter is its agency's (and the mall manager's); it sends its visitor on to an
        # agency of its own mall only ("mixed": counter A's visitor to agency B1).
        "backoffice:counter": Page(
            (
                get(
                    lambda actor, label: mall_staff(OK, agency="own", roles=DESK)(
                        actor, _at_a(label)
                    )
                ),
                post(
                    lambda actor, label: mall_staff(ACTED, agency="own", roles=DESK)(
                        actor, _at_a(label)
                    ),
                    lambda w, label: {"action": "recall"},
                ),
                post(
                    by_label(
                        {
                            "A": mall_staff(ACTED, agency="own", roles=DESK),
                            "B": mall_staff(ACTED, agency="own", roles=DESK),
                            "mixed": lambda actor, label: mall_staff(
                                MISSING, agency="own", roles=DESK
                            )(actor, "A"),
                        }
                    ),
                    lambda w, label: {
                        "action": "transfer",
                        "agency": {"A": w.a2, "B": w.places["B"].agency}.get(
                            label, w.places["B"].agency
                        ).pk,
                    },
                ),
            ),
            objects={**both("counter"), "mixed": lambda w: w.args("counter", "A")},
        ),
        # Complaints and consultations: lists for any staff (filtered to what they may see).
        "backoffice:reports": Page(
            (
                get(
                    _not_a_citizen_page(OK),
                    listing=Listing(lambda w, lb: w.places[lb].report.tracking_id, sees_as_staff),
                ),
            ),
            objects=both("reports"),
        ),
        "backoffice:consultations": Page(
            (get(_not_a_citizen_page(OK), listing=Listing(_subject, sees_as_staff)),),
            objects=both("consultations"),
        ),
        "backoffice:report": Page(
            (
                get(
                    by_label(
                        {
                            "A": agency_staff(OK, manager=OK, monitor=OK),
                            "B": agency_staff(OK, manager=OK, monitor=OK),
                            "A-new": _coordinators(OK),
                            "B-new": _coordinators(OK),
                        }
                    )
                ),
            ),
            objects=REPORTS,
        ),
        "backoffice:report-attachment": Page(
            (get(or_missing(agency_staff(OK, manager=OK, monitor=OK))),),
            objects=mixed("report-attachment", "pk"),
        ),
        # Answering a routed report is its agency's; the coordinator answers for it only
        # explicitly (another action); the monitor never.
        # Routing is the coordinator's, to an agency of the report's mall only.
        "backoffice:report-act": Page(
            (
                get(signed_in(NOT_ALLOWED)),
                post(
                    by_label(
                        {
                            "A": agency_staff(ACTED, manager=DENIED, monitor=DENIED),
                            "B": agency_staff(ACTED, manager=DENIED, monitor=DENIED),
                            "A-new": _coordinators(DENIED, superuser=NOOP),
                            "B-new": _coordinators(DENIED, superuser=NOOP),
                            "A-new to B1": _coordinators(DENIED, superuser=NOOP),
                        }
                    ),
                    lambda w, label: {"action": "answer", "text": "Sudah kami tindak lanjuti."},
                ),
                post(
                    by_label(
                        {
                            # Routed already: the coordinator is told so, the agency refused.
                            "A": _or_superuser(
                                NOOP, agency_staff(DENIED, manager=NOOP, monitor=DENIED)
                            ),
                            "B": _or_superuser(
                                NOOP, agency_staff(DENIED, manager=NOOP, monitor=DENIED)
                            ),
                            "A-new": _coordinators(ACTED, monitor=DENIED),
                            "B-new": _coordinators(ACTED, monitor=DENIED),
                            "A-new to B1": _coordinators(NOOP, monitor=DENIED),
                        }
                    ),
                    lambda w, label: {
                        "action": "route",
                        "agency": w.places["B" if label.endswith("B1") else label[0]].agency.pk,
                        "deadline_class": "5",
                    },
                ),
            ),
            objects={**REPORTS, "A-new to B1": lambda w: w.args("new-report", "A")},
        ),
        # IKM results: the mall's manager, the monitor and the superuser the whole mall, any
        # agency's staff their agency's; another mall is missing, a citizen refused.
        "backoffice:ikm": Page((get(IKM),), objects=both("ikm")),
        "backoffice:ikm-pdf": Page((get(IKM, only=SAMPLE),), objects=both("ikm-pdf")),
        "backoffice:ikm-xlsx": Page((get(IKM, only=SAMPLE),), objects=both("ikm-xlsx")),
        # Statistics: the same scope as the IKM results (the whole mall to its manager, the
        # monitor and the superuser; their agency's to agency staff); the national view only
        # to the monitor and the superuser. GET only: nothing to change here.
        "backoffice:stats": Page((get(IKM),), objects=both("stats")),
        "backoffice:stats-csv": Page((get(IKM, only=SAMPLE),), objects=both("stats-csv")),
        "backoffice:stats-xlsx": Page((get(IKM, only=SAMPLE),), objects=both("stats-xlsx")),
        "backoffice:stats-pdf": Page((get(IKM, only=SAMPLE),), objects=both("stats-pdf")),
        "backoffice:national": Page((get(_national),)),
        "backoffice:national-csv": Page((get(_national, only=SAMPLE),)),
        "backoffice:national-xlsx": Page((get(_national, only=SAMPLE),)),
        "backoffice:ikm-paper": Page(
            (
                get(_paper(OK)),
                post(
                    _paper(ACTED),
                    lambda w, label: {
                        "service": w.places[label].service.pk,
                        "filled_on": timezone.localdate().isoformat(),
                        **answers(),
                    },
                ),
            ),
            objects=both("ikm-paper"),
        ),
        "backoffice:consultation": Page(
            (
                get(agency_staff(OK, manager=OK, monitor=OK)),
                post(
                    agency_staff(ACTED, manager=ACTED, monitor=DENIED),
                    lambda w, label: {"action": "answer", "text": "Syaratnya KTP dan KK."},
                ),
            ),
            objects=both("consultation"),
        ),
    }
)


# --- the tests ------------------------------------------------------------------------------


def _url_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns, namespace: str = "") -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = pattern.namespace or ""
                walk(
                    pattern.url_patterns, f"{namespace}:{inner}".strip(":") if inner else namespace
                )
            elif isinstance(pattern, URLPattern):
                # An unnamed URL cannot have an entry: it fails as "<unnamed ...>".
                name = pattern.name or f"<unnamed {pattern.pattern}>"
                names.add(f"{namespace}:{name}" if namespace else name)

    walk(get_resolver().url_patterns)
    return {name for name in names if name.split(":")[0] not in ("admin", "api")}


def test_every_page_has_an_entry():
    assert _url_names() == set(PAGES)


def _request(actor: Actor, attempt: Try, url: str, body: dict, watch: bool):
    cache.clear()  # throttles and lock-outs count per request here
    cookies = copy.deepcopy(actor.client.cookies)  # signing out must not last past the request
    with transaction.atomic():
        before = _snapshot() if watch else None
        if attempt.method == "POST":
            data = {**body, "api_key": actor.api_key} if actor.api_key else body
            if attempt.json:
                response = actor.client.post(url, data, content_type="application/json")
            else:
                response = actor.client.post(url, data)
        else:
            response = actor.client.get(url)
        after = _snapshot() if watch else None
        transaction.set_rollback(True)
    actor.client.cookies = cookies
    return response, ([] if before is None else _changed(before, after))


def _listing_errors(world: World, attempt: Try, actor: Actor, label: str, response) -> list[str]:
    """What a list shows that the actor may not see, or hides that they may."""
    errors = []
    text = response.content.decode()
    for place in world.places if label not in world.places else (label,):
        marker = attempt.listing.marker(world, place)
        if (marker in text) != attempt.listing.sees(actor, place):
            errors.append(f"{'shows' if marker in text else 'hides'} {place}'s {marker}")
    for place in set(world.places) - {label} if label in world.places else ():
        marker = attempt.listing.marker(world, place)
        if marker in text:
            errors.append(f"shows {place}'s {marker} on {label}'s list")
    return errors


@pytest.mark.parametrize("name", sorted(PAGES))
def test_page_matrix(world, name):
    page = PAGES[name]
    login = reverse("portal:login")
    failures: list[str] = []
    for label, build in page.objects.items():
        kwargs = build(world)
        query = kwargs.pop("?", "")
        url = reverse(name, kwargs=kwargs) + (f"?{query}" if query else "")
        for attempt in page.tries:
            body = attempt.body(world, label) if attempt.body else {}
            for actor in world.actors:
                if attempt.only and actor.name not in attempt.only:
                    continue
                expected = attempt.expect(actor, label)
                watch = expected.refused or expected.writes
                response, changed = _request(actor, attempt, url, body, watch)
                where = f"{actor.name} {attempt.method} {label}"
                to_login = response.status_code == 302 and response["Location"].startswith(login)
                if response.status_code != expected.status or to_login != expected.to_login:
                    got = f"{response.status_code}{' (login)' if to_login else ''}"
                    failures.append(f"{where}: {got} != {expected}")
                elif expected.refused and changed:
                    failures.append(f"{where}: refused but changed {', '.join(changed)}")
                elif expected.writes and not changed:
                    failures.append(f"{where}: allowed but wrote nothing")
                elif attempt.listing and response.status_code == 200:
                    failures.extend(
                        f"{where}: {error}"
                        for error in _listing_errors(world, attempt, actor, label, response)
                    )
    assert not failures, name + "\n" + "\n".join(failures)
