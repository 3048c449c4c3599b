"""The periodic pull from SP4N-LAPOR! (beat job ``complaints.lapor_sync``), per integration:

1. reports forwarded to the mall's institution there, filed here once each (through
   ``report_file``, like any channel's: they wait for the coordinator to verify and route them);
2. the follow-ups of every linked report still open (or closed in the last
   ``FOLLOWUPS_AFTER_CLOSE_DAYS`` days), each recorded once as a report step; those sent from
   here are recognised and not recorded again.

The listing of forwarded reports is not in the public digest (it names only one complaint's
``GET /complaints/{id}/complaint``; its confidence is low): we ask ``GET {options.forwarded_path,
default /complaints/complaint}?disposition_id={institution_id}&page=N`` and read either form a
LAPOR! listing may take: ``results.data[]`` with ``results.next_page_url`` (as the follow-ups),
or a Laravel paginator at ``results.data`` (rows in ``results.data.data[]``). A row is ``id`` or
``complaint_id``, ``title``, ``content``, ``classification_id``, ``category_id``,
``is_anonymous``, ``is_secret``, ``date_of_incident``; a row without ``content`` (a listing of
summaries) is read in full from ``GET /complaints/{id}/complaint``; a row naming another
institution in ``disposition_id`` (a listing that ignored the filter) is skipped. The
reporter's identity stays in LAPOR!: the follow-ups go back there.
"""

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.html import strip_tags

from satupintu.complaints.errors import ReportError
from satupintu.complaints.lapor.client import PROVIDERS, LaporClient, results, short
from satupintu.complaints.lapor.outbox import content_key, lapor_integration
from satupintu.complaints.models import LaporFollowup, LaporLink, Report, ReportEvent
from satupintu.complaints.services import TEXT_MAX, report_file
from satupintu.integrations.models import Integration
from satupintu.integrations.registry import CallFailed
from satupintu.integrations.services import event_record

FOLLOWUPS_AFTER_CLOSE_DAYS = 30
SYNC_LOCK_SECONDS = 15 * 60
TITLE_MAX = 150
_PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*\}\}")


@dataclass
class Synced:
    received: int = 0  # reports forwarded to the mall, filed here
    followups: int = 0  # follow-ups recorded as report steps
    failed: str = ""  # why the sync stopped, if it did


def lapor_sync_all() -> list[Synced]:
    """Sync every active SP4N-LAPOR! integration (the beat job)."""
    integrations = Integration.objects.filter(
        kind=Integration.Kind.LAPOR, is_active=True, provider__in=PROVIDERS
    )
    return [lapor_sync(integration=integration) for integration in integrations]


def lapor_sync(*, integration: Integration) -> Synced:
    """Pull what is new in SP4N-LAPOR! for ``integration``; one sync at a time per integration.
    What was recorded before a failure stays (each item is its own transaction, and a re-pull
    records nothing twice); the failure goes to the integration's log."""
    lock = f"integrations:lapor:{integration.pk}:sync"
    if not cache.add(lock, "1", timeout=SYNC_LOCK_SECONDS):
        return Synced(failed="busy")
    synced = Synced()
    try:
        client = LaporClient(integration)
        if integration.mall_id is not None:
            synced.received = _pull_forwarded(integration, client)
        synced.followups = _pull_followups(integration, client)
    except CallFailed as failed:
        synced.failed = failed.message
    finally:
        cache.delete(lock)
    event_record(
        integration=integration,
        kind=Integration.Kind.LAPOR,
        direction="in",
        operation="lapor.sync",
        ok=not synced.failed,
        message=synced.failed
        or f"{synced.received} reports received, {synced.followups} follow-ups read",
    )
    return synced


# Reports forwarded to the mall ----------------------------------------------------------


def _reverse(integration: Integration, table: str) -> dict[str, str]:
    mapping = integration.option(table) or {}
    if not isinstance(mapping, dict):
        return {}
    return {str(theirs): ours for ours, theirs in mapping.items()}


def _text(value: Any) -> str:
    return " ".join(strip_tags(str(value or "")).split()) if value else ""


def _incident_date(value: Any) -> date | None:
    for pattern in ("%Y-%m-%d", "%d-%m-%Y", "%Y-%m-%d %H:%M:%S", "%d-%m-%Y %H:%M:%S"):
        try:
            return datetime.strptime(str(value), pattern).replace(tzinfo=UTC).date()
        except ValueError:
            continue
    return None


def _flag(value: Any) -> bool:
    return str(value).strip().lower() in {"1", "true", "yes"}


