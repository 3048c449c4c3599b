"""Online applications (permohonan) and their workflow, configured per service as data."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from satupintu.catalog.models import Service
from satupintu.malls.models import StaffMembership


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
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["service", "status", "due_date"])]

    def __str__(self) -> str:
        return self.tracking_number


class Transition(models.Model):
    """Every change of an application: who, when, from, to, why."""

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

    def __str__(self) -> str:
        return f"{self.application} {self.action}"
