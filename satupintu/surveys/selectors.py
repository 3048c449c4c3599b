"""Reads of the surveys context: the IKM of a scope (a mall, an agency or a service) and a
period, the population it is measured against, who may see which results, and the public
figure shown on the portal.

For the ``stats`` app: ``ikm_results(scope=Scope(mall, agency, service), period=Period(start,
end))`` returns a ``services.ikm.IkmResult`` (NRR per element, IKM, converted IKM, mutu,
respondents against the Krejcie–Morgan sample of the population, the element to improve
first); ``population`` counts the invitable events (served visits, finished applications,
answered complaints) of a scope and period; the arithmetic itself is in ``services.ikm``.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from satupintu.accounts.models import User
from satupintu.booking.models import Ticket
from satupintu.cases.models import Application, Transition
from satupintu.catalog.models import Service
from satupintu.complaints.models import ReportEvent
from satupintu.malls.calendar import in_mall_time
from satupintu.malls.models import Agency, Mall, StaffMembership
from satupintu.malls.permissions import StaffScope, staff_scope
from satupintu.surveys.elements import ELEMENTS, PROFILE_FIELDS
from satupintu.surveys.errors import SurveyError
from satupintu.surveys.models import Response
from satupintu.surveys.services.ikm import IkmResult, ikm_result

PUBLIC_MONTHS = 12
PUBLIC_MIN_RESPONDENTS = 10
LONGEST_PERIOD_DAYS = 5 * 366
EARLIEST = date(2000, 1, 1)


@dataclass(frozen=True)
class Scope:
    """What an IKM is measured over: a mall, one of its agencies, or one service."""

    mall: Mall
    agency: Agency | None = None
    service: Service | None = None

    def filter(self, prefix: str = "") -> Q:
        """The condition on rows whose mall/agency/service are reached through ``prefix``."""
        if self.service is not None:
            return Q(**{f"{prefix}service": self.service})
        if self.agency is not None:
            return Q(**{f"{prefix}agency": self.agency})
        return Q(**{f"{prefix}mall": self.mall})


@dataclass(frozen=True)
class Period:
    """Days from ``start`` to ``end``, both included (in the mall's time)."""

    start: date
    end: date

    def bounds(self, mall: Mall) -> tuple[datetime, datetime]:
        """The period's first and after-last moments on the mall's clock."""
        zone = ZoneInfo(mall.time_zone)
        return (
            datetime.combine(self.start, time.min, tzinfo=zone),
            datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=zone),
        )


def period_parse(*, start: str, end: str, today: date) -> Period:
    """A period typed as two ISO dates (YYYY-MM-DD); SurveyError ``period`` when a date is not
    one, the end comes before the start, it lies in the future or before 2000, or it spans
    more than five years."""
    try:
        first, last = date.fromisoformat(start.strip()), date.fromisoformat(end.strip())
    except ValueError as exc:
        raise SurveyError("period", _("Give the period as two dates (year-month-day).")) from exc
    if last < first:
        raise SurveyError("period", _("The period ends before it starts."))
    if first > today:
        raise SurveyError("period", _("The period has not started yet."))
    if first < EARLIEST:
        raise SurveyError("period", _("The period starts before 2000."))
    if (last - first).days > LONGEST_PERIOD_DAYS:
        raise SurveyError("period", _("The period is longer than five years."))
    return Period(first, min(last, today))


def default_period(today: date) -> Period:
    """This year so far."""
    return Period(date(today.year, 1, 1), today)


def responses(*, scope: Scope, period: Period) -> QuerySet[Response]:
    return Response.objects.filter(scope.filter(), date__range=(period.start, period.end))


