"""Visits: each mall's visit policy, agency hours and days off, slots with their capacity, and
bookings."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from satupintu.catalog.models import Service
from satupintu.malls.models import Agency, Counter, Mall, OpeningHours


class VisitPolicy(models.Model):
    """How many people a mall lets in and how far ahead they may book."""

    mall = models.OneToOneField(Mall, on_delete=models.CASCADE, related_name="visit_policy")
    waiting_room_seats = models.PositiveIntegerField(
        _("waiting room seats"), default=60, help_text=_("Seats in the hall in normal times.")
    )
    distancing_factor = models.DecimalField(
        _("distancing factor"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.50"),
        validators=[MinValueValidator(Decimal("0.05")), MaxValueValidator(Decimal("1"))],
        help_text=_("Share of the seats usable at once; 0.50 keeps every other seat empty."),
    )
    days_ahead = models.PositiveSmallIntegerField(
        _("booking opens (days ahead)"), default=14, validators=[MinValueValidator(1)]
    )
    cutoff_minutes = models.PositiveSmallIntegerField(
        _("booking, change and cancel close (minutes before)"), default=60
    )
    walk_in_percent = models.PositiveSmallIntegerField(
        _("kept for walk-ins (%)"), default=20, validators=[MaxValueValidator(90)]
    )
    priority_percent = models.PositiveSmallIntegerField(
        _("of bookable places kept for priority visitors (%)"),
        default=10,
        validators=[MaxValueValidator(50)],
        help_text=_("The elderly, people with disabilities, pregnant women."),
    )

    class Meta:
        verbose_name = _("visit policy")
        verbose_name_plural = _("visit policies")

    def __str__(self) -> str:
        return str(self.mall)


class ServiceVisit(models.Model):
    """How long a visit for one service takes; services without a row use the defaults."""

    service = models.OneToOneField(Service, on_delete=models.CASCADE, related_name="visit")
    slot_minutes = models.PositiveSmallIntegerField(
        _("slot length (minutes)"), default=30, validators=[MinValueValidator(5)]
    )
    minutes_per_visitor = models.PositiveSmallIntegerField(
        _("minutes per visitor at a counter"), default=15, validators=[MinValueValidator(1)]
    )

    class Meta:
        verbose_name = _("visit length")
        verbose_name_plural = _("visit lengths")

    def __str__(self) -> str:
        return str(self.service)


class AgencyHours(models.Model):
    """An agency's own hours on a day of the week; an agency without rows keeps the mall's."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField(_("day"), choices=OpeningHours.Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        verbose_name = _("agency hours")
        verbose_name_plural = _("agency hours")
        ordering = ["agency", "weekday"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "weekday"], name="agency_hours_unique"),
            models.CheckConstraint(condition=Q(opens__lt=F("closes")), name="agency_hours_order"),
        ]

    def __str__(self) -> str:
        return f"{self.agency} {self.get_weekday_display()}"


class DayOff(models.Model):
    """A local day off or a day with other hours, for the whole mall or one agency.

    National holidays and cuti bersama need no row: they come from the ``holidays`` package.
    """

    mall = models.ForeignKey(Mall, on_delete=models.CASCADE, related_name="days_off")
    agency = models.ForeignKey(
        Agency,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="days_off",
        help_text=_("Empty: the whole mall."),
    )
    date = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=200)
    opens = models.TimeField(_("opens"), null=True, blank=True, help_text=_("Empty: closed."))
    closes = models.TimeField(_("closes"), null=True, blank=True)

    class Meta:
        verbose_name = _("day off or special hours")
        verbose_name_plural = _("days off and special hours")
        ordering = ["mall", "date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(opens__isnull=True, closes__isnull=True)
                | Q(opens__isnull=False, closes__isnull=False, opens__lt=F("closes")),
                name="day_off_hours",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.reason}"


