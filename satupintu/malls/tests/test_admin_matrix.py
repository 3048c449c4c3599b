"""The admin's authorisation matrix, generated from the admin registry.

Every registered model admin × changelist, add (GET and POST), change (GET and POST) and delete
(POST) × every kind of user (anonymous, citizen, each agency role of the right agency, of another
agency of the same mall and of another mall (there, the approver: every other agency role may
only less), the mall's manager and another mall's, the ministry
monitor, a superuser) × a row of mall A / agency A1 and one of mall B: the status each must get,
and a database left as it was whenever the request is refused. A model admin registered without
an entry in ``POLICIES`` fails.
"""

from dataclasses import dataclass, field
from datetime import date, time, timedelta

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import transaction
from django.forms import SplitDateTimeWidget
from django.forms.models import model_to_dict
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from satupintu.accounts.models import PersonalDataAccess, User
from satupintu.api.models import Webhook, WebhookDelivery
from satupintu.booking.models import (
    AgencyHours,
    Booking,
    Closure,
    DayOff,
    ServiceVisit,
    Slot,
    VisitPolicy,
)
from satupintu.cases.models import (
    AccessLog,
    Application,
    DocumentReservation,
    IssuedDocument,
    OssLicenseMap,
    OssLink,
    OssStatusMap,
    ProductTemplate,
    Step,
    WorkflowChange,
    WorkflowPolicy,
    WorkflowStep,
)
from satupintu.catalog.models import Service
from satupintu.catalog.tests.factories import RequirementFactory, ServiceFactory
from satupintu.integrations.models import Integration, IntegrationEvent, OutboundCall
from satupintu.malls.admin import ScopedAdmin
from satupintu.malls.models import (
    Agency,
    Announcement,
    Mall,
    StaffMembership,
)
from satupintu.malls.tests.factories import AgencyFactory, AnnouncementFactory, MallFactory
from satupintu.notify.models import Message, MessageTemplate
from satupintu.surveys.elements import ELEMENTS
from satupintu.surveys.models import Response

pytestmark = pytest.mark.django_db
Role = StaffMembership.Role
AGENCY_ROLES = (Role.FRONT_OFFICE, Role.VERIFIER, Role.TECHNICAL_TEAM, Role.APPROVER)
M = frozenset({Role.MALL_MANAGER})
MA = frozenset({Role.MALL_MANAGER, Role.APPROVER})
NONE: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Policy:
    """Who may do what with a model in the admin (``agency_rows``: agency staff see and, in
    their roles, write their agency's rows; else the rows are the whole mall's)."""

    add: frozenset[str] = M
    change: frozenset[str] = M
    delete: frozenset[str] = M
    agency_rows: bool = True
    superuser_only: bool = False  # Django's own permissions, which no role holds
    superuser_add: bool = True
    superuser_change: bool = True
    superuser_delete: bool = True
    objects: bool = True
    # Deleting a row that cascades to rows only the superuser administers (an agency's staff
    # memberships) is refused by Django's delete view even to a role that may delete the row.
    cascade_refused: bool = False
    # Who sees the rows at all: the monitor (every mall's) and agency staff (their scope's).
    monitor_reads: bool = True
    agency_reads: bool = True


SUPERUSER = Policy(superuser_only=True)
LOOK_ONLY = Policy(add=NONE, change=NONE, delete=NONE, superuser_add=False, superuser_delete=False)
RECORD = Policy(
    add=NONE,
    change=NONE,
    delete=NONE,
    superuser_add=False,
    superuser_change=False,
    superuser_delete=False,
)

