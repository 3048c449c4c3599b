"""A filing with nothing else to write is one statement that commits by itself: the year's
counter, the report, its first event and the reporter's message, built ahead with a stand-in
for the tracking ID. All of it or nothing is written, the message shows the real ID, and a
wording that could not show the stand-in as it is takes the number first, in a transaction."""

import re

import pytest
from django.conf import settings
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from satupintu.complaints import services
from satupintu.complaints.lapor.outbox import lapor_integration
from satupintu.complaints.models import Report, ReportCounter, ReportEvent
from satupintu.malls.tests.factories import MallFactory
from satupintu.notify import services as notify
from satupintu.notify.models import Event, Message
from satupintu.notify.tests.factories import MessageTemplateFactory

# Transactional: the statement runs outside any transaction, as in production.
pytestmark = pytest.mark.django_db(transaction=True)

STAND_IN = re.compile(r"LPR-\d{4}-[0-9a-f]{32}")


@pytest.fixture
def mall():
    mall = MallFactory()
    # The mall's own wording (transactional tests may have emptied the default's table).
    MessageTemplateFactory(
        mall=mall,
        event=Event.COMPLAINT_FILED,
        subject="Laporan {{ tracking }} diterima",
        body="Yth. {{ name }}, laporan {{ tracking }}: {{ link }}",
        html_body='<p>Laporan <b>{{ tracking }}</b>: <a href="{{ link }}">{{ link }}</a></p>',
    )
    lapor_integration(mall)  # which malls sync with SP4N-LAPOR!: read once, then cached
    return mall


def _file(mall, **extra):
    body = {
        "mall": mall.slug,
        "kind": "pengaduan",
        "category": "biaya",
        "title": "Pungutan di loket",
        "text": "Petugas meminta uang tambahan untuk KTP-el saya.",
        "email": "warga@example.id",
        **extra,
    }
    with CaptureQueriesContext(connection) as queries:
        answer = APIClient(REMOTE_ADDR="192.0.2.7").post("/api/v1/reports/", body, format="json")
    return answer, [query["sql"] for query in queries.captured_queries]


def _numbering(sqls: list[str]) -> int:
    return next(n for n, sql in enumerate(sqls) if "complaints_reportcounter" in sql)


def _in_a_transaction(sqls: list[str]) -> bool:
    """Whether the numbering statement ran inside BEGIN ... COMMIT (the message's delivery,
    eager in tests, has transactions of its own after it)."""
    return "BEGIN" in sqls[: _numbering(sqls)]


def _texts(message: Message) -> str:
    return " ".join([message.subject, message.body, message.html_body, str(message.context)])


def test_the_statement_writes_the_message_with_the_tracking_id_and_commits_by_itself(mall):
    answer, sqls = _file(mall)
    assert answer.status_code == 201
    tracking_id = answer.json()["tracking_id"]
    numbering = [sql for sql in sqls if "complaints_reportcounter" in sql]
    assert len(numbering) == 1 and "notify_message" in numbering[0]
    assert not _in_a_transaction(sqls)  # it commits by itself
    assert sqls[: _numbering(sqls)] == sqls[:2]  # the mall and the wording only, before it
    report = Report.objects.get(tracking_id=tracking_id)
    assert ReportEvent.objects.filter(report=report, kind=ReportEvent.Kind.FILED).count() == 1
    told = Message.objects.get(event=Event.COMPLAINT_FILED)
    link = f"{settings.SITE_URL}/pengaduan/{tracking_id}/{answer.json()['secret']}/"
    assert told.subject == f"Laporan {tracking_id} diterima"
    assert told.body == f"Yth. Pelapor, laporan {tracking_id}: {link}"
    assert f'<a href="{link}">{link}</a>' in told.html_body
    assert told.context["tracking"] == tracking_id and told.context["link"] == link
    assert not STAND_IN.search(_texts(told))
    assert told.to == "warga@example.id"
    # The follow-up link in the message opens the report.
    assert APIClient().get(link.removeprefix(settings.SITE_URL)).status_code == 200