class Closure(models.Model):
    """A decree that closes a mall (or some of its agencies) for a range of days, or restricts
    its hours then. Saving it moves every booking it touches; the counts are its report."""

    class Kind(models.TextChoices):
        CLOSED = "closed", _("Closed")
        RESTRICTED = "restricted", _("Restricted hours")

    mall = models.ForeignKey(
        Mall, on_delete=models.CASCADE, related_name="closures", verbose_name=_("mall")
    )
    agencies = models.ManyToManyField(
        Agency,
        blank=True,
        related_name="closures",
        verbose_name=_("agencies"),
        help_text=_("None: the whole mall."),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    decree_number = models.CharField(_("decree number"), max_length=100)
    reason = models.CharField(_("reason"), max_length=300)
    reason_en = models.CharField(
        _("reason (English)"),
        max_length=300,
        blank=True,
        help_text=_("Empty: English readers see the reason as written."),
    )
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    opens = models.TimeField(_("opens"), null=True, blank=True, help_text=_("Restricted only."))
    closes = models.TimeField(_("closes"), null=True, blank=True)
    reopened_on = models.DateField(
        _("reopened on"), null=True, blank=True, help_text=_("Set when the mall reopens early.")
    )
    announcement = models.ForeignKey(
        "malls.Announcement",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("announcement"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    applied_at = models.DateTimeField(_("bookings moved at"), null=True, blank=True)
    affected = models.PositiveIntegerField(_("bookings affected"), default=0)
    moved = models.PositiveIntegerField(_("moved"), default=0)
    released = models.PositiveIntegerField(_("released"), default=0)
    notified = models.PositiveIntegerField(_("holders told"), default=0)

    class Meta:
        verbose_name = _("closure or restricted hours")
        verbose_name_plural = _("closures and restricted hours")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="closure_range_order"
            ),
            models.CheckConstraint(
                condition=Q(kind="closed", opens__isnull=True, closes__isnull=True)
                | Q(
                    kind="restricted",
                    opens__isnull=False,
                    closes__isnull=False,
                    opens__lt=F("closes"),
                ),
                name="closure_hours_by_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.decree_number} ({self.starts_on} – {self.ends_on})"


class Slot(models.Model):
    """A time window for one service, with the places bookable online.

    ``capacity`` excludes what is kept for walk-ins; ``priority_capacity`` of it is kept for
    priority visitors. ``booked`` only changes through conditional updates, and the database
    refuses it above ``capacity``.
    """

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="slots")
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    capacity = models.PositiveIntegerField(_("places bookable"))
    priority_capacity = models.PositiveIntegerField(_("of which for priority visitors"))
    walk_in_places = models.PositiveIntegerField(_("places kept for walk-ins"))
    booked = models.PositiveIntegerField(_("booked"), default=0)
    priority_booked = models.PositiveIntegerField(_("booked by priority visitors"), default=0)

    class Meta:
        verbose_name = _("slot")
        verbose_name_plural = _("slots")
        ordering = ["service", "start"]
        constraints = [
            models.UniqueConstraint(fields=["service", "start"], name="slot_unique"),
            models.CheckConstraint(condition=Q(booked__lte=F("capacity")), name="slot_not_over"),
            models.CheckConstraint(
                condition=Q(priority_booked__lte=F("booked")), name="slot_priority_within"
            ),
            models.CheckConstraint(
                condition=Q(priority_capacity__lte=F("capacity")), name="slot_priority_share"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service} {self.start:%Y-%m-%d %H:%M}"

    @property
    def available(self) -> int:
        return self.capacity - self.booked


class Booking(models.Model):
    """A citizen's place in a slot."""

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        PROPOSED = "proposed", _("Moved, waiting for your answer")
        CANCELLED = "cancelled", _("Cancelled")
        RELEASED = "released", _("Released by a closure")
        CHECKED_IN = "checked_in", _("Checked in")
        SERVED = "served", _("Served")
        NO_SHOW = "no_show", _("Did not come")

    ACTIVE = (Status.CONFIRMED, Status.PROPOSED, Status.CHECKED_IN)

    class Priority(models.TextChoices):
        ELDERLY = "elderly", _("Elderly (60 or older)")
        DISABILITY = "disability", _("Person with a disability")
        PREGNANT = "pregnant", _("Pregnant")

    code = models.CharField(_("booking code"), max_length=12, unique=True)
    citizen = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bookings"
    )
    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="bookings")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="bookings")
    date = models.DateField(_("date"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.CONFIRMED
    )
    priority = models.CharField(_("priority"), max_length=12, choices=Priority.choices, blank=True)
    idempotency_key = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(_("booked at"), auto_now_add=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    closure = models.ForeignKey(
        Closure, on_delete=models.SET_NULL, null=True, blank=True, related_name="bookings"
    )
    moved_from = models.ForeignKey(
        Slot, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sequence = models.PositiveIntegerField(
        _("calendar revision"),
        default=0,
        help_text=_("The SEQUENCE of its calendar file: one more at each move or cancellation."),
    )

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering = ["slot__start", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["citizen", "service", "date"],
                condition=Q(status__in=["confirmed", "proposed", "checked_in"]),
                name="booking_one_per_service_day",
            ),
            models.UniqueConstraint(
                fields=["citizen", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="booking_idempotency_key",
            ),
        ]
        indexes = [
            models.Index(fields=["slot", "status"]),
            # The statistics count a range of days (stats.metrics).
            models.Index(fields=["date"], name="booking_date"),
        ]

    def __str__(self) -> str:
        return self.code


class Ticket(models.Model):
    """A place in an agency's queue on the day: a checked-in booking or a walk-in."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        CALLED = "called", _("Called")
        SERVED = "served", _("Served")
        NO_SHOW = "no_show", _("Did not come")

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="tickets")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="tickets")
    booking = models.OneToOneField(
        Booking, on_delete=models.PROTECT, null=True, blank=True, related_name="ticket"
    )
    date = models.DateField(_("date"))
    number = models.PositiveIntegerField(_("number"))
    label = models.CharField(_("ticket"), max_length=10, help_text=_("As called, e.g. B-017."))
    priority = models.BooleanField(_("priority"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.WAITING
    )
    counter = models.ForeignKey(
        Counter, on_delete=models.SET_NULL, null=True, blank=True, related_name="tickets"
    )
    created_at = models.DateTimeField(_("queued at"), auto_now_add=True)
    called_at = models.DateTimeField(_("called at"), null=True, blank=True)
    calls = models.PositiveSmallIntegerField(_("times called"), default=0)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("queue ticket")
        verbose_name_plural = _("queue tickets")
        ordering = ["date", "agency", "number"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "date", "number"], name="ticket_number"),
        ]
        indexes = [
            models.Index(fields=["agency", "date", "status", "-priority", "created_at"]),
            models.Index(fields=["date"], name="ticket_date"),
        ]

    def __str__(self) -> str:
        return self.label


class TicketSequence(models.Model):
    """The last ticket number an agency gave out on a day (one row, updated in place)."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "date"], name="ticket_sequence_day"),
        ]

    def __str__(self) -> str:
        return f"{self.agency} {self.date}: {self.last}"


# A type statement, read lazily: Django's fields are not subscriptable at run time.
type _Text = models.CharField[str, str]


def _status_fields(
    status: type[models.TextChoices], reason: type[models.TextChoices], *, max_length: int
) -> tuple[_Text, _Text, _Text]:
    """A status event's status before and after (in the row's own choices) and its reason."""
    return (
        models.CharField(
            _("status before"), max_length=max_length, choices=status.choices, blank=True
        ),
        models.CharField(_("status after"), max_length=max_length, choices=status.choices),
        models.CharField(_("reason"), max_length=20, choices=reason.choices),
    )


class StatusEvent(models.Model):
    """One change of a row's status: who made it, when, and the status before and after.

    A concrete event adds the row it is about and, through ``_status_fields``, its statuses and
    reasons. Written only by ``booking.services.history.status_change`` (and the closure's bulk
    move), never edited.
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["at", "pk"]


class BookingEvent(StatusEvent):
    """One change of a booking, written by ``booking_change``."""

    class Reason(models.TextChoices):
        BOOKED = "booked", _("Booked")
        CANCELLED = "cancelled", _("Cancelled by the citizen")
        ACCOUNT_CLOSED = "account_closed", _("Cancelled: account closed")
        RESCHEDULED = "rescheduled", _("Moved to another time")
        ACCEPTED = "accepted", _("Proposed time accepted")
        REMINDED = "reminded", _("Reminder sent")
        CLOSURE_MOVED = "closure_moved", _("Moved by a closure")
        CLOSURE_RELEASED = "closure_released", _("Released by a closure")
        CHECKED_IN = "checked_in", _("Checked in")
        SERVED = "served", _("Served")
        NO_SHOW = "no_show", _("Did not come")

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="events")
    from_status, to_status, reason = _status_fields(Booking.Status, Reason, max_length=12)

    class Meta(StatusEvent.Meta):
        verbose_name = _("booking change")
        verbose_name_plural = _("booking changes")

    def __str__(self) -> str:
        return f"{self.booking_id}: {self.from_status} → {self.to_status}"


class TicketEvent(StatusEvent):
    """One change of a queue ticket, written by ``ticket_change``."""

    class Reason(models.TextChoices):
        ISSUED = "issued", _("Issued")
        CALLED = "called", _("Called")
        RECALLED = "recalled", _("Called again")
        SERVED = "served", _("Served")
        NO_SHOW = "no_show", _("Did not come")
        TRANSFERRED = "transferred", _("Sent to another agency")
        REQUEUED = "requeued", _("Back to the queue")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    from_status, to_status, reason = _status_fields(Ticket.Status, Reason, max_length=10)

    class Meta(StatusEvent.Meta):
        verbose_name = _("ticket change")
        verbose_name_plural = _("ticket changes")

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.from_status} → {self.to_status}"