POLICIES: dict[type, Policy] = {
    Group: SUPERUSER,
    TOTPDevice: SUPERUSER,
    StaticDevice: SUPERUSER,
    User: SUPERUSER,
    StaffMembership: SUPERUSER,
    Webhook: SUPERUSER,
    WebhookDelivery: Policy(
        superuser_only=True, superuser_add=False, superuser_change=False, superuser_delete=False
    ),
    # Outside systems hold the deployment's credentials: the administrators' alone. Calls
    # are replayed (change), never written or deleted by hand; the log is read-only.
    Integration: SUPERUSER,
    OutboundCall: Policy(superuser_only=True, superuser_add=False, superuser_delete=False),
    IntegrationEvent: Policy(
        superuser_only=True, superuser_add=False, superuser_change=False, superuser_delete=False
    ),
    Mall: Policy(add=NONE, delete=NONE, agency_rows=False),
    Agency: Policy(cascade_refused=True),
    Announcement: Policy(add=MA, change=MA, delete=MA),
    Service: Policy(add=MA, change=MA, delete=MA),
    MessageTemplate: Policy(agency_rows=False),
    Message: Policy(
        add=NONE,
        change=NONE,
        delete=NONE,
        agency_rows=False,
        superuser_add=False,
        superuser_delete=False,
        monitor_reads=False,  # what citizens are told is not the monitor's to read
    ),
    VisitPolicy: Policy(agency_rows=False),
    ServiceVisit: Policy(add=MA, change=MA, delete=MA),
    AgencyHours: Policy(add=MA, change=MA, delete=MA),
    DayOff: Policy(agency_rows=False),
    Booking: Policy(
        add=NONE, change=NONE, delete=NONE, superuser_add=False, superuser_delete=False
    ),
    Closure: Policy(delete=NONE, agency_rows=False),
    WorkflowStep: Policy(),
    WorkflowPolicy: Policy(delete=NONE, superuser_delete=False),
    WorkflowChange: RECORD,
    PersonalDataAccess: Policy(
        add=NONE,
        change=NONE,
        delete=NONE,
        agency_rows=False,
        superuser_add=False,
        superuser_change=False,
        superuser_delete=False,
        monitor_reads=False,
        agency_reads=False,
    ),
    ProductTemplate: Policy(add=MA, change=MA, delete=MA),
    IssuedDocument: LOOK_ONLY,
    # A number reserved for a BSrE signing: seen (a stuck one), never written by hand.
    DocumentReservation: RECORD,
    AccessLog: LOOK_ONLY,
    OssLicenseMap: Policy(),
    OssStatusMap: Policy(),
    OssLink: LOOK_ONLY,
    # Single IKM answers: the mall's manager and the monitor read them, agency staff do not.
    Response: Policy(
        add=NONE,
        change=NONE,
        delete=NONE,
        agency_rows=False,
        superuser_add=False,
        superuser_change=False,
        superuser_delete=False,
    ),
}


@dataclass
class Actor:
    name: str
    user: User | None
    role: str = ""
    mall: Mall | None = None
    agency: Agency | None = None
    client: Client = field(default_factory=Client)


@dataclass
class Place:
    """Where a row lives: its mall and (for an agency's row) its agency."""

    mall: Mall
    agency: Agency
    service: Service
    citizen: User


def _place(mall: Mall, agency: Agency, n: int) -> Place:
    citizen = User.objects.create(username=f"warga{n}", nik=f"32010101010100{n:02d}")
    return Place(mall, agency, ServiceFactory(agency=agency), citizen)


def _application(p: Place, n: int) -> Application:
    return Application.objects.create(
        tracking_number=f"9900000{n}", service=p.service, applicant=p.citizen
    )


