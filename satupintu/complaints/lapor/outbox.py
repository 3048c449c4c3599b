"""What Satu Pintu sends SP4N-LAPOR!, through the integrations' outbox: each report filed here
(any channel) and each staff answer of a report that is there. Queued in the change's
transaction, sent by the worker, retried with backoff on a 5xx or a refused token; a request
whose outcome is unknown (a timeout) is held for a human, since LAPOR! would file it twice.

What is sent is read from the report when the call is made, so the outbox keeps ids, never a
reporter's identity; an anonymous report sends none at all, a confidential one is marked secret.
"""

import hashlib
import json
from datetime import date
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy, override

from satupintu.complaints.lapor.client import PROVIDERS, LaporClient, results, settled, short
from satupintu.complaints.models import LaporFollowup, LaporLink, Report, ReportEvent
from satupintu.integrations.http import Answer
from satupintu.integrations.models import Integration, OutboundCall
from satupintu.integrations.registry import CallFailed, on_done, operation
from satupintu.integrations.services import call_enqueue, integration_for
from satupintu.malls.calendar import in_mall_time
from satupintu.malls.models import Mall

PUSH = "lapor.complaint"
FOLLOWUP = "lapor.followup"
RETURN = "lapor.return"
# The steps sent to LAPOR! as follow-ups: answers and refusals with their text; the changes of
# status with a status line in place of their text (a routing note is internal, a reopening's
# is the reporter's own words, a closing's is empty), so LAPOR! shows where the report is.
STATUS_LINES: dict[str, Promise] = {
    ReportEvent.Kind.ROUTED: gettext_lazy(
        "Status: in progress. The report was verified and sent to %(agency)s."
    ),
    ReportEvent.Kind.REOPENED: gettext_lazy(
        "Status: in progress again. The reporter was not satisfied with the answer; the "
        "agency answers again."
    ),
    ReportEvent.Kind.ESCALATED: gettext_lazy(
        "Status: escalated. The deadline passed; the mall manager follows the report up."
    ),
    ReportEvent.Kind.CLOSED: gettext_lazy("Status: closed."),
}
FOLLOWUP_KINDS = {
    ReportEvent.Kind.ANSWERED,
    ReportEvent.Kind.ANSWERED_ON_BEHALF,
    ReportEvent.Kind.REJECTED,
    *STATUS_LINES,
}


# The malls that sync with LAPOR! (0: the whole deployment does), kept in the shared cache and
# dropped when an integration changes (``forget_lapor_malls``, on its save or delete): a filing
# in a mall without LAPOR!, the usual case, costs no query more.
MALLS_KEY = "integrations:lapor:malls"
MALLS_SECONDS = 60


def _lapor_malls() -> set[int]:
    cached = cache.get(MALLS_KEY)
    if isinstance(cached, list):
        return set(cached)
    active = Integration.objects.filter(
        kind=Integration.Kind.LAPOR, is_active=True, provider__in=PROVIDERS
    ).values_list("mall_id", flat=True)
    malls = {mall_id or 0 for mall_id in active}
    cache.set(MALLS_KEY, sorted(malls), timeout=MALLS_SECONDS)
    return malls


def forget_lapor_malls(**_: object) -> None:
    cache.delete(MALLS_KEY)


def lapor_may_sync(mall: Mall) -> bool:
    """Whether the mall (or the whole deployment) has an SP4N-LAPOR! integration, from the
    cache: no query. False: ``lapor_integration`` is None."""
    malls = _lapor_malls()
    return mall.pk in malls or 0 in malls


def lapor_integration(mall: Mall) -> Integration | None:
    """The mall's active SP4N-LAPOR! integration (else the deployment's), if any."""
    if not lapor_may_sync(mall):
        return None
    integration = integration_for(Integration.Kind.LAPOR, mall=mall)
    if integration is None or integration.provider not in PROVIDERS:
        return None
    return integration


def push_key(report: Report) -> str:
    return f"lapor:complaint:{report.pk}"