def population(*, scope: Scope, period: Period) -> int:
    """The invitable events of the scope in the period (the population the sample is drawn
    from): visits served, applications finished, complaints answered (each once)."""
    since, until = period.bounds(scope.mall)
    mall_of_agency = scope.filter() if scope.agency or scope.service else Q(agency__mall=scope.mall)
    visits = Ticket.objects.filter(
        mall_of_agency, status=Ticket.Status.SERVED, date__range=(period.start, period.end)
    ).count()
    finished = (
        Transition.objects.filter(
            to_status=Application.Status.DONE, created_at__gte=since, created_at__lt=until
        )
        .filter(_prefixed(scope, "application__service__", "application__"))
        .values("application")
        .distinct()
        .count()
    )
    answered = (
        ReportEvent.objects.filter(
            kind__in=[ReportEvent.Kind.ANSWERED, ReportEvent.Kind.ANSWERED_ON_BEHALF],
            created_at__gte=since,
            created_at__lt=until,
        )
        .filter(scope.filter("report__"))
        .values("report")
        .distinct()
        .count()
    )
    return visits + finished + answered


def _prefixed(scope: Scope, agency_prefix: str, service_prefix: str) -> Q:
    """The scope over an application (its service holds the agency and the mall)."""
    if scope.service is not None:
        return Q(**{f"{service_prefix}service": scope.service})
    if scope.agency is not None:
        return Q(**{f"{agency_prefix}agency": scope.agency})
    return Q(**{f"{agency_prefix}agency__mall": scope.mall})


def _aggregate(queryset: QuerySet[Response]) -> dict[str, int]:
    sums = {f"t_{e.field}": Sum(e.field) for e in ELEMENTS}
    counts = {f"c_{e.field}": Count(e.field) for e in ELEMENTS}
    row = queryset.aggregate(respondents=Count("pk"), **sums, **counts)
    return {key: int(value or 0) for key, value in row.items()}


def _result(row: dict[str, int], population_count: int) -> IkmResult:
    return ikm_result(
        codes=[e.code for e in ELEMENTS],
        totals={e.code: row[f"t_{e.field}"] for e in ELEMENTS},
        answered={e.code: row[f"c_{e.field}"] for e in ELEMENTS},
        respondents=row["respondents"],
        population=population_count,
    )


def ikm_results(*, scope: Scope, period: Period) -> IkmResult:
    """The IKM of ``scope`` over ``period``: one aggregate over the responses, three counts
    of the population."""
    row = _aggregate(responses(scope=scope, period=period))
    return _result(row, population(scope=scope, period=period))


@dataclass(frozen=True)
class AgencyRow:
    agency: Agency
    result: IkmResult


def ikm_by_agency(*, scope: Scope, period: Period) -> list[AgencyRow]:
    """The IKM of each agency of the scope (the mall's, or the one agency's), for the report's
    table of units: one grouped query for the responses and one per kind of event, whatever
    the number of agencies."""
    if scope.service is not None:
        agencies = [scope.service.agency]
    elif scope.agency is not None:
        agencies = [scope.agency]
    else:
        agencies = list(Agency.objects.filter(mall=scope.mall, is_active=True).order_by("name"))
    ids = [agency.pk for agency in agencies]
    sums = {f"t_{e.field}": Sum(e.field) for e in ELEMENTS}
    counts = {f"c_{e.field}": Count(e.field) for e in ELEMENTS}
    grouped = (
        Response.objects.filter(agency__in=ids, date__range=(period.start, period.end))
        .values("agency")
        .annotate(respondents=Count("pk"), **sums, **counts)
        .order_by()
    )
    rows: dict[int, dict[str, int]] = {}
    for row in grouped:
        values: dict[str, Any] = dict(row)
        agency_id = values.pop("agency")
        rows[agency_id] = {key: int(value or 0) for key, value in values.items()}
    people = _population_by_agency(scope.mall, ids, period)
    empty = {"respondents": 0, **dict.fromkeys(sums, 0), **dict.fromkeys(counts, 0)}
    return [
        AgencyRow(agency, _result(rows.get(agency.pk, empty), people.get(agency.pk, 0)))
        for agency in agencies
    ]