def _for_institution(row: dict[str, Any], institution: Any) -> bool:
    """Whether a complaint is forwarded to ``institution`` (as far as its row says: a row that
    names no institution is taken to be, the listing having been asked for it)."""
    named = row.get("disposition_id")
    return named in (None, "") or str(named) == str(institution)


def _complaint(client: LaporClient, complaint_id: str) -> dict[str, Any] | None:
    """One complaint's data (``GET /complaints/{id}/complaint``), for a listing of summaries
    that leaves out the text; None when LAPOR! has no such complaint."""
    if not complaint_id.isdigit():
        return None
    answer = client.request("GET", f"/complaints/{complaint_id}/complaint")
    if answer.status == 404:
        return None
    if answer.status != 200:
        raise CallFailed(
            f"SP4N-LAPOR! answered HTTP {answer.status} to a complaint",
            status_code=answer.status,
            answer=short(answer),
        )
    data = results(answer).get("data")
    return data if isinstance(data, dict) else None


def _pull_forwarded(integration: Integration, client: LaporClient) -> int:
    institution = integration.option("institution_id")
    mall = integration.mall
    if not institution or mall is None:
        return 0
    path = str(integration.option("forwarded_path") or "/complaints/complaint")
    rows = client.pages(path, {"disposition_id": institution})
    kinds = _reverse(integration, "classifications")
    categories = _reverse(integration, "categories")
    received = 0
    for listed in rows:
        complaint_id = str(listed.get("complaint_id") or listed.get("id") or "")
        known = LaporLink.objects.filter(mall=mall, complaint_id=complaint_id)
        if not complaint_id or known.exists():
            continue  # ours already: received before, or sent from here
        if not _for_institution(listed, institution):
            continue  # a listing that ignored the filter: another institution's complaint
        row = listed if "content" in listed else _complaint(client, complaint_id)
        if row is None or not _for_institution(row, institution):
            continue
        content = _text(row.get("content"))
        title = _text(row.get("title")) or content[:60]
        kind = kinds.get(str(row.get("classification_id")), Report.Kind.COMPLAINT)
        category = categories.get(str(row.get("category_id")), Report.Category.OTHER)
        try:
            report_file(
                mall=mall,
                kind=kind if kind in Report.Kind.values else Report.Kind.COMPLAINT,
                category=category if category in Report.Category.values else Report.Category.OTHER,
                title=title[:TITLE_MAX],
                text=content[:TEXT_MAX],
                event_date=_incident_date(row.get("date_of_incident")),
                anonymous=_flag(row.get("is_anonymous")),
                confidential=_flag(row.get("is_secret")),
                idempotency_key=f"lapor:{complaint_id}",
                idempotency_scope=f"lapor:{mall.pk}",
                lapor_complaint_id=complaint_id,
            )
        except (ReportError, ValidationError):
            event_record(
                integration=integration,
                kind=Integration.Kind.LAPOR,
                direction="in",
                operation="lapor.forwarded",
                ok=False,
                message=f"complaint {complaint_id} could not be filed here",
            )
            continue
        received += 1
    return received


# Follow-ups ---------------------------------------------------------------------------------


def _links(integration: Integration) -> list[LaporLink]:
    recent = timezone.now() - timedelta(days=FOLLOWUPS_AFTER_CLOSE_DAYS)
    links = LaporLink.objects.select_related("report", "report__mall").filter(
        Q(report__closed_at__isnull=True) | Q(report__closed_at__gte=recent)
    )
    if integration.mall_id is not None:
        return list(links.filter(mall_id=integration.mall_id))
    # A deployment's integration: the malls that have none of their own.
    return [link for link in links if lapor_integration(link.report.mall) == integration]


def row_key(row: dict[str, Any]) -> str:
    """A follow-up's key: its id in LAPOR!, else a hash of its time and text."""
    if row.get("id") not in (None, ""):
        return f"id:{row['id']}"
    seen = f"{row.get('created_at', '')}|{row.get('content', '')}"
    return "h:" + hashlib.sha256(seen.encode()).hexdigest()[:40]


def render_followup(row: dict[str, Any]) -> str:
    """A follow-up's text with LAPOR!'s placeholders filled (institutions, statuses)."""
    data = row.get("data")
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except ValueError:
            data = {}
    data = data if isinstance(data, dict) else {}

    def status(name: str) -> str:
        found = data.get(name)
        return str(found.get("name", "")) if isinstance(found, dict) else ""

    values = {
        "institution_from": str(row.get("institution_from_name") or ""),
        "institution_to": str(row.get("institution_to_name") or ""),
        "status_old": status("status_old"),
        "status_new": status("status_new"),
    }
    text = _PLACEHOLDER.sub(lambda m: values.get(m.group(1), ""), str(row.get("content") or ""))
    return _text(text)[:TEXT_MAX]