def _build(model: type, p: Place, n: int):  # noqa: PLR0911 - one row per model
    """A row of ``model`` at ``p``: of its agency when the model has agency rows."""
    now = timezone.now()
    if model is Mall:
        return p.mall
    if model is Agency:
        return p.agency
    if model is Group:
        return Group.objects.create(name=f"grup{n}")
    if model is User:
        return p.citizen
    if model is StaffMembership:
        user = User.objects.create(username=f"anggota{n}", is_staff=True)
        return StaffMembership.objects.create(user=user, role=Role.VERIFIER, agency=p.agency)
    if model is Webhook:
        return Webhook.objects.create(name=f"hook{n}", url="https://example.go.id/h", mall=p.mall)
    if model is WebhookDelivery:
        hook = Webhook.objects.create(name=f"h{n}", url="https://example.go.id/h", mall=p.mall)
        return WebhookDelivery.objects.create(webhook=hook, event="x", payload={})
    if model in (Integration, OutboundCall, IntegrationEvent):
        integration = Integration.objects.create(
            kind=Integration.Kind.OSS, provider="oss-rba", name=f"OSS {n}", mall=p.mall
        )
        if model is OutboundCall:
            return OutboundCall.objects.create(
                integration=integration, operation="oss.receiveLicenseStatus", payload={}
            )
        if model is IntegrationEvent:
            return IntegrationEvent.objects.create(
                integration=integration, kind="oss", direction="out", operation="x", ok=True
            )
        return integration
    if model is Announcement:
        return AnnouncementFactory(mall=p.mall, agency=p.agency, title=f"Pengumuman {n}")
    if model is Service:
        RequirementFactory(service=p.service)
        return p.service
    if model is MessageTemplate:
        return MessageTemplate.objects.create(
            mall=p.mall, event="application_received", channel="email", language="id", body="x"
        )
    if model is Message:
        return Message.objects.create(
            mall=p.mall,
            event="application_received",
            channel="email",
            language="id",
            to=f"a{n}@example.id",
            body="x",
            next_attempt_at=now,
            give_up_at=now + timedelta(days=1),
            status=Message.Status.FAILED,
        )
    if model is VisitPolicy:
        return VisitPolicy.objects.get_or_create(mall=p.mall)[0]
    if model is ServiceVisit:
        return ServiceVisit.objects.get_or_create(service=p.service)[0]
    if model is AgencyHours:
        return AgencyHours.objects.create(
            agency=p.agency, weekday=6, opens=time(8), closes=time(12)
        )
    if model is DayOff:
        return DayOff.objects.create(mall=p.mall, date=date(2031, 1, n), reason="Cuti bersama")
    if model is Response:
        scores = {element.field: 3 for element in ELEMENTS}
        return Response.objects.create(
            mall=p.mall, agency=p.agency, service=p.service, date=now.date(), channel="paper",
            **scores,
        )  # fmt: skip
    if model is Booking:
        start = now + timedelta(days=3)
        slot = Slot.objects.create(
            service=p.service,
            start=start,
            end=start + timedelta(minutes=30),
            capacity=5,
            priority_capacity=1,
            walk_in_places=1,
        )
        return Booking.objects.create(
            code=f"BK{n:06d}", citizen=p.citizen, slot=slot, service=p.service, date=start.date()
        )
    if model is Closure:
        closure = Closure.objects.create(
            mall=p.mall,
            kind=Closure.Kind.CLOSED,
            decree_number=f"SK-{n}",
            reason="Renovasi",
            starts_on=date(2031, 2, 1),
            ends_on=date(2031, 2, 2),
        )
        closure.agencies.set([p.agency])
        return closure
    if model is WorkflowStep:
        return WorkflowStep.objects.create(
            service=p.service, order=90 + n, step=Step.DECISION, role=Role.APPROVER
        )
    if model is ProductTemplate:
        return ProductTemplate.objects.create(service=p.service, title="Izin", body="x")
    if model is IssuedDocument:
        return IssuedDocument.objects.create(
            application=_application(p, n),
            number=f"N-{n}",
            code=f"C{n}",
            title="Izin",
            holder_name="Budi",
            file="x.pdf",
            sha256="0" * 64,
            valid_from=date(2026, 1, 1),
        )
    if model is DocumentReservation:
        return DocumentReservation.objects.create(
            application=_application(p, n), agency=p.agency, number=f"R-{n}", code=f"RC{n}"
        )
    if model is TOTPDevice:
        return TOTPDevice.objects.create(user=p.citizen, name=f"telepon {n}")
    if model is StaticDevice:
        return StaticDevice.objects.create(user=p.citizen, name=f"cadangan {n}")
    if model is WorkflowPolicy:
        return WorkflowPolicy.objects.create(service=p.service)
    if model is WorkflowChange:
        return WorkflowChange.objects.create(
            service=p.service, action=WorkflowChange.Action.ADDED, after={"order": n}
        )
    if model is PersonalDataAccess:
        return PersonalDataAccess.objects.create(
            user=p.citizen, kind=PersonalDataAccess.Kind.MESSAGE, mall=p.mall
        )
    if model is AccessLog:
        return AccessLog.objects.create(application=_application(p, n), user=p.citizen, what="view")
    if model is OssLicenseMap:
        return OssLicenseMap.objects.create(service=p.service, kd_izin=f"03300000000{n}")
    if model is OssStatusMap:
        return OssStatusMap.objects.create(service=p.service, key="approved", kd_status="50")
    if model is OssLink:
        return OssLink.objects.create(
            application=_application(p, n), nib="1234567890123", id_izin=f"I-{n}", kd_izin="x"
        )
    raise AssertionError(f"no row builder for {model.__name__}")