def _population_by_agency(mall: Mall, ids: list[int], period: Period) -> dict[int, int]:
    """``population`` of each agency of ``ids``, in three grouped counts."""
    since, until = period.bounds(mall)
    found: dict[int, int] = dict.fromkeys(ids, 0)
    groups = (
        Ticket.objects.filter(
            agency__in=ids, status=Ticket.Status.SERVED, date__range=(period.start, period.end)
        )
        .values_list("agency")
        .annotate(n=Count("pk")),
        Transition.objects.filter(
            application__service__agency__in=ids,
            to_status=Application.Status.DONE,
            created_at__gte=since,
            created_at__lt=until,
        )
        .values_list("application__service__agency")
        .annotate(n=Count("application", distinct=True)),
        ReportEvent.objects.filter(
            report__agency__in=ids,
            kind__in=[ReportEvent.Kind.ANSWERED, ReportEvent.Kind.ANSWERED_ON_BEHALF],
            created_at__gte=since,
            created_at__lt=until,
        )
        .values_list("report__agency")
        .annotate(n=Count("report", distinct=True)),
    )
    for group in groups:
        for agency_id, n in group.order_by():
            found[agency_id] = found.get(agency_id, 0) + n
    return found


def profile_counts(*, scope: Scope, period: Period) -> dict[str, list[tuple[str, int]]]:
    """How many respondents gave each answer of the profile (and "not given"), by field."""
    found = responses(scope=scope, period=period)
    counts: dict[str, list[tuple[str, int]]] = {}
    for name, choices in PROFILE_FIELDS.items():
        given = dict(found.values_list(name).annotate(n=Count("pk")).order_by())
        rows = [(str(label), int(given.get(value, 0))) for value, label in choices.choices]
        rows.append((_("Not given"), int(given.get("", 0))))
        counts[name] = rows
    return counts


def comments(*, scope: Scope, period: Period, limit: int = 50) -> list[str]:
    """The latest comments of the scope's respondents (their text only)."""
    return list(
        responses(scope=scope, period=period)
        .exclude(comment="")
        .order_by("-date", "?")
        .values_list("comment", flat=True)[:limit]
    )


# --- who sees what ----------------------------------------------------------------------


def _int(value: str | None) -> int | None:
    text = (value or "").strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit() and len(text) < 10):
        raise Http404
    return int(text)


def _staff_and_mall(user: User | AnonymousUser, slug: str) -> tuple[StaffScope, Mall]:
    """``user``'s staff scope and the active mall of ``slug``: PermissionDenied for anyone who
    is not staff, Http404 for a mall that is not there."""
    scope = staff_scope(user)
    if not scope.is_staff_anywhere:
        raise PermissionDenied
    mall = Mall.objects.filter(slug=slug, is_active=True).first()
    if mall is None:
        raise Http404
    return scope, mall


def access_results(
    user: User | AnonymousUser, slug: str, *, agency_id: str | None, service_id: str | None
) -> Scope:
    """The scope of results ``user`` asks for, once they may see it: the mall's manager, the
    ministry monitor and the superuser the whole mall, an agency's staff their agency. Staff
    asking for a mall, agency or service they may not see get Http404 (the same as a missing
    one); anyone who is not staff, PermissionDenied."""
    scope, mall = _staff_and_mall(user, slug)
    whole_mall = sees_whole_mall(user, mall)
    visible = Agency.objects.filter(mall=mall)
    if not whole_mall:
        visible = visible.filter(pk__in=scope.agency_ids)
    wanted_agency, wanted_service = _int(agency_id), _int(service_id)
    service = None
    if wanted_service is not None:
        service = (
            Service.objects.select_related("agency")
            .filter(pk=wanted_service, agency__in=visible)
            .first()
        )
        if service is None or (wanted_agency not in (None, service.agency_id)):
            raise Http404
        return Scope(mall, service.agency, service)
    if wanted_agency is not None:
        agency = visible.filter(pk=wanted_agency).first()
        if agency is None:
            raise Http404
        return Scope(mall, agency)
    if whole_mall:
        return Scope(mall)
    own = visible.order_by("name").first()
    if own is None:
        raise Http404
    return Scope(mall, own)


def sees_whole_mall(user: User | AnonymousUser, mall: Mall) -> bool:
    """Whether ``user`` sees the results of the whole of ``mall`` (not only an agency's)."""
    scope = staff_scope(user)
    return scope.sees_everything or scope.manages_mall(mall.pk)