def _pull_followups(integration: Integration, client: LaporClient) -> int:
    recorded = 0
    for link in _links(integration):
        rows = client.pages(f"/complaints/{link.complaint_id}/followups")
        known = set(link.followups.values_list("key", flat=True))
        for row in rows:
            key = row_key(row)
            if key in known:
                continue
            known.add(key)
            text = render_followup(row)
            sent_from_here = {content_key(str(row.get("content") or "")), content_key(text)} & known
            recorded += _record_followup(link, key, text, echo=bool(sent_from_here))
        LaporLink.objects.filter(pk=link.pk).update(followups_pulled_at=timezone.now())
    return recorded


def _record_followup(link: LaporLink, key: str, text: str, *, echo: bool) -> int:
    """Record one follow-up read from LAPOR! (a step of the report unless it is one of ours
    coming back); 0 when another sync recorded it first."""
    try:
        with transaction.atomic():
            event = None
            if not echo and text:
                event = ReportEvent.objects.create(
                    report=link.report, kind=ReportEvent.Kind.LAPOR, text=text
                )
            LaporFollowup.objects.create(
                link=link, key=key, direction=LaporFollowup.Direction.IN, event=event
            )
    except IntegrityError:
        return 0
    return 1 if event is not None else 0


# --- LAPOR!'s institutions, to send a report back to ----------------------------------------

INSTITUTIONS_PATH = "/masters/institutions/external"
INSTITUTIONS_TIMEOUT = 3.0  # seconds: asked while the coordinator's page opens
INSTITUTIONS_CACHE_SECONDS = 10 * 60
INSTITUTIONS_MAX = 5000
INSTITUTION_NAME_MAX = 200


def _institution_rows(answer_results: dict[str, Any]) -> list[Any]:
    """The rows of ``results.data[]``, or of a Laravel paginator at ``results.data``."""
    data = answer_results.get("data")
    if isinstance(data, dict):
        data = data.get("data")
    return data if isinstance(data, list) else []


def lapor_institutions(*, integration: Integration) -> list[tuple[str, str]] | None:
    """LAPOR!'s institutions (``GET /masters/institutions/external?page_size=1000``) as
    ``(id, name)`` sorted by name, for the coordinator to pick where a report goes back to;
    kept ``INSTITUTIONS_CACHE_SECONDS`` in the shared cache. None when LAPOR! does not answer
    within ``INSTITUTIONS_TIMEOUT`` or answers nothing usable (the page asks for the ID then).
    Rows without a numeric id or a name are skipped; names are trimmed, without NULs."""
    key = f"lapor:institutions:{integration.pk}"
    cached = cache.get(key)
    if isinstance(cached, list):
        return cached
    client = LaporClient(integration)
    client.timeout = INSTITUTIONS_TIMEOUT
    try:
        answer = client.request("GET", INSTITUTIONS_PATH, params={"page_size": 1000})
    except CallFailed as failed:
        _institutions_event(integration, ok=False, message=f"not asked in time: {failed}"[:500])
        return None
    if answer.status != 200:
        _institutions_event(integration, ok=False, message=f"HTTP {answer.status}")
        return None
    found: dict[str, str] = {}
    for row in _institution_rows(results(answer))[:INSTITUTIONS_MAX]:
        if not isinstance(row, dict):
            continue
        ident, name = str(row.get("id", "")).strip(), row.get("name")
        if not (ident.isascii() and ident.isdigit() and len(ident) <= 12):
            continue
        if not isinstance(name, str):
            continue
        name = " ".join(name.replace("\x00", "").split())[:INSTITUTION_NAME_MAX]
        if name:
            found[ident] = name
    if not found:
        _institutions_event(integration, ok=False, message="no institutions in the answer")
        return None
    institutions = sorted(found.items(), key=lambda pair: (pair[1].lower(), pair[0]))
    cache.set(key, institutions, INSTITUTIONS_CACHE_SECONDS)
    _institutions_event(integration, ok=True, message=f"{len(institutions)} institutions")
    return institutions


def _institutions_event(integration: Integration, *, ok: bool, message: str) -> None:
    event_record(
        integration=integration,
        kind=Integration.Kind.LAPOR,
        direction="out",
        operation="lapor.institutions",
        ok=ok,
        message=message,
    )