def lapor_push_enqueue(*, report: Report) -> OutboundCall | None:
    """Queue ``report`` for SP4N-LAPOR! when its mall syncs with it (in the filing transaction)."""
    integration = lapor_integration(report.mall)
    if integration is None:
        return None
    return call_enqueue(
        integration=integration,
        operation=PUSH,
        payload={"report": report.pk},
        subject=f"report:{report.tracking_id}",
        key=push_key(report),
        retry=False,  # a second POST would file a second complaint
    )


def followup_text(event: ReportEvent) -> str:
    """What LAPOR! is told of ``event``: a status line for a change of status (in the
    deployment's language, LAPOR!'s), the text itself for an answer or a refusal."""
    line = STATUS_LINES.get(event.kind)
    if line is None:
        return event.text
    agency = event.report.agency
    with override(settings.LANGUAGE_CODE):
        return str(line) % {"agency": agency.name if agency is not None else "-"}


def _synced_integration(report: Report) -> Integration | None:
    """The integration ``report`` is synced through: it is in LAPOR! (or being sent there)."""
    integration = lapor_integration(report.mall)
    if integration is None:
        return None
    known = (
        LaporLink.objects.filter(report=report).exists()
        or OutboundCall.objects.filter(key=push_key(report)).exists()
    )
    return integration if known else None  # else filed before the mall turned LAPOR! on


def lapor_followup_enqueue(*, event: ReportEvent) -> OutboundCall | None:
    """Queue a step of a report that is (or is being sent) in SP4N-LAPOR!: an answer, a
    refusal, a change of status (routed, reopened, escalated, closed)."""
    if event.kind not in FOLLOWUP_KINDS or not (event.text or event.kind in STATUS_LINES):
        return None
    report = event.report
    integration = _synced_integration(report)
    if integration is None:
        return None
    return call_enqueue(
        integration=integration,
        operation=FOLLOWUP,
        payload={"event": event.pk},
        subject=f"report:{report.tracking_id}",
        key=f"lapor:followup:{event.pk}",
        retry=False,
    )


def return_institution(integration: Integration, chosen: str = "") -> str:
    """The LAPOR! institution a report the mall cannot handle goes back to: the one the
    coordinator named, else the integration's ``return_institution_id`` (e.g. the LAPOR!
    administrator's, who routes it on); empty when neither is set."""
    return chosen or str(integration.option("return_institution_id") or "")


def lapor_return_enqueue(*, event: ReportEvent, institution: str = "") -> OutboundCall | None:
    """A report refused here (``event``, the refusal): a report LAPOR! forwarded to the mall
    goes back by LAPOR!'s reject call ("not our authority") to ``institution`` (else the
    integration's default); any other synced report is told as a follow-up."""
    report = event.report
    link = LaporLink.objects.filter(report=report).first()
    integration = _synced_integration(report)
    if (
        link is None
        or link.origin != LaporLink.Origin.PULLED
        or integration is None
        or not return_institution(integration, institution)
    ):
        return lapor_followup_enqueue(event=event)
    return call_enqueue(
        integration=integration,
        operation=RETURN,
        payload={"event": event.pk, "institution": institution},
        subject=f"report:{report.tracking_id}",
        key=f"lapor:return:{event.pk}",
        retry=False,  # a second one may move it on from wherever the first sent it
    )


def lapor_link_pulled(*, report: Report, complaint_id: str) -> LaporLink:
    """Link a report received from SP4N-LAPOR! to its complaint there (not pushed back)."""
    return LaporLink.objects.create(
        report=report,
        mall=report.mall,
        complaint_id=complaint_id,
        origin=LaporLink.Origin.PULLED,
    )


def content_key(text: str) -> str:
    """The key of a follow-up sent from here: LAPOR! lists it back among the complaint's
    follow-ups, where its text (not an id: the answer's shape is unknown) recognises it."""
    normal = " ".join(text.split())
    return "c:" + hashlib.sha256(normal.encode()).hexdigest()[:40]


# The wire --------------------------------------------------------------------------------


