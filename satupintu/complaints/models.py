"""Reports as SP4N-LAPOR! defines them (pengaduan, aspirasi, permintaan informasi), their
thread of events, and their attachments."""

from django.conf import settings
from django.core.files.storage import Storage
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from satupintu.cases.models import Application
from satupintu.catalog.models import Service
from satupintu.malls.models import Agency, Mall
from satupintu.storage import private


class Report(models.Model):
    class Kind(models.TextChoices):
        COMPLAINT = "pengaduan", _("Complaint")
        ASPIRATION = "aspirasi", _("Aspiration")
        INFORMATION = "informasi", _("Request for information")

    class Category(models.TextChoices):
        SERVICE = "layanan", _("Service quality")
        STAFF = "petugas", _("Staff conduct")
        FEES = "biaya", _("Fees or illegal charges")
        TIME = "waktu", _("Time taken")
        FACILITIES = "sarana", _("Facilities")
        INFORMATION = "informasi", _("Information")
        OTHER = "lainnya", _("Other")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Waiting for verification")
        ROUTED = "routed", _("With the agency")
        ANSWERED = "answered", _("Answered")
        CLOSED = "closed", _("Closed")
        REJECTED = "rejected", _("Not followed up")

    class DeadlineClass(models.IntegerChoices):
        """Working days the agency has to answer, by the report's class."""

        LIGHT = 2, _("Light (2 working days)")
        NORMATIVE = 5, _("Normative (5 working days)")
        NON_SUPERVISORY = 14, _("Non-supervisory (14 working days)")
        SUPERVISORY = 60, _("Supervisory (60 working days)")

    tracking_id = models.CharField(_("tracking ID"), max_length=20, unique=True)
    secret_hash = models.CharField(max_length=64, help_text=_("SHA-256 of the follow-up secret."))
    mall = models.ForeignKey(Mall, on_delete=models.PROTECT, related_name="reports")
    kind = models.CharField(_("type"), max_length=12, choices=Kind.choices)
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    title = models.CharField(_("title"), max_length=150)
    text = models.TextField(_("report"), max_length=4000)
    event_date = models.DateField(_("date of the event"), null=True, blank=True)
    location = models.CharField(_("location"), max_length=200, blank=True)
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="reports"
    )
    service = models.ForeignKey(
        Service, on_delete=models.SET_NULL, null=True, blank=True, related_name="reports"
    )
    is_anonymous = models.BooleanField(_("anonymous"), default=False)
    is_confidential = models.BooleanField(_("confidential"), default=False)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
    )
    reporter_name = models.CharField(_("name"), max_length=150, blank=True)
    reporter_email = models.EmailField(_("email"), blank=True)
    reporter_phone = models.CharField(_("phone"), max_length=20, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SUBMITTED
    )
    deadline_class = models.PositiveSmallIntegerField(
        _("class"), choices=DeadlineClass.choices, default=DeadlineClass.NORMATIVE
    )
    verify_due = models.DateField(_("verify and route by"))
    answer_due = models.DateField(_("answer by"), null=True, blank=True)
    close_due = models.DateField(_("closes by itself on"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    rating = models.PositiveSmallIntegerField(
        _("rating"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    created_at = models.DateTimeField(_("filed"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # The filing client's Idempotency-Key, and whose it is (a hash of the client): the same
    # key from the same client files one report.
    idempotency_key = models.CharField(max_length=100, blank=True, editable=False)
    idempotency_scope = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-created_at"]
        constraints = [
            # An anonymous report keeps no identity at all.
            models.CheckConstraint(
                condition=Q(is_anonymous=False)
                | Q(
                    reporter__isnull=True,
                    reporter_name="",
                    reporter_email="",
                    reporter_phone="",
                ),
                name="report_anonymous_has_no_identity",
            ),
            models.UniqueConstraint(
                fields=["idempotency_scope", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="report_idempotency_key",
            ),
        ]
        indexes = [
            models.Index(fields=["mall", "status", "answer_due"]),
            # The statistics count a range of days (stats.metrics).
            models.Index(fields=["created_at"], name="report_created_at"),
            models.Index(fields=["escalated_at"], name="report_escalated_at"),
        ]

    def __str__(self) -> str:
        return self.tracking_id


class ReportCounter(models.Model):
    """How many reports were filed in a year, across all malls (the year on the filing mall's
    clock): the sequence of ``LPR-{year}-{seq:06d}``, raised by one in the filing transaction
    and locked by it until it ends, so two filings never take the same number and none retries."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("report counter")
        verbose_name_plural = _("report counters")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class ReportEvent(models.Model):
    """One step of a report: filed, routed, answered, a reply, a rating, reopened, closed."""

    class Kind(models.TextChoices):
        FILED = "filed", _("Filed")
        ROUTED = "routed", _("Verified and routed")
        REJECTED = "rejected", _("Not followed up")
        ANSWERED = "answered", _("Answered")
        ANSWERED_ON_BEHALF = "on_behalf", _("Answered by the coordinator for the agency")
        REPLIED = "replied", _("Reporter replied")
        RATED = "rated", _("Reporter rated the answer")
        REOPENED = "reopened", _("Reopened")
        CLOSED = "closed", _("Closed")
        ESCALATED = "escalated", _("Escalated to the mall manager")
        LAPOR = "lapor", _("Follow-up in SP4N-LAPOR!")

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("step"), max_length=10, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    text = models.TextField(_("text"), max_length=4000, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("report step")
        verbose_name_plural = _("report steps")
        ordering = ["report", "created_at", "pk"]
        # The statistics count the answers and ratings of a range of days (stats.metrics).
        indexes = [models.Index(fields=["kind", "created_at"], name="report_event_kind_at")]

    def __str__(self) -> str:
        return f"{self.report} {self.kind}"


class LaporLink(models.Model):
    """A report's twin in SP4N-LAPOR!: the complaint it was pushed as, or the one it was pulled
    from (a report forwarded to the mall there). One per report, one per complaint and mall."""

    class Origin(models.TextChoices):
        PUSHED = "pushed", _("Sent to SP4N-LAPOR!")
        PULLED = "pulled", _("Received from SP4N-LAPOR!")

    report = models.OneToOneField(Report, on_delete=models.CASCADE, related_name="lapor")
    mall = models.ForeignKey(Mall, on_delete=models.CASCADE, related_name="+")
    complaint_id = models.CharField(_("SP4N-LAPOR! complaint ID"), max_length=40)
    origin = models.CharField(_("origin"), max_length=6, choices=Origin.choices)
    followups_pulled_at = models.DateTimeField(_("follow-ups read"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("SP4N-LAPOR! link")
        verbose_name_plural = _("SP4N-LAPOR! links")
        constraints = [
            models.UniqueConstraint(fields=["mall", "complaint_id"], name="lapor_link_once"),
        ]

    def __str__(self) -> str:
        return f"{self.report_id} = LAPOR! {self.complaint_id}"


class LaporFollowup(models.Model):
    """A follow-up seen in SP4N-LAPOR! (read there: recorded as a report step) or sent there
    (a staff answer): the key makes each read once however often the job pulls."""

    class Direction(models.TextChoices):
        IN = "in", _("Read from SP4N-LAPOR!")
        OUT = "out", _("Sent to SP4N-LAPOR!")

    link = models.ForeignKey(LaporLink, on_delete=models.CASCADE, related_name="followups")
    key = models.CharField(max_length=80)
    direction = models.CharField(max_length=3, choices=Direction.choices)
    event = models.OneToOneField(
        ReportEvent, on_delete=models.SET_NULL, null=True, blank=True, related_name="lapor"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("SP4N-LAPOR! follow-up")
        verbose_name_plural = _("SP4N-LAPOR! follow-ups")
        constraints = [
            models.UniqueConstraint(fields=["link", "key"], name="lapor_followup_once"),
        ]

    def __str__(self) -> str:
        return f"{self.link_id} {self.direction} {self.key}"


def private_storage() -> Storage:
    """Evidence is not public: it lives outside MEDIA_ROOT and is served only to those who
    may read the report."""
    return private


class ReportAttachment(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to="pengaduan/%Y/%m/", storage=private_storage)
    name = models.CharField(_("file name"), max_length=200)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name


class Consultation(models.Model):
    """A citizen's question about a service: a thread with the agency, maybe a video call."""

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for an answer")
        ANSWERED = "answered", _("Answered")
        CLOSED = "closed", _("Closed")

    citizen = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="consultations"
    )
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="consultations")
    subject = models.CharField(_("subject"), max_length=150)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    meeting_url = models.URLField(_("video call link"), blank=True)
    meeting_at = models.DateTimeField(_("video call at"), null=True, blank=True)
    report = models.OneToOneField(
        Report, on_delete=models.SET_NULL, null=True, blank=True, related_name="consultation"
    )
    application = models.OneToOneField(
        Application,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="consultation",
        verbose_name=_("application"),
    )
    created_at = models.DateTimeField(_("asked"), auto_now_add=True)

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.subject


class ConsultationMessage(models.Model):
    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="messages"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    from_staff = models.BooleanField(default=False)
    text = models.TextField(_("text"), max_length=4000)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["consultation", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.consultation} #{self.pk}"


class FrequentAnswer(models.Model):
    """A question and answer published on a service's page (often from a consultation)."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="faqs")
    question = models.CharField(_("question"), max_length=300)
    answer = models.TextField(_("answer"), max_length=4000)
    is_published = models.BooleanField(_("published"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("frequently asked question")
        verbose_name_plural = _("frequently asked questions")
        ordering = ["service", "created_at"]

    def __str__(self) -> str:
        return self.question