def visible_agencies(user: User | AnonymousUser, mall: Mall) -> QuerySet[Agency]:
    """The agencies of ``mall`` whose results ``user`` may choose."""
    scope = staff_scope(user)
    agencies = Agency.objects.filter(mall=mall).order_by("name")
    if scope.sees_everything or scope.manages_mall(mall.pk):
        return agencies
    return agencies.filter(pk__in=scope.agency_ids)


def paper_services(user: User | AnonymousUser, slug: str) -> tuple[Mall, QuerySet[Service]]:
    """The mall of ``slug`` and the services whose paper questionnaires ``user`` may type in:
    the mall's manager (and the superuser) any of the mall's, a front office its agency's.
    Http404 for a mall they have no part in; PermissionDenied for anyone else (the monitor
    changes nothing)."""
    scope, mall = _staff_and_mall(user, slug)
    services = Service.objects.filter(agency__mall=mall, is_active=True).select_related("agency")
    if scope.manages_mall(mall.pk):
        return mall, services.order_by("agency__name", "name")
    if not (scope.is_monitor or mall.agencies.filter(pk__in=scope.agency_ids).exists()):
        raise Http404
    desk = scope.agency_ids_as([StaffMembership.Role.FRONT_OFFICE])
    mine = services.filter(agency_id__in=desk)
    if not mine.exists():
        raise PermissionDenied
    return mall, mine.order_by("agency__name", "name")


# --- the portal's figure ----------------------------------------------------------------


@dataclass(frozen=True)
class PublicIkm:
    """The IKM the portal shows: over the last twelve months, or ``enough`` False when fewer
    than the minimum answered, or when showing it would let the mall's figure less the shown
    services' give away a smaller group (then only that is said)."""

    period: Period
    result: IkmResult
    enough: bool


def _withheld_services(*, mall: Mall, period: Period) -> set[int]:
    """The services of ``mall`` whose public IKM is withheld beside the mall's: those below the
    minimum, and then, while the respondents the mall counts and no shown service does (the
    withheld services', and those of no service) are from 1 to the minimum less one, the
    smallest shown service too. Otherwise the mall's sums less the shown services' sums
    would be a small group's answers (complementary suppression, as the open data does)."""
    per_service = (
        responses(scope=Scope(mall), period=period)
        .order_by()
        .values_list("service_id")
        .annotate(n=Count("pk"))
    )
    counts = {service: int(n) for service, n in per_service}
    shown = sorted(
        (n, service)
        for service, n in counts.items()
        if service is not None and n >= PUBLIC_MIN_RESPONDENTS
    )
    rest = sum(counts.values()) - sum(n for n, _service in shown)
    withheld = {service for service in counts if service is not None} - {s for _n, s in shown}
    while 0 < rest < PUBLIC_MIN_RESPONDENTS and shown:
        n, service = shown.pop(0)
        rest += n
        withheld.add(service)
    return withheld


def public_ikm(*, mall: Mall, service: Service | None = None) -> PublicIkm:
    """The IKM of a mall or one of its services over the last twelve months (one query, two
    for a service; the population is not counted, the portal does not show it)."""
    today = in_mall_time(timezone.now(), mall).date()
    period = Period(today - timedelta(days=365), today)
    row = _aggregate(responses(scope=Scope(mall, service=service), period=period))
    result = _result(row, 0)
    enough = result.respondents >= PUBLIC_MIN_RESPONDENTS
    if enough and service is not None:
        enough = service.pk not in _withheld_services(mall=mall, period=period)
    return PublicIkm(period, result, enough)


@dataclass(frozen=True)
class IkmReport:
    """Everything the report of a scope and period prints (no personal data: counts only)."""

    scope: Scope
    period: Period
    result: IkmResult
    units: list[AgencyRow]
    profile: dict[str, list[tuple[str, int]]]


def ikm_report(*, scope: Scope, period: Period) -> IkmReport:
    return IkmReport(
        scope=scope,
        period=period,
        result=ikm_results(scope=scope, period=period),
        units=ikm_by_agency(scope=scope, period=period),
        profile=profile_counts(scope=scope, period=period),
    )