def _actors(a: Place, a2: Agency, b: Place) -> list[Actor]:
    def staff(name: str, role: str, *, mall=None, agency=None) -> Actor:
        user = User.objects.create(username=name, is_staff=True)
        StaffMembership.objects.create(user=user, role=role, mall=mall, agency=agency)
        return Actor(name, user, role, mall, agency)

    actors = [
        Actor("anonymous", None),
        Actor("citizen", User.objects.create(username="citizen")),
        Actor("superuser", User.objects.create(username="root", is_staff=True, is_superuser=True)),
        staff("monitor", Role.MINISTRY_MONITOR),
        staff("manager A", Role.MALL_MANAGER, mall=a.mall),
        staff("manager B", Role.MALL_MANAGER, mall=b.mall),
    ]
    for role in AGENCY_ROLES:
        actors.append(staff(f"{role} A1", role, agency=a.agency))
    # Elsewhere, the strongest agency role stands for all: each other role may only less.
    actors.append(staff("approver A2", Role.APPROVER, agency=a2))
    actors.append(staff("approver B1", Role.APPROVER, agency=b.agency))
    for actor in actors:
        if actor.user is not None:
            actor.client.force_login(actor.user)
    return actors


def _visible(policy: Policy, actor: Actor, place: Place) -> bool:
    if actor.name == "superuser":
        return True
    if actor.name == "monitor":
        return policy.monitor_reads
    if actor.role == Role.MALL_MANAGER:
        return actor.mall == place.mall
    return policy.agency_reads and policy.agency_rows and actor.agency == place.agency


def _may(policy: Policy, roles: frozenset[str], actor: Actor, place: Place | None) -> bool:
    if actor.name == "superuser":
        return True
    if actor.role not in roles:
        return False
    if actor.role == Role.MALL_MANAGER:
        return place is None or actor.mall == place.mall
    return policy.agency_rows and (place is None or actor.agency == place.agency)


_FORMS: dict = {}


def _form_data(model_admin, actor: Actor, obj, *, for_add: bool = False) -> dict:
    key = (type(obj), obj.pk, actor.name, for_add)
    if key not in _FORMS:
        _FORMS[key] = _build_form_data(model_admin, actor, obj, for_add=for_add)
    return _FORMS[key]


