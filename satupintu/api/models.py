"""Outside systems: their API keys (Open311 clients, licensing systems) and webhooks."""

import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from satupintu.malls.models import Agency, Mall
from satupintu.outbox import OutboxRow


class IntegrationKey(models.Model):
    """An API key of an outside system; only its SHA-256 is kept."""

    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    mall = models.ForeignKey(
        Mall,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="integration_keys",
        help_text=_("Empty: every mall."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("integration key")
        verbose_name_plural = _("integration keys")

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def hash(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def issue(cls, *, name: str, mall: Mall | None = None) -> tuple["IntegrationKey", str]:
        """A new key; the key itself is returned once and never stored."""
        key = secrets.token_urlsafe(32)
        return cls.objects.create(name=name, key_hash=cls.hash(key), mall=mall), key

    @classmethod
    def find(cls, key: str) -> "IntegrationKey | None":
        if not key:
            return None
        return cls.objects.filter(key_hash=cls.hash(key), is_active=True).first()


def new_secret() -> str:
    return secrets.token_hex(32)


class Webhook(models.Model):
    """An outside system told of every change of an application, signed with its secret."""

    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), max_length=500)
    # Kept in clear: signing needs it. The receiver keeps its copy to check our signature.
    secret = models.CharField(
        _("signing secret"),
        max_length=64,
        default=new_secret,
        editable=False,
        help_text=_("Give it to the receiver to check the X-SatuPintu-Signature header."),
    )
    mall = models.ForeignKey(
        Mall,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="webhooks",
        verbose_name=_("mall"),
        help_text=_("Empty: every mall."),
    )
    agency = models.ForeignKey(
        Agency,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="webhooks",
        verbose_name=_("agency"),
        help_text=_("Empty: every agency."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.mall_id and self.agency is not None and self.agency.mall_id != self.mall_id:
            raise ValidationError({"agency": _("This agency is not in the chosen mall.")})


class WebhookDelivery(OutboxRow):
    """One event for one webhook: written with the change (an outbox), then sent and retried."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    webhook = models.ForeignKey(
        Webhook, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("webhook")
    )
    event = models.CharField(_("event"), max_length=60)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="webhook_delivery_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.webhook} {self.event} {self.created_at:%Y-%m-%d %H:%M}"
