"""Online applications (permohonan) and their workflow, configured per service as data."""

from django.conf import settings
from django.core.files.storage import Storage
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from satupintu.catalog.models import Requirement, Service
from satupintu.malls.models import Agency, StaffMembership
from satupintu.storage import private


def private_storage() -> Storage:
    """Applications' documents are not public: served only to the applicant and the agency."""
    return private


class Step(models.TextChoices):
    """The steps of a permit as SiCantik runs them."""

    DOCUMENT_CHECK = "pemeriksaan_berkas", _("Document check")
    VERIFICATION = "verifikasi", _("Verification")
    FIELD_SURVEY = "survei_lapangan", _("Field survey")
    TECHNICAL_RECOMMENDATION = "rekomendasi_teknis", _("Technical recommendation")
    DECISION = "penetapan", _("Decision")
    ISSUANCE = "penerbitan", _("Issuance")


DEFAULT_WORKFLOW = [
    (Step.DOCUMENT_CHECK, StaffMembership.Role.FRONT_OFFICE),
    (Step.VERIFICATION, StaffMembership.Role.VERIFIER),
    (Step.FIELD_SURVEY, StaffMembership.Role.TECHNICAL_TEAM),
    (Step.TECHNICAL_RECOMMENDATION, StaffMembership.Role.TECHNICAL_TEAM),
    (Step.DECISION, StaffMembership.Role.APPROVER),
    (Step.ISSUANCE, StaffMembership.Role.FRONT_OFFICE),
]


class WorkflowStep(models.Model):
    """One step of a service's workflow and the role that acts at it. A service without rows
    follows DEFAULT_WORKFLOW; rows let it skip steps or give them to other roles."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="workflow")
    order = models.PositiveSmallIntegerField(_("order"))
    step = models.CharField(_("step"), max_length=20, choices=Step.choices)
    role = models.CharField(_("role"), max_length=20, choices=StaffMembership.Role.choices)

    class Meta:
        verbose_name = _("workflow step")
        verbose_name_plural = _("workflow steps")
        ordering = ["service", "order"]
        constraints = [
            models.UniqueConstraint(fields=["service", "step"], name="workflow_step_once"),
            models.UniqueConstraint(fields=["service", "order"], name="workflow_step_order"),
        ]

    def __str__(self) -> str:
        return f"{self.service} {self.order}. {self.get_step_display()}"


class WorkflowPolicy(models.Model):
    """How a service's cases are worked beyond their steps. A service without a row keeps the
    defaults: duties separated."""

    service = models.OneToOneField(
        Service, on_delete=models.CASCADE, related_name="workflow_policy"
    )
    separate_duties = models.BooleanField(
        _("separate duties"),
        default=True,
        help_text=_(
            "The officer who filed a case for a walk-in applicant, or forwarded it at the "
            "document check or verification, cannot approve it at the decision step."
        ),
    )

    class Meta:
        verbose_name = _("workflow policy")
        verbose_name_plural = _("workflow policies")

    def __str__(self) -> str:
        return str(self.service)


class WorkflowChange(models.Model):
    """Every change of a service's workflow: who, when, what, and the values before and after."""

    class Action(models.TextChoices):
        ADDED = "added", _("Step added")
        CHANGED = "changed", _("Step changed")
        REMOVED = "removed", _("Step removed")
        POLICY = "policy", _("Policy changed")

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="workflow_changes")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("by"),
    )
    action = models.CharField(_("what"), max_length=10, choices=Action.choices)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("workflow change")
        verbose_name_plural = _("workflow changes")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["service", "at"])]

    def __str__(self) -> str:
        return f"{self.service} {self.get_action_display()} {self.at:%Y-%m-%d %H:%M}"


class Application(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_PROGRESS = "in_progress", _("In progress")
        REVISION = "revision", _("Returned for revision")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")
        DONE = "done", _("Done")

    tracking_number = models.CharField(_("tracking number"), max_length=20, unique=True)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="applications")
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="applications"
    )
    nib = models.CharField(_("NIB"), max_length=13, blank=True)
    form_data = models.JSONField(_("form"), default=dict)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    step = models.CharField(_("step"), max_length=20, choices=Step.choices, blank=True)
    version = models.PositiveIntegerField(default=0, help_text=_("Raised by every transition."))
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    due_date = models.DateField(_("due"), null=True, blank=True)
    paused_on = models.DateField(_("clock paused since"), null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_applications",
        verbose_name=_("assignee"),
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The officer who filed it for a walk-in applicant."),
    )
    external_ref = models.CharField(
        max_length=120,
        blank=True,
        help_text=_("The pushing system's key and its Idempotency-Key: one case per push."),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["service", "status", "due_date"])]
        constraints = [
            models.UniqueConstraint(
                fields=["external_ref"],
                condition=~Q(external_ref=""),
                name="application_push_once",
            )
        ]

    def __str__(self) -> str:
        return self.tracking_number


