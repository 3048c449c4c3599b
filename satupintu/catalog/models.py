"""Services of each agency with their service standard, requirements, forms and form schema."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from satupintu.catalog.validators import validate_form_file, validate_form_schema
from satupintu.malls.models import Agency


class Service(models.Model):
    """A public service (layanan) of one agency in one mall, with its service standard.

    The standard (standar pelayanan, PermenPANRB 15/2014) has 14 components. Six are published:
    requirements, procedure, time, fee, product and complaint handling; the other eight are kept
    for the agency and the ministry.
    """

    class Channel(models.TextChoices):
        ONLINE = "online", _("Online application")
        IN_PERSON = "in_person", _("In-person visit")
        BOTH = "both", _("Online and in person")

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="services")
    name = models.CharField(_("name"), max_length=250)
    slug = models.SlugField(_("slug"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    keywords = models.CharField(
        _("keywords"),
        max_length=500,
        blank=True,
        help_text=_("Other words citizens use for this service, separated by commas."),
    )
    channel = models.CharField(
        _("offered"), max_length=10, choices=Channel.choices, default=Channel.BOTH
    )
    # The six published components. Requirements and procedure steps are rows below.
    duration_working_days = models.PositiveSmallIntegerField(
        _("time (working days)"), help_text=_("Jangka waktu penyelesaian, in working days.")
    )
    fee_rupiah = models.PositiveBigIntegerField(
        _("fee (rupiah)"), default=0, help_text=_("0 means the service is free of charge.")
    )
    fee_legal_basis = models.CharField(_("legal basis of the fee"), max_length=300, blank=True)
    product = models.CharField(_("product"), max_length=300)
    complaint_handling = models.TextField(_("complaints, suggestions and feedback"))
    # The eight internal components.
    legal_basis = models.TextField(_("legal basis"), blank=True)
    facilities = models.TextField(_("facilities and infrastructure"), blank=True)
    staff_competence = models.TextField(_("competence of staff"), blank=True)
    internal_supervision = models.TextField(_("internal supervision"), blank=True)
    staff_count = models.PositiveSmallIntegerField(_("number of staff"), null=True, blank=True)
    service_guarantee = models.TextField(_("service guarantee"), blank=True)
    security_guarantee = models.TextField(_("security and safety guarantee"), blank=True)
    performance_evaluation = models.TextField(_("performance evaluation"), blank=True)
    # The online application's fields; see validators.validate_form_schema for the shape.
    form_schema = models.JSONField(
        _("online form fields"), default=list, blank=True, validators=[validate_form_schema]
    )
    # Normalised text the search indexes (name, agency, keywords, expanded abbreviations).
    # Rebuilt by services.service_refresh_search_text on every write.
    search_text = models.TextField(editable=False, default="")
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "slug"], name="service_slug_unique"),
            models.CheckConstraint(
                condition=Q(channel__in=["online", "in_person", "both"]),
                name="service_channel_valid",
            ),
            models.CheckConstraint(
                condition=Q(duration_working_days__gte=1), name="service_duration_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_free(self) -> bool:
        return self.fee_rupiah == 0

    @property
    def offered_online(self) -> bool:
        return self.channel in (self.Channel.ONLINE, self.Channel.BOTH)

    @property
    def offered_in_person(self) -> bool:
        return self.channel in (self.Channel.IN_PERSON, self.Channel.BOTH)


class Requirement(models.Model):
    """One item of a service's requirements checklist (persyaratan)."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="requirements")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    text = models.CharField(_("requirement"), max_length=500)
    is_mandatory = models.BooleanField(_("mandatory"), default=True)

    class Meta:
        verbose_name = _("requirement")
        verbose_name_plural = _("requirements")
        ordering = ["service", "position", "id"]

    def __str__(self) -> str:
        return self.text


class ProcedureStep(models.Model):
    """One step of the service's procedure (sistem, mekanisme dan prosedur)."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    text = models.CharField(_("step"), max_length=500)

    class Meta:
        verbose_name = _("procedure step")
        verbose_name_plural = _("procedure steps")
        ordering = ["service", "position", "id"]

    def __str__(self) -> str:
        return self.text


def form_upload_to(instance: "DownloadableForm", filename: str) -> str:
    return f"forms/{instance.service.agency.mall.slug}/{instance.service_id}/{filename}"


class DownloadableForm(models.Model):
    """A blank form (PDF or DOCX) citizens download, fill in and bring or upload."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="forms")
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=form_upload_to, validators=[validate_form_file])

    class Meta:
        verbose_name = _("downloadable form")
        verbose_name_plural = _("downloadable forms")
        ordering = ["service", "title"]

    def __str__(self) -> str:
        return self.title
