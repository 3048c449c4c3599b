"""Open311 GeoReport v2 at /open311/v2/, so existing Open311 clients file and follow reports.

Services are the report types and categories ("pengaduan-biaya" ...); a mall is the
jurisdiction (``jurisdiction_id`` = its slug; optional when only one mall is active). Requests
are listed without any personal data and, for privacy, with their title as the description;
confidential and anonymous ones are not listed. Posting needs an ``api_key``.
"""

import json
from collections.abc import Callable, Iterable
from datetime import datetime, time
from functools import wraps
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree as ET  # noqa: S405 - we only write XML, never parse it

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS
from django.db.models import Max, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from satupintu.api.models import IntegrationKey
from satupintu.complaints import services
from satupintu.complaints.models import Report
from satupintu.db import replica
from satupintu.malls.calendar import moment_from_text
from satupintu.malls.models import Mall

if TYPE_CHECKING:
    from typing import TypedDict

    from django_stubs_ext import WithAnnotations

    class _LastEvent(TypedDict):
        updated: datetime | None

    type ListedReport = WithAnnotations[Report, _LastEvent]

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-28T00:00:00Z"
OPEN = ("submitted", "routed", "answered")
# Root and item element names of each list, as the specification writes them.
XML_NAMES = {
    "services": ("services", "service"),
    "requests": ("service_requests", "request"),
    "errors": ("errors", "error"),
}

# Lengths of what a request may send (the report's own columns).
LOCATION_MAX = 200
NAME_MAX = 150
EMAIL_MAX = 254
PHONE_MAX = 20