class Transition(models.Model):
    """Every change of an application: who, when, from, to, why."""

    ACTIONS = {
        "submit": _("submitted"),
        "forward": _("forwarded"),
        "return": _("returned for revision"),
        "resubmit": _("sent back fixed"),
        "reject": _("rejected"),
        "cancel": _("cancelled"),
        "revoke": _("document revoked"),
    }
    # The notes the applicant reads; a forward's note is the officers' own.
    TOLD_TO_APPLICANT = ("return", "reject", "revoke", "cancel")

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="transitions"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=12)
    from_status = models.CharField(max_length=12)
    to_status = models.CharField(max_length=12)
    from_step = models.CharField(max_length=20, blank=True)
    to_step = models.CharField(max_length=20, blank=True)
    note = models.TextField(_("note"), max_length=4000, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("transition")
        verbose_name_plural = _("transitions")
        ordering = ["application", "created_at", "pk"]
        # The statistics count a range of days (stats.metrics).
        indexes = [models.Index(fields=["created_at"], name="transition_created_at")]

    def __str__(self) -> str:
        return f"{self.application} {self.action}"

    @property
    def action_label(self) -> str:
        return str(self.ACTIONS.get(self.action, self.action))

    @property
    def to_status_label(self) -> str:
        return str(dict(Application.Status.choices).get(self.to_status, self.to_status))

    @property
    def to_step_label(self) -> str:
        return str(dict(Step.choices).get(self.to_step, self.to_step))


class Document(models.Model):
    """A file of an application: a requirement of the checklist, or survey evidence."""

    class Kind(models.TextChoices):
        REQUIREMENT = "requirement", _("Requirement")
        SURVEY_REPORT = "survey_report", _("Survey report (berita acara)")
        SURVEY_PHOTO = "survey_photo", _("Survey photo")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.REQUIREMENT)
    requirement = models.ForeignKey(
        Requirement, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    file = models.FileField(_("file"), upload_to="permohonan/%Y/%m/", storage=private_storage)
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    metadata = models.JSONField(
        default=dict, blank=True, help_text=_("Where and when a photo was taken, when it says.")
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    superseded_by = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("replaced by"),
        help_text=_(
            "The corrected file sent for the same requirement after a return for revision: "
            "kept for the agency's staff, no longer shown to the applicant."
        ),
    )

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["application", "kind", "uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.name


class Note(models.Model):
    """An officer's note on a case, seen by the agency's staff only."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    text = models.TextField(_("note"), max_length=4000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        ordering = ["application", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.application}: {self.text[:40]}"


class Survey(models.Model):
    """A field survey: on site, or by teleconference on a self-hosted Jitsi server."""

    class Mode(models.TextChoices):
        ON_SITE = "on_site", _("On site")
        VIDEO = "video", _("Teleconference")

    class Recommendation(models.TextChoices):
        APPROVE = "approve", _("Recommend approval")
        REJECT = "reject", _("Recommend rejection")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="surveys")
    mode = models.CharField(_("how"), max_length=8, choices=Mode.choices)
    scheduled_at = models.DateTimeField(_("when"))
    place = models.CharField(_("place"), max_length=300, blank=True)
    meeting_url = models.URLField(_("meeting link"), blank=True)
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("confirmed by the applicant"), null=True, blank=True)
    findings = models.TextField(_("findings"), max_length=8000, blank=True)
    recommendation = models.CharField(
        _("recommendation"), max_length=8, choices=Recommendation.choices, blank=True
    )
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("field survey")
        verbose_name_plural = _("field surveys")
        ordering = ["application", "-scheduled_at"]

    def __str__(self) -> str:
        return f"{self.application} {self.scheduled_at:%Y-%m-%d %H:%M}"


class ProductTemplate(models.Model):
    """How a service's product (the permit) reads: staff-edited text rendered in the sandbox
    (``satupintu.templating``) over plain values, then to PDF."""

    service = models.OneToOneField(
        Service, on_delete=models.CASCADE, related_name="product_template"
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(
        _("body"),
        help_text=_(
            "HTML with {{ name }} for a value and {% if %}/{% for %} (a sandbox: nothing else is "
            "evaluated); the names offered are listed below."
        ),
    )
    validity_months = models.PositiveSmallIntegerField(
        _("valid for (months)"), null=True, blank=True, help_text=_("Empty: no expiry.")
    )

    class Meta:
        verbose_name = _("product template")
        verbose_name_plural = _("product templates")

    def __str__(self) -> str:
        return self.title


class IssuedDocument(models.Model):
    """The signed product of an approved application, verifiable at /verify/{code}/."""

    application = models.OneToOneField(
        Application, on_delete=models.PROTECT, related_name="issued_document"
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("issued by")
    )
    number = models.CharField(_("number"), max_length=80)
    code = models.CharField(_("verification code"), max_length=24, unique=True)
    title = models.CharField(_("title"), max_length=200)
    holder_name = models.CharField(_("holder"), max_length=200)
    file = models.FileField(upload_to="produk/%Y/%m/", storage=private_storage)
    sha256 = models.CharField(max_length=64)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    issued_at = models.DateTimeField(_("issued"), auto_now_add=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_reason = models.TextField(_("reason for revocation"), max_length=2000, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # Who signed the PDF: "local" (the agency's key under our CA) or a BSrE provider
    # ("bsre-v1", "bsre-v2"), whose signature the file carries as BSrE returned it.
    backend = models.CharField(_("signed with"), max_length=20, default="local")
    backend_reference = models.CharField(
        _("signing service's reference"), max_length=100, blank=True
    )

    class Meta:
        verbose_name = _("issued document")
        verbose_name_plural = _("issued documents")
        constraints = [
            # Two regencies' DPMPTSP may both issue 503/0001/DPMPTSP/I/2026; one agency never.
            models.UniqueConstraint(fields=["agency", "number"], name="issued_number_per_agency")
        ]

    def __str__(self) -> str:
        return self.number


class DocumentCounter(models.Model):
    """How many documents an agency issued in a year (in its mall's time zone): the {seq} of
    their numbers, taken under a row lock in the issuing transaction."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("document counter")
        verbose_name_plural = _("document counters")
        constraints = [
            models.UniqueConstraint(fields=["agency", "year"], name="document_counter_once")
        ]

    def __str__(self) -> str:
        return f"{self.agency} {self.year}: {self.last}"


class DocumentReservation(models.Model):
    """The number and code an application's document will carry, taken before it is signed by
    an outside service (BSrE) and kept until it is issued: a signing whose outcome is unknown
    (a timeout) is signed again under the same number and code, never a second one."""

    application = models.OneToOneField(
        Application, on_delete=models.CASCADE, related_name="document_reservation"
    )
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    number = models.CharField(_("number"), max_length=80)
    code = models.CharField(_("verification code"), max_length=24, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("reserved document number")
        verbose_name_plural = _("reserved document numbers")
        constraints = [
            models.UniqueConstraint(fields=["agency", "number"], name="reserved_number_per_agency")
        ]

    def __str__(self) -> str:
        return self.number


class AccessLog(models.Model):
    """Every time staff open a case or one of its files: personal data, so it is audited."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="access_log"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    what = models.CharField(max_length=120)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("access to a case")
        verbose_name_plural = _("accesses to cases")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.user} {self.what} {self.at:%Y-%m-%d %H:%M}"


# --- OSS RBA: business permits that arrive from and report back to the national OSS ----------


class OssLicenseMap(models.Model):
    """Which catalog service handles an OSS permit code (kd_izin) pushed for this region: set
    by the mall's manager in the admin. An empty kd_daerah matches the mall's own region."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="oss_licenses")
    kd_izin = models.CharField(
        _("OSS permit code (kd_izin)"),
        max_length=20,
        help_text=_("The permit's code in OSS (getDataReferensi, reference 8), e.g. 033000000001."),
    )
    kd_daerah = models.CharField(
        _("OSS region code (kd_daerah)"),
        max_length=10,
        blank=True,
        help_text=_("Ten digits (Permendagri 72/2019). Empty: the region of the service's mall."),
    )

    class Meta:
        verbose_name = _("OSS permit mapping")
        verbose_name_plural = _("OSS permit mappings")
        ordering = ["kd_izin", "kd_daerah"]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "kd_izin", "kd_daerah"], name="oss_license_map_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kd_izin} → {self.service}"


class OssStatusKey(models.TextChoices):
    """What happened to an OSS-born case, each reported to OSS as a kd_status (Lampiran 10)."""

    SUBMITTED = "submitted", _("Submitted")
    DOCUMENT_CHECK = f"step:{Step.DOCUMENT_CHECK}", _("At the document check")
    VERIFICATION = f"step:{Step.VERIFICATION}", _("At verification")
    FIELD_SURVEY = f"step:{Step.FIELD_SURVEY}", _("At the field survey")
    TECHNICAL_RECOMMENDATION = (
        f"step:{Step.TECHNICAL_RECOMMENDATION}",
        _("At the technical recommendation"),
    )
    DECISION = f"step:{Step.DECISION}", _("At the decision")
    ISSUANCE = f"step:{Step.ISSUANCE}", _("At issuance")
    RETURNED = "returned", _("Returned for revision")
    RESUBMITTED = "resubmitted", _("Sent back fixed")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")
    DONE = "done", _("Done")
    REVOKED = "revoked", _("Document revoked")


# The national systems digest's proposal: 10 submitted, 20 verification, 40 field check,
# 41/42 the SLA clock stopped and restarted by a return for revision, 50 approved, 90 rejected;
# 45 (verified by the technical agency) for the steps between the survey and the decision.
# An empty code reports nothing (OSS removed its cancel and revoke codes in 4.3.19).
DEFAULT_OSS_STATUS: dict[str, str] = {
    OssStatusKey.SUBMITTED: "10",
    OssStatusKey.DOCUMENT_CHECK: "10",
    OssStatusKey.VERIFICATION: "20",
    OssStatusKey.FIELD_SURVEY: "40",
    OssStatusKey.TECHNICAL_RECOMMENDATION: "45",
    OssStatusKey.DECISION: "45",
    OssStatusKey.ISSUANCE: "50",
    OssStatusKey.RETURNED: "41",
    OssStatusKey.RESUBMITTED: "42",
    OssStatusKey.APPROVED: "50",
    OssStatusKey.REJECTED: "90",
    OssStatusKey.CANCELLED: "",
    OssStatusKey.DONE: "",
    OssStatusKey.REVOKED: "",
}


class OssStatusMap(models.Model):
    """A service's own OSS status code for one moment of its workflow, replacing the default
    (DEFAULT_OSS_STATUS); set by the mall's manager, as the workflow itself is."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="oss_statuses")
    key = models.CharField(_("when"), max_length=40, choices=OssStatusKey.choices)
    kd_status = models.CharField(
        _("OSS status code (kd_status)"),
        max_length=2,
        blank=True,
        validators=[RegexValidator(r"^\d{2}$", _("Two digits, e.g. 20."))],
        help_text=_("Two digits from OSS's Lampiran 10; empty: OSS is not told."),
    )

    class Meta:
        verbose_name = _("OSS status mapping")
        verbose_name_plural = _("OSS status mappings")
        ordering = ["service", "key"]
        constraints = [
            models.UniqueConstraint(fields=["service", "key"], name="oss_status_map_once")
        ]

    def __str__(self) -> str:
        return f"{self.service}: {self.get_key_display()} → {self.kd_status or '-'}"


class OssLink(models.Model):
    """An application born from an OSS checklist (receiveNIB): OSS's identifiers, the business
    as OSS described it, and what OSS sent or returned since."""

    application = models.OneToOneField(
        Application, on_delete=models.CASCADE, related_name="oss_link"
    )
    integration = models.ForeignKey(
        "integrations.Integration",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The OSS integration that pushed it, and through which OSS is answered."),
    )
    nib = models.CharField(_("NIB"), max_length=13)
    oss_id = models.CharField(max_length=40, blank=True)
    id_izin = models.CharField(max_length=40, unique=True)
    id_proyek = models.CharField(max_length=40, blank=True)
    id_produk = models.CharField(max_length=40, blank=True)
    kd_izin = models.CharField(max_length=20)
    kd_daerah = models.CharField(max_length=10, blank=True)
    npwp = models.CharField(_("NPWP"), max_length=20, blank=True)
    business_name = models.CharField(_("business name"), max_length=300, blank=True)
    business_address = models.CharField(_("business address"), max_length=500, blank=True)
    kbli = models.CharField(_("KBLI"), max_length=10, blank=True)
    submitter_name = models.CharField(_("submitted by"), max_length=200, blank=True)
    last_kd_status = models.CharField(max_length=2, blank=True)
    approval_reported = models.BooleanField(default=False)
    permit_number = models.CharField(
        _("permit number from OSS"),
        max_length=120,
        blank=True,
        help_text=_("The nomor_izin OSS answered receiveLicense with."),
    )
    signed_file_url = models.URLField(
        _("OSS-signed permit"),
        max_length=1000,
        blank=True,
        help_text=_("The link to the permit signed by OSS (receiveFileDS)."),
    )
    signed_file = models.FileField(
        _("OSS-signed permit file"),
        upload_to="oss/%Y/%m/",
        storage=private_storage,
        blank=True,
        help_text=_("The permit signed by OSS, fetched from its link into private storage."),
    )
    signed_file_at = models.DateTimeField(_("OSS-signed permit fetched"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"), auto_now_add=True)

    class Meta:
        verbose_name = _("OSS link")
        verbose_name_plural = _("OSS links")
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["nib"])]

    def __str__(self) -> str:
        return f"{self.id_izin} ({self.nib})"
