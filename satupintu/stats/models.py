"""The rollup (count) tables the dashboards read, as Zulip's analytics keeps its RealmCount:
one row per mall-local day, mall, agency, service, channel and raw metric (``metrics.py``),
filled by the ``stats.rollup`` job and ``manage.py stats_backfill``; never a person in them."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from satupintu.malls.models import Mall


class _Keyed(models.Model):
    """The key of a count: its day (the mall's local date), mall, agency, service and channel.
    ``agency_id`` and ``service_id`` are plain ids, 0 for none (a report not yet routed to an
    agency): a unique key on nullable columns would not hold on every database, and an upsert
    needs one. A count outlives the agency or service it was about."""

    day = models.DateField(_("day"))
    mall = models.ForeignKey(Mall, on_delete=models.CASCADE, related_name="+")
    agency_id = models.PositiveIntegerField(_("agency"), default=0)
    service_id = models.PositiveIntegerField(_("service"), default=0)
    channel = models.CharField(_("channel"), max_length=12, blank=True)
    value = models.BigIntegerField(_("value"))
    # When the rollup last wrote the row: a rerun deletes the rows of its days it did not write.
    rolled_up_at = models.DateTimeField()

    class Meta:
        abstract = True


class DailyCount(_Keyed):
    """One raw metric (a count, or a sum of seconds, scores or working days) of one key."""

    metric = models.CharField(_("metric"), max_length=48)

    class Meta:
        verbose_name = _("daily count")
        verbose_name_plural = _("daily counts")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "mall", "agency_id", "service_id", "channel", "metric"],
                name="stats_daily_count_key",
            )
        ]
        indexes = [
            models.Index(fields=["mall", "day"], name="stats_daily_mall_day"),
            models.Index(fields=["day", "metric"], name="stats_daily_day_metric"),
            models.Index(fields=["agency_id", "day"], name="stats_daily_agency_day"),
            models.Index(fields=["service_id", "day"], name="stats_daily_service_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.mall_id}/{self.agency_id}/{self.service_id} {self.metric}"


class DurationCount(_Keyed):
    """How many waits (check-in or ticket to the first call) or services (call to done) of one
    key lasted a bucket's length: ``bucket`` n holds n to n+1 minutes (the last, 8 hours, all
    longer ones), so a 90th percentile read from these is exact to the minute."""

    class Kind(models.TextChoices):
        WAIT = "wait", _("Waiting")
        SERVE = "serve", _("Serving")

    kind = models.CharField(_("kind"), max_length=5, choices=Kind.choices)
    bucket = models.PositiveSmallIntegerField(_("minute"))

    class Meta:
        verbose_name = _("duration count")
        verbose_name_plural = _("duration counts")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "mall", "agency_id", "service_id", "channel", "kind", "bucket"],
                name="stats_duration_count_key",
            )
        ]
        indexes = [models.Index(fields=["mall", "day"], name="stats_duration_mall_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.mall_id} {self.kind} {self.bucket}: {self.value}"


class _MallKeyed(models.Model):
    """The key of a mall-wide count: a day, or a calendar month (``day`` its first day), the
    mall and the channel: the sum of the agency and service counts of those days, so that a
    mall's or every mall's figures read a few rows per day or month, not one per service."""

    class Span(models.TextChoices):
        DAY = "day", _("Day")
        MONTH = "month", _("Month")

    span = models.CharField(_("span"), max_length=5, choices=Span.choices)
    day = models.DateField(_("day"))
    mall = models.ForeignKey(Mall, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(_("channel"), max_length=12, blank=True)
    value = models.BigIntegerField(_("value"))
    rolled_up_at = models.DateTimeField()

    class Meta:
        abstract = True


class MallCount(_MallKeyed):
    metric = models.CharField(_("metric"), max_length=48)

    class Meta:
        verbose_name = _("mall count")
        verbose_name_plural = _("mall counts")
        constraints = [
            models.UniqueConstraint(
                fields=["span", "day", "mall", "channel", "metric"], name="stats_mall_count_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.span} {self.day} {self.mall_id} {self.metric}"


class MallDurationCount(_MallKeyed):
    kind = models.CharField(_("kind"), max_length=5, choices=DurationCount.Kind.choices)
    bucket = models.PositiveSmallIntegerField(_("minute"))

    class Meta:
        verbose_name = _("mall duration count")
        verbose_name_plural = _("mall duration counts")
        constraints = [
            models.UniqueConstraint(
                fields=["span", "day", "mall", "channel", "kind", "bucket"],
                name="stats_mall_duration_count_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.span} {self.day} {self.mall_id} {self.kind} {self.bucket}"