def _mapped(integration: Integration, table: str, value: str) -> Any:
    mapping = integration.option(table) or {}
    found = mapping.get(value) if isinstance(mapping, dict) else None
    return found if found not in (None, "") else integration.option(f"{table}_default")


def _filed_on(report: Report) -> date:
    return in_mall_time(report.created_at, report.mall).date()


def complaint_body(
    report: Report, integration: Integration, attachments: list[Any]
) -> dict[str, Any]:
    """The body of ``POST /complaints/complaint`` for ``report``."""
    body: dict[str, Any] = {
        "title": report.title,
        "content": report.text,
        "channel": integration.option("channel"),
        "classification_id": _mapped(integration, "classifications", report.kind),
        "category_id": _mapped(integration, "categories", report.category),
        "disposition_id": integration.option("disposition_id"),
        "location_id": integration.option("location_id"),
        "date_of_incident": (report.event_date or _filed_on(report)).isoformat(),
        "is_disposisi_slider": bool(integration.option("disposition_id")),
        "is_anonymous": report.is_anonymous,
        "is_secret": report.is_confidential,
        "tags_raw": f"#{report.tracking_id}",
        "attachments": json.dumps(attachments),
    }
    body = {key: value for key, value in body.items() if value is not None}
    has_identity = not report.is_anonymous and (
        report.reporter_name or report.reporter_email or report.reporter_phone
    )
    body["is_new_user_slider"] = bool(has_identity)
    if has_identity:
        body["nameUser"] = report.reporter_name
        body["emailUser"] = report.reporter_email
        body["phoneUser"] = report.reporter_phone
    return body


def _refused(answer: Answer, what: str) -> CallFailed:
    """A 4xx other than a refused token: LAPOR! will not take it as it is (the mapping or the
    data must change first), so it is not retried; the admin replays it."""
    return CallFailed(
        f"SP4N-LAPOR! refused the {what} (HTTP {answer.status})",
        status_code=answer.status,
        answer=short(answer),
        retry=False,
    )


def _upload(client: LaporClient, report: Report) -> list[Any]:
    files: list[tuple[str, tuple[str | None, bytes]]] = []
    for attachment in report.attachments.all():
        with attachment.file.open("rb") as handle:
            files.append(("attachments[]", (attachment.name or "lampiran", handle.read())))
    if not files:
        return []
    # Sent again after a timeout: an unused upload is harmless, a second report is not.
    answer = settled(lambda: client.request("POST", "/complaints/complaint/file", files=files))
    if answer.status >= 300:
        raise _refused(answer, "attachments")
    docs = results(answer).get("docs")
    ids = [doc["id"] for doc in docs if isinstance(doc, dict) and "id" in doc] if docs else []
    if len(ids) != len(files):
        raise CallFailed("SP4N-LAPOR! kept fewer attachments than sent", answer=short(answer))
    return ids


def _complaint_id(answer: Answer) -> str:
    """``complaint_id`` at the top of the answer (leniently: in ``results`` or its ``data``)."""
    body = answer.json()
    found = body.get("complaint_id") if isinstance(body, dict) else None
    if found in (None, ""):
        inner = results(answer)
        data = inner.get("data")
        found = inner.get("complaint_id") or (data.get("id") if isinstance(data, dict) else None)
    if found in (None, ""):
        raise CallFailed(
            "SP4N-LAPOR! answered without a complaint_id",
            status_code=answer.status,
            answer=short(answer),
            retry=False,
        )
    return str(found)


@operation(PUSH)
def push_send(call: OutboundCall) -> dict[str, Any]:
    report = Report.objects.select_related("mall").filter(pk=call.payload.get("report")).first()
    if report is None:
        raise CallFailed("the report no longer exists", retry=False)
    link = LaporLink.objects.filter(report=report).first()
    if link is not None:
        return {"complaint_id": link.complaint_id}
    client = LaporClient(call.integration)
    attachments = _upload(client, report)
    body = complaint_body(report, call.integration, attachments)
    answer = client.request("POST", "/complaints/complaint", json=body)
    if answer.status >= 300:
        raise _refused(answer, "report")
    return {"complaint_id": _complaint_id(answer), "attachments": attachments}