def test_filings_one_after_another_each_get_their_own_number_in_their_message(mall):
    ids = [_file(mall, email=f"warga{n}@example.id")[0].json()["tracking_id"] for n in range(3)]
    assert [int(i.rsplit("-", 1)[1]) for i in ids] == [1, 2, 3]
    for n, tracking_id in enumerate(ids):
        told = Message.objects.get(to=f"warga{n}@example.id")
        assert told.context["tracking"] == tracking_id and tracking_id in told.body


def test_a_statement_that_fails_writes_nothing_and_gives_the_number_back(mall, monkeypatch):
    prepare = notify.message_prepare

    def broken(**kwargs):
        prepared = prepare(**kwargs)
        prepared.message.channel = "x" * 40  # longer than the column: the insert fails
        return prepared

    monkeypatch.setattr(services, "message_prepare", broken)
    with pytest.raises(DatabaseError):
        _file(mall)
    assert not Report.objects.exists() and not ReportEvent.objects.exists()
    assert not Message.objects.exists()
    assert list(ReportCounter.objects.values_list("last", flat=True)) in ([], [0])
    monkeypatch.undo()
    answer, _sqls = _file(mall)
    assert answer.json()["tracking_id"].endswith("-000001")  # no gap left by the failure


def test_a_wording_with_a_filter_is_filled_once_the_number_is_taken(mall):
    from satupintu.notify.models import MessageTemplate

    MessageTemplate.objects.filter(mall=mall).update(
        subject="{{ tracking|lower }}", body="Laporan {{ tracking|lower }}", html_body=""
    )
    answer, sqls = _file(mall)
    tracking_id = answer.json()["tracking_id"]
    # Taken first, the message written after it in the same transaction.
    assert _in_a_transaction(sqls)
    after = sqls[_numbering(sqls) :]
    assert "notify_message" in after[1] and after[2] == "COMMIT", after[:3]
    told = Message.objects.get(event=Event.COMPLAINT_FILED)
    assert told.subject == tracking_id.lower() and told.body == f"Laporan {tracking_id.lower()}"
    assert not STAND_IN.search(_texts(told))


def test_with_the_broker_down_the_filing_and_its_message_are_kept(mall, caplog):
    from satupintu.celery import app

    before = (app.conf.broker_url, app.conf.task_always_eager)
    app.conf.broker_url, app.conf.task_always_eager = "redis://127.0.0.1:1/0", False
    app._pool = None
    app.amqp._producer_pool = None
    notify._flag_stores.clear()
    try:
        answer, _sqls = _file(mall)
    finally:
        app.conf.broker_url, app.conf.task_always_eager = before
        app._pool = None
        app.amqp._producer_pool = None
        notify._flag_stores.clear()
    assert answer.status_code == 201
    assert "the sweep will queue delivery" in caplog.text
    report = Report.objects.get(tracking_id=answer.json()["tracking_id"])
    told = Message.objects.get(event=Event.COMPLAINT_FILED)
    assert told.status == Message.Status.QUEUED and report.tracking_id in told.body


def test_a_filing_with_evidence_is_written_in_one_transaction(mall):
    from satupintu.cases.tests.files import png

    answer = APIClient(REMOTE_ADDR="192.0.2.8")
    with CaptureQueriesContext(connection) as queries:
        filed = answer.post(
            "/api/v1/reports/",
            {
                "mall": mall.slug,
                "kind": "pengaduan",
                "category": "biaya",
                "title": "Pungutan di loket",
                "text": "Petugas meminta uang tambahan untuk KTP-el saya.",
                "email": "warga@example.id",
                "attachments": [png("bukti.png")],
            },
            format="multipart",
        )
    assert filed.status_code == 201, filed.content
    sqls = [query["sql"] for query in queries.captured_queries]
    attached = next(n for n, sql in enumerate(sqls) if "complaints_reportattachment" in sql)
    assert _in_a_transaction(sqls) and "COMMIT" not in sqls[_numbering(sqls) : attached]
    report = Report.objects.get(tracking_id=filed.json()["tracking_id"])
    assert report.attachments.count() == 1
    assert report.tracking_id in Message.objects.get(event=Event.COMPLAINT_FILED).body
