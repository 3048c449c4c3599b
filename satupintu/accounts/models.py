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

    class Dukcapil(models.TextChoices):
        """The verdict of the civil registry (Dukcapil) on the account's NIK, name and birth
        date: only the verdict, never what the registry holds."""

        UNCHECKED = "", _("Not checked")
        PENDING = "pending", _("To be checked (the registry did not answer)")
        VERIFIED = "verified", _("Verified by Dukcapil")
        NOT_MATCHED = "not_matched", _("Did not match the registry")

    nik = models.CharField(
        _("NIK"),
        max_length=16,
        blank=True,
        validators=[validate_nik],
        help_text=_("Nomor Induk Kependudukan, 16 digits."),
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True, help_text=_("E.164 form."))
    birth_date = models.DateField(
        _("birth date"),
        null=True,
        blank=True,
        help_text=_("As the person typed it (as on the KTP-el); checked with Dukcapil."),
    )
    dukcapil_status = models.CharField(
        _("Dukcapil verification"),
        max_length=12,
        choices=Dukcapil.choices,
        default=Dukcapil.UNCHECKED,
        blank=True,
    )
    dukcapil_verified_at = models.DateTimeField(_("verified by Dukcapil at"), null=True, blank=True)
    dukcapil_checked_at = models.DateTimeField(_("last asked Dukcapil at"), null=True, blank=True)
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
            # "Verified" always says when; nothing else carries a time of verification.
            models.CheckConstraint(
                condition=models.Q(dukcapil_status="verified", dukcapil_verified_at__isnull=False)
                | (
                    ~models.Q(dukcapil_status="verified")
                    & models.Q(dukcapil_verified_at__isnull=True)
                ),
                name="accounts_user_dukcapil_verified_has_time",
            ),
        ]
        indexes = [
            # The re-check job's batch: the accounts without a verdict, longest-waiting first.
            models.Index(
                fields=["dukcapil_checked_at", "id"],
                condition=models.Q(dukcapil_status__in=["", "pending"], birth_date__isnull=False),
                name="accounts_user_dukcapil_waiting",
            ),
        ]

    def set_unusable_password(self) -> None:
        super().set_unusable_password()
        # Django marks a new password (for its validators) but not a removed one; the
        # post_save that revokes the tokens needs both.
        self._password_removed = True


class ApiToken(models.Model):
    """A secret an API client sends as ``Authorization: Token <secret>``.

    Only the SHA-256 of the secret is kept: it is shown once, when made. A token expires, and
    every token of a person dies when their password changes.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("user"),
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    key_hash = models.CharField(_("SHA-256 of the secret"), max_length=64, unique=True)
    prefix = models.CharField(
        _("first characters"), max_length=8, help_text=_("To tell one's tokens apart.")
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    last_used = models.DateTimeField(_("last used"), null=True, blank=True)
    expires = models.DateTimeField(_("expires"))

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created", "-pk"]
        indexes = [models.Index(fields=["user", "expires"], name="accounts_token_user_expires")]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})" if self.name else f"{self.prefix}…"


class PersonalDataAccess(models.Model):
    """A look at someone's personal data (UU 27/2022 PDP): who, when, what kind, which object
    and from which page; never the data itself."""

    class Kind(models.TextChoices):
        COMPLAINT_IDENTITY = "complaint_identity", _("Identity of a complaint's reporter")
        NIK_LOOKUP = "nik_lookup", _("Citizen looked up by NIK")
        MESSAGE = "message", _("Citizen's message")
        DATA_EXPORT = "data_export", _("Citizen's own data downloaded")
        CONSULTATION = "consultation", _("Citizen's consultation")

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


class AccountCode(models.Model):
    """A one-time way back into an account: a link's secret and a short code, both kept only
    as hashes, short-lived and used once. Made by "forgot password" (lupa kata sandi), for a
    walk-in to claim the account the front office made, and for the owner of a NIK someone
    tried to register again."""

    class Purpose(models.TextChoices):
        RESET = "reset", _("Password reset")
        CLAIM = "claim", _("Account claim")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("user"),
    )
    purpose = models.CharField(_("purpose"), max_length=10, choices=Purpose.choices)
    link_hash = models.CharField(_("SHA-256 of the link's secret"), max_length=64, unique=True)
    code_hash = models.CharField(_("HMAC of the code"), max_length=64)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    expires = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    failed_attempts = models.PositiveSmallIntegerField(_("wrong codes"), default=0)

    class Meta:
        verbose_name = _("one-time account code")
        verbose_name_plural = _("one-time account codes")
        indexes = [models.Index(fields=["user", "expires"], name="accounts_code_user_expires")]

    def __str__(self) -> str:
        return f"{self.purpose} {self.user_id} {self.created:%Y-%m-%d %H:%M}"