def _build_form_data(model_admin, actor: Actor, obj, *, for_add: bool = False) -> dict:
    """What the change form posts back unchanged: the form's and its inlines' values (for
    ``for_add``, what the add form would post to make a copy of ``obj``, without inlines)."""
    request = RequestFactory().get("/")
    request.user = actor.user
    data: dict = {}

    def add(form) -> None:
        for bound in form:
            value = bound.value()
            widget = getattr(bound.field.widget, "widget", bound.field.widget)
            if isinstance(widget, SplitDateTimeWidget):
                for i, part in enumerate(widget.decompress(value)):
                    data[f"{bound.html_name}_{i}"] = "" if part is None else str(part)
            elif value is None or value is False:
                continue
            elif value is True:
                data[bound.html_name] = "on"
            elif isinstance(value, list | tuple):
                data[bound.html_name] = [str(v) for v in value]
            else:
                data[bound.html_name] = str(value)

    add(model_admin.get_form(request, None if for_add else obj, change=not for_add)(instance=obj))
    formsets, _inlines = model_admin._create_formsets(request, obj, change=True)
    for formset in formsets:
        if for_add:
            data.update({f"{formset.prefix}-TOTAL_FORMS": 0, f"{formset.prefix}-INITIAL_FORMS": 0})
            continue
        data.update(
            {
                f"{formset.prefix}-TOTAL_FORMS": len(formset.initial_forms),
                f"{formset.prefix}-INITIAL_FORMS": len(formset.initial_forms),
            }
        )
        for form in formset.initial_forms:
            add(form)
    return data


def _snapshot(obj) -> tuple:
    counts = tuple(m._default_manager.count() for m in POLICIES)
    if obj is None:
        return counts
    fresh = type(obj)._default_manager.filter(pk=obj.pk).first()
    return counts, None if fresh is None else repr(sorted(model_to_dict(fresh).items()))


