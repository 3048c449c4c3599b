"""People who sign in: citizens (pemohon) and staff share one user model."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from satupintu.accounts.validators import validate_nik


def default_channels() -> list[str]:
    """WhatsApp first: in 2020 the malls told citizens everything by WhatsApp and email."""
    return ["whatsapp", "email", "sms"]


class User(AbstractUser):
    """A citizen, business representative or staff member."""

    nik = models.CharField(
        _("NIK"),
        max_length=16,
        blank=True,
        validators=[validate_nik],
        help_text=_("Nomor Induk Kependudukan, 16 digits."),
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True, help_text=_("E.164 form."))
    language = models.CharField(
        _("language of messages"), max_length=5, choices=settings.LANGUAGES, default="id"
    )
    notification_channels = models.JSONField(
        _("preferred channels"),
        default=default_channels,
        blank=True,
        help_text=_("Channels to reach this person on, first choice first (email, whatsapp, sms)."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                fields=["nik"], condition=~models.Q(nik=""), name="accounts_user_nik_unique"
            ),
        ]


class PersonalDataAccess(models.Model):
    """A look at someone's personal data (UU 27/2022 PDP): who, when, what kind, which object
    and from which page; never the data itself."""

    class Kind(models.TextChoices):
        COMPLAINT_IDENTITY = "complaint_identity", _("Identity of a complaint's reporter")
        NIK_LOOKUP = "nik_lookup", _("Citizen looked up by NIK")
        MESSAGE = "message", _("Citizen's message")
        DATA_EXPORT = "data_export", _("Citizen's own data downloaded")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("by"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("whose data"),
    )
    object_type = models.CharField(_("object"), max_length=40, blank=True)
    object_id = models.CharField(_("object id"), max_length=40, blank=True)
    mall = models.ForeignKey(
        "malls.Mall",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("mall"),
    )
    where = models.CharField(_("page"), max_length=120, blank=True)
    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("access to personal data")
        verbose_name_plural = _("accesses to personal data")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.user} {self.kind} {self.at:%Y-%m-%d %H:%M}"
