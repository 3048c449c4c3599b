"""Gauges read from the database when Prometheus scrapes: the outbox and the webhook backlog.

They are computed by the process answering the scrape, once per scrape, and are never kept in
a process: with many processes (PROMETHEUS_MULTIPROC_DIR) they would otherwise be reported once
per process, each with its own stale value.
"""

import logging
from collections.abc import Iterator
from datetime import datetime

from django.db import DatabaseError
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from satupintu.api.webhooks import deliveries_backlog
from satupintu.notify.models import Channel
from satupintu.notify.selectors import outbox_backlog

logger = logging.getLogger(__name__)


def _age(oldest: datetime | None, now: datetime) -> float:
    return max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0


class BacklogCollector(Collector):
    """Outbox depth and oldest message's age per channel; pending webhook deliveries."""

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "satupintu_backlog_scrape_ok",
            "1 when the database answered the backlog queries of this scrape, else 0.",
        )
        try:
            outbox = outbox_backlog()
            webhooks, webhook_oldest = deliveries_backlog()
        except DatabaseError:
            # The process's own counters are still worth a scrape while the database is down.
            logger.warning("Metrics: the backlog queries failed", exc_info=True)
            up.add_metric([], 0)
            yield up
            return
        now = timezone.now()
        depth = GaugeMetricFamily(
            "satupintu_outbox_messages",
            "Messages not handed over yet (queued, new or for a retry, or being sent), by channel.",
            labels=["channel"],
        )
        age = GaugeMetricFamily(
            "satupintu_outbox_oldest_age_seconds",
            "Age of the oldest message not handed over yet, by channel (0: none waits).",
            labels=["channel"],
        )
        for channel in Channel.values:  # every channel, 0 when none waits: no gap in a graph
            count, oldest = outbox.get(channel, (0, None))
            depth.add_metric([channel], count)
            age.add_metric([channel], _age(oldest, now))
        yield depth
        yield age
        yield GaugeMetricFamily(
            "satupintu_webhook_deliveries_pending",
            "Webhook deliveries not made yet (new, or waiting for a retry).",
            value=webhooks,
        )
        yield GaugeMetricFamily(
            "satupintu_webhook_oldest_pending_age_seconds",
            "Age of the oldest pending webhook delivery (0: none pending).",
            value=_age(webhook_oldest, now),
        )
        up.add_metric([], 1)
        yield up