@pytest.mark.parametrize("model", list(admin.site._registry), ids=lambda m: m._meta.label)
def test_admin_matrix(model):
    policy = POLICIES[model]  # a new admin needs its entry here
    model_admin = admin.site._registry[model]
    scoped = isinstance(model_admin, ScopedAdmin)
    assert scoped != policy.superuser_only, f"{model.__name__}: policy and admin disagree"

    mall_a, mall_b = MallFactory(), MallFactory()
    a = _place(mall_a, AgencyFactory(mall=mall_a), 1)
    a2 = AgencyFactory(mall=mall_a)
    b = _place(mall_b, AgencyFactory(mall=mall_b), 2)
    rows = {}
    if policy.objects:
        rows = {"A": (a, _build(model, a, 1)), "B": (b, _build(model, b, 2))}
    opts = model._meta
    name = f"admin:{opts.app_label}_{opts.model_name}"
    failures: list[str] = []
    _FORMS.clear()

    def check(
        actor: Actor,
        what: str,
        method: str,
        url: str,
        expected: int,
        data=None,
        obj=None,
        refused: bool = True,
        gone: bool = False,
    ) -> None:
        posting = method == "POST"
        with transaction.atomic():
            before = _snapshot(obj) if posting else None
            call = actor.client.post if posting else actor.client.get
            response = call(url, data or {})
            after = _snapshot(obj) if posting else None
            transaction.set_rollback(True)
        if response.status_code != expected:
            failures.append(f"{actor.name} {what}: {response.status_code} != {expected}")
        elif refused and method == "POST" and before != after:
            failures.append(f"{actor.name} {what}: refused but the database changed")
        elif gone and after[1] is not None:
            failures.append(f"{actor.name} {what}: not deleted")

    actors = _actors(a, a2, b)
    actor_for_forms = next(actor for actor in actors if actor.name == "superuser")
    for actor in actors:
        outside = actor.user is None or not actor.user.is_staff
        superuser = actor.name == "superuser"
        if outside:
            allowed_list = allowed_add = False
        elif superuser:
            allowed_list, allowed_add = True, policy.superuser_add
        elif policy.superuser_only:
            allowed_list = allowed_add = False
        else:
            if actor.name == "monitor":
                allowed_list = policy.monitor_reads
            elif actor.role == Role.MALL_MANAGER:
                allowed_list = True
            else:
                allowed_list = policy.agency_reads
            allowed_add = _may(policy, policy.add, actor, None)

        def status(allowed: bool, outside: bool = outside) -> int:
            return 302 if outside else (200 if allowed else 403)

        check(actor, "changelist", "GET", reverse(f"{name}_changelist"), status(allowed_list))
        add_url = reverse(f"{name}_add")
        check(actor, "add", "GET", add_url, status(allowed_add))
        if not superuser:
            home = actor.mall or (actor.agency.mall if actor.agency else None)
            elsewhere = rows.get("A" if home == b.mall else "B")
            forged = (
                _form_data(model_admin, actor_for_forms, elsewhere[1], for_add=True)
                if elsewhere and scoped
                else {}
            )
            check(
                actor,
                "add (forged)",
                "POST",
                add_url,
                302 if outside else (200 if allowed_add else 403),
                data=forged,
            )

        for label, (place, obj) in rows.items():
            change_url = reverse(f"{name}_change", args=[obj.pk])
            delete_url = reverse(f"{name}_delete", args=[obj.pk])
            if outside:
                for what, method, url in (
                    ("change", "GET", change_url),
                    ("change", "POST", change_url),
                    ("delete", "POST", delete_url),
                ):
                    check(actor, f"{what} {label}", method, url, 302, obj=obj)
                continue
            if superuser:
                check(actor, f"change {label}", "GET", change_url, 200)
                if scoped and policy.superuser_change:
                    data = _form_data(model_admin, actor, obj)
                    check(
                        actor, f"change {label}", "POST", change_url, 302, data=data, refused=False
                    )
                check(
                    actor,
                    f"delete {label}",
                    "POST",
                    delete_url,
                    302 if policy.superuser_delete else 403,
                    data={"post": "yes"},
                    obj=obj,
                    refused=not policy.superuser_delete,
                    gone=policy.superuser_delete,
                )
                continue
            if policy.superuser_only:
                for what, method, url in (
                    ("change", "GET", change_url),
                    ("change", "POST", change_url),
                    ("delete", "POST", delete_url),
                ):
                    check(actor, f"{what} {label}", method, url, 403, obj=obj)
                continue
            if not _visible(policy, actor, place):
                # A row out of reach is "not found" (a redirect); with no view at all, 403.
                hidden = 302 if allowed_list else 403
                check(actor, f"change {label}", "GET", change_url, hidden)
                check(
                    actor,
                    f"change {label}",
                    "POST",
                    change_url,
                    hidden,
                    data=_form_data(model_admin, actor_for_forms, obj),
                    obj=obj,
                )
                check(
                    actor,
                    f"delete {label}",
                    "POST",
                    delete_url,
                    302 if _may(policy, policy.delete, actor, None) else 403,
                    data={"post": "yes"},
                    obj=obj,
                )
                continue
            may_change = _may(policy, policy.change, actor, place)
            if not may_change:  # when it may, the POST saving it shows it was in reach
                check(actor, f"change {label}", "GET", change_url, 200)
            check(
                actor,
                f"change {label}",
                "POST",
                change_url,
                302 if may_change else 403,
                data=_form_data(model_admin, actor_for_forms, obj),
                obj=obj,
                refused=not may_change,
            )
            may_delete = _may(policy, policy.delete, actor, place) and not policy.cascade_refused
            check(
                actor,
                f"delete {label}",
                "POST",
                delete_url,
                302 if may_delete else 403,
                data={"post": "yes"},
                obj=obj,
                refused=not may_delete,
                gone=may_delete,
            )

    assert not failures, model.__name__ + "\n" + "\n".join(failures)


def test_every_registered_admin_has_a_policy():
    assert set(admin.site._registry) == set(POLICIES)


def test_every_admin_action_asks_for_a_permission():
    """An action without ``permissions`` would be offered to whoever views the list (the
    ministry monitor included)."""
    for model_admin in admin.site._registry.values():
        actions = [func for _name, func in admin.site.actions]
        for action in [*actions, *(model_admin.actions or [])]:
            func = getattr(model_admin, action) if isinstance(action, str) else action
            assert getattr(func, "allowed_permissions", ()), (model_admin, action)