class Open311Error(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


def _xml_value(parent: ET.Element, key: str, value: Any) -> None:
    child = ET.SubElement(parent, key)
    if isinstance(value, list):
        item = "format" if key == "formats" else key.rstrip("s") or "item"
        for element in value:
            if isinstance(element, dict):
                _xml_items(child, item, [element])
            else:
                ET.SubElement(child, item).text = str(element)
    elif isinstance(value, bool):
        child.text = "true" if value else "false"
    elif value is not None:
        child.text = str(value)


def _xml_items(parent: ET.Element, name: str, items: Iterable[dict]) -> None:
    for item in items:
        element = ET.SubElement(parent, name)
        for key, value in item.items():
            _xml_value(element, key, value)


def _render(fmt: str, kind: str, payload: Any, status: int = 200) -> HttpResponse:
    if fmt == "json":
        return HttpResponse(
            json.dumps(payload, ensure_ascii=False),
            content_type="application/json; charset=utf-8",
            status=status,
        )
    if kind in XML_NAMES:
        root_name, item_name = XML_NAMES[kind]
        root = ET.Element(root_name)
        _xml_items(root, item_name, payload)
    else:  # a single document: discovery, service_definition
        root = ET.Element(kind)
        for key, value in payload.items():
            _xml_value(root, key, value)
    body = ET.tostring(root, encoding="unicode")
    return HttpResponse(
        '<?xml version="1.0" encoding="utf-8"?>' + body,
        content_type="text/xml; charset=utf-8",
        status=status,
    )


def _error(fmt: str, error: Open311Error) -> HttpResponse:
    return _render(
        fmt, "errors", [{"code": error.code, "description": error.description}], error.code
    )


def _services() -> list[dict[str, Any]]:
    return [
        {
            "service_code": f"{kind}-{category}",
            "service_name": f"{kind_label}: {category_label}",
            "description": str(kind_label),
            "metadata": False,
            "type": "realtime",
            "keywords": f"{kind}, {category}",
            "group": str(kind_label),
        }
        for kind, kind_label in Report.Kind.choices
        for category, category_label in Report.Category.choices
    ]


def _service(code: str) -> tuple[str, str]:
    kind, _sep, category = code.partition("-")
    if kind not in Report.Kind.values or category not in Report.Category.values:
        raise Open311Error(404, _("No service with this service_code."))
    return kind, category


def _mall(params: Any) -> Mall:
    slug = params.get("jurisdiction_id", "")
    malls = Mall.objects.filter(is_active=True)
    if slug:
        mall = malls.filter(slug=slug).first()
    else:
        mall = malls.first() if malls.count() == 1 else None
    if mall is None:
        raise Open311Error(400, _("jurisdiction_id must be the slug of a mall."))
    return mall


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None


def _request_row(report: Report, updated: datetime | None) -> dict[str, Any]:
    due = report.answer_due or report.verify_due
    expected = datetime.combine(due, time(23, 59)).replace(tzinfo=report.created_at.tzinfo)
    return {
        "service_request_id": report.tracking_id,
        "status": "open" if report.status in OPEN else "closed",
        "status_notes": report.get_status_display(),
        "service_name": f"{report.get_kind_display()}: {report.get_category_display()}",
        "service_code": f"{report.kind}-{report.category}",
        "description": report.title,
        "agency_responsible": report.agency.name if report.agency else report.mall.name,
        "service_notice": "",
        "requested_datetime": _iso(report.created_at),
        "updated_datetime": _iso(updated or report.created_at),
        "expected_datetime": _iso(expected),
        "address": report.location,
        "address_id": "",
        "zipcode": "",
        "lat": "",
        "long": "",
        "media_url": "",
    }


def _public_requests_all(using: str = DEFAULT_DB_ALIAS) -> "QuerySet[ListedReport]":
    """What Open311 lists: no confidential or anonymous report."""
    return (
        Report.objects.using(using)
        .filter(is_confidential=False, is_anonymous=False)
        .select_related("agency", "mall")
        .annotate(updated=Max("events__created_at"))
        .order_by("-created_at")
    )


def _public_requests(mall: Mall, using: str = DEFAULT_DB_ALIAS) -> "QuerySet[ListedReport]":
    return _public_requests_all(using).filter(mall=mall)


def open311_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Answer in the format the path asks for, and turn refusals into Open311 error lists."""

    @wraps(view)
    def run(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
        if fmt not in ("json", "xml"):
            return _error("xml", Open311Error(404, _("Unknown format.")))
        try:
            return view(request, *args, fmt=fmt, **kwargs)
        except Open311Error as error:
            return _error(fmt, error)

    return run


@require_GET
@open311_view
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    base = settings.SITE_URL + reverse("open311:services", kwargs={"fmt": "json"})
    payload = {
        "changeset": CHANGESET,
        "contact": settings.DEFAULT_FROM_EMAIL,
        "key_service": _("Ask the ministry's Satu Pintu administrators for an api_key."),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base.rsplit("/", 1)[0] + "/",
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return _render(fmt, "discovery", payload)


@require_GET
@open311_view
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    return _render(fmt, "services", _services())


@require_GET
@open311_view
def service_definition(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    _service(code)
    return _render(fmt, "service_definition", {"service_code": code, "attributes": []})


@csrf_exempt
@require_http_methods(["GET", "POST"])
@open311_view
def request_list(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _create(request, fmt)
    params = request.GET
    # From the replica: clients poll the list, and a status may show a few seconds late. One
    # request (below) is read from default: a client fetches the report it has just filed.
    reports = _public_requests(_mall(params), using=replica())
    if params.get("service_request_id"):
        reports = reports.filter(tracking_id__in=params["service_request_id"].split(","))
    if params.get("service_code"):
        codes = [_service(code) for code in params["service_code"].split(",")]
        wanted = Q()
        for kind, category in codes:
            wanted |= Q(kind=kind, category=category)
        reports = reports.filter(wanted)
    if params.get("status") in ("open", "closed"):
        statuses = OPEN if params["status"] == "open" else ("closed", "rejected")
        reports = reports.filter(status__in=statuses)
    for name, lookup in (("start_date", "created_at__gte"), ("end_date", "created_at__lte")):
        if params.get(name):
            moment = moment_from_text(params[name])
            if moment is None:
                raise Open311Error(400, _("%(name)s must be a W3C date and time.") % {"name": name})
            reports = reports.filter(**{lookup: moment})
    return _render(fmt, "requests", [_request_row(r, r.updated) for r in reports[:1000]])


def _create(request: HttpRequest, fmt: str) -> HttpResponse:
    params = request.POST
    key = IntegrationKey.find(params.get("api_key", ""))
    if key is None:
        raise Open311Error(403, _("A valid api_key is required."))
    mall = _mall(params)
    if key.mall_id and key.mall_id != mall.pk:
        raise Open311Error(403, _("This api_key may not post to this jurisdiction."))
    if not params.get("service_code"):
        raise Open311Error(400, _("service_code is required."))
    kind, category = _service(params["service_code"])
    location = params.get("address_string", "")
    if params.get("lat") and params.get("long"):
        location = location or f"{params['lat']},{params['long']}"
    if not location:
        raise Open311Error(400, _("A location is required: lat and long, or address_string."))
    description = params.get("description", "").strip()
    if len(description) < 20:
        raise Open311Error(400, _("description must have at least 20 characters."))
    name = " ".join(p for p in (params.get("first_name", ""), params.get("last_name", "")) if p)
    # Longer values are refused, never cut.
    for field, value, limit in (
        ("description", description, services.TEXT_MAX),
        ("address_string", location, LOCATION_MAX),
        ("first_name/last_name", name, NAME_MAX),
        ("email", params.get("email", ""), EMAIL_MAX),
        ("phone", params.get("phone", ""), PHONE_MAX),
    ):
        if len(value) > limit:
            raise Open311Error(
                400,
                _("%(field)s may have at most %(limit)s characters.")
                % {"field": field, "limit": limit},
            )
    filed = services.report_file(
        mall=mall,
        kind=kind,
        category=category,
        title=description[:150],
        text=description,
        location=location,
        name=name,
        email=params.get("email", ""),
        phone=params.get("phone", ""),
    )
    notice = _("Follow it at %(url)s") % {"url": settings.SITE_URL + filed.follow_path}
    row = {
        "service_request_id": filed.report.tracking_id,
        "service_notice": notice,
        "account_id": "",
    }
    return _render(fmt, "requests", [row], status=201)


@require_GET
@open311_view
def request_detail(request: HttpRequest, request_id: str, fmt: str) -> HttpResponse:
    report = _public_requests_all().filter(tracking_id=request_id).first()
    if report is None:
        raise Open311Error(404, _("No service request with this id."))
    return _render(fmt, "requests", [_request_row(report, report.updated)])


@require_GET
@open311_view
def token(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    """Requests are created in real time and answered with their id, so no token exists."""
    raise Open311Error(404, _("No service request with this token."))