@on_done(PUSH)
def push_done(call: OutboundCall) -> None:
    report = Report.objects.filter(pk=call.payload.get("report")).first()
    if report is None or LaporLink.objects.filter(report=report).exists():
        return
    try:
        with transaction.atomic():
            LaporLink.objects.create(
                report=report,
                mall_id=report.mall_id,
                complaint_id=str(call.result["complaint_id"]),
                origin=LaporLink.Origin.PUSHED,
            )
    except IntegrityError:
        pass  # linked meanwhile (the same report pulled back): one link stays


@operation(FOLLOWUP)
def followup_send(call: OutboundCall) -> dict[str, Any]:
    event = (
        ReportEvent.objects.select_related("report").filter(pk=call.payload.get("event")).first()
    )
    if event is None:
        raise CallFailed("the report step no longer exists", retry=False)
    link = LaporLink.objects.filter(report=event.report).first()
    if link is None:
        # The report's own push has not gone through yet: this waits for it.
        raise CallFailed("the report is not in SP4N-LAPOR! yet")
    integration = call.integration
    institution = str(integration.option("institution_id") or "")
    fields = {
        "user_id": str(integration.option("user_id") or ""),
        "institution_from_id": institution,
        "institution_to_id": institution,
        "complaint_id": link.complaint_id,
        "info_disposition": "",
        "template_code": _template(integration, event.kind),
        "rating": "",
        "is_secret": "1" if event.report.is_confidential else "0",
        "content": followup_text(event),
    }
    # Multipart, as LAPOR! takes it (fields without a file name).
    parts: list[tuple[str, tuple[str | None, bytes]]] = [
        (name, (None, value.encode())) for name, value in fields.items()
    ]
    answer = LaporClient(integration).request("POST", "/complaints/followup/add", files=parts)
    if answer.status >= 300:
        raise _refused(answer, "follow-up")
    return {"complaint_id": link.complaint_id, "key": content_key(fields["content"])}


@on_done(FOLLOWUP)
def followup_done(call: OutboundCall) -> None:
    event = ReportEvent.objects.filter(pk=call.payload.get("event")).first()
    link = LaporLink.objects.filter(report_id=event.report_id).first() if event else None
    if event is None or link is None:
        return
    LaporFollowup.objects.get_or_create(
        link=link,
        key=str(call.result.get("key") or content_key(followup_text(event))),
        defaults={"direction": LaporFollowup.Direction.OUT, "event": event},
    )


def _template(integration: Integration, kind: str) -> str:
    """The LAPOR! reply template of a step: ``options.templates[kind]``, else
    ``options.reply_template``."""
    templates = integration.option("templates") or {}
    chosen = templates.get(kind) if isinstance(templates, dict) else None
    return str(chosen or integration.option("reply_template") or "")


@operation(RETURN)
def return_send(call: OutboundCall) -> dict[str, Any]:
    """``POST /complaints/process/{id}/reject``: not the mall's authority, to the institution
    ``reason``; the coordinator's reason as ``reason_description``."""
    event = (
        ReportEvent.objects.select_related("report").filter(pk=call.payload.get("event")).first()
    )
    link = LaporLink.objects.filter(report_id=event.report_id).first() if event else None
    if event is None or link is None:
        raise CallFailed("the report or its SP4N-LAPOR! link no longer exists", retry=False)
    institution = return_institution(call.integration, str(call.payload.get("institution") or ""))
    if not institution:
        raise CallFailed("no institution to return the report to", retry=False)
    fields = {
        "is_request": "1",
        "reason": institution,
        "reason_description": event.text,
        "not_authority": "1",
    }
    parts: list[tuple[str, tuple[str | None, bytes]]] = [
        (name, (None, value.encode())) for name, value in fields.items()
    ]
    path = f"/complaints/process/{link.complaint_id}/reject"
    answer = LaporClient(call.integration).request("POST", path, files=parts)
    if answer.status >= 300:
        raise _refused(answer, "return of the report")
    return {"complaint_id": link.complaint_id, "institution": institution}
