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
