"""Outside systems (OSS RBA, BSrE, Dukcapil, SP4N-LAPOR!): their configuration, the outbox of
calls out of the platform, and each one's log."""

import os
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from satupintu.integrations import crypto
from satupintu.malls.models import Agency, Mall
from satupintu.outbox import OutboxRow

ENV_PREFIX = "env:"


class Integration(models.Model):
    """One outside system turned on for the deployment, a mall or one agency."""

    class Kind(models.TextChoices):
        OSS = "oss", _("OSS RBA (business licensing)")
        BSRE = "bsre", _("BSrE (electronic signature)")
        DUKCAPIL = "dukcapil", _("Dukcapil (identity verification)")
        LAPOR = "lapor", _("SP4N-LAPOR! (complaints)")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    provider = models.CharField(
        _("provider"), max_length=40, help_text=_("Which protocol or version the system speaks.")
    )
    name = models.CharField(_("name"), max_length=100)
    mall = models.ForeignKey(
        Mall,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="integrations",
        verbose_name=_("mall"),
        help_text=_("Empty: the whole deployment."),
    )
    agency = models.ForeignKey(
        Agency,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="integrations",
        verbose_name=_("agency"),
        help_text=_("Empty: every agency of the mall."),
    )
    base_url = models.URLField(_("base URL"), max_length=500, blank=True)
    options = models.JSONField(
        _("options"),
        default=dict,
        blank=True,
        help_text=_("Settings that are not secret, as a JSON object."),
    )
    # Encrypted JSON object of secrets (crypto.seal); a value "env:NAME" is read from the
    # environment variable NAME when used, so a secret can stay out of the database.
    credentials = models.TextField(_("credentials"), blank=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    last_success_at = models.DateTimeField(_("last success"), null=True, blank=True)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("integration")
        verbose_name_plural = _("integrations")
        ordering = ["kind", "name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(agency__isnull=True) | Q(mall__isnull=False),
                name="integration_agency_needs_mall",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.name}"

    def clean(self) -> None:
        from satupintu.integrations import registry

        if self.agency_id and self.agency is not None and self.agency.mall_id != self.mall_id:
            raise ValidationError({"agency": _("This agency is not in the chosen mall.")})
        if self.provider not in registry.providers(self.kind):
            raise ValidationError({"provider": _("Unknown provider for this kind of system.")})

    def secret_names(self) -> list[str]:
        return sorted(crypto.unseal(self.credentials))

    def secret(self, name: str) -> str:
        """The secret ``name``, decrypted (or read from the environment); empty when unset."""
        value = crypto.unseal(self.credentials).get(name, "")
        if value.startswith(ENV_PREFIX):
            return os.environ.get(value.removeprefix(ENV_PREFIX), "")
        return value

    def set_secrets(self, values: dict[str, str]) -> None:
        """Replace the given secrets (an empty value removes one); save() keeps them."""
        kept = crypto.unseal(self.credentials)
        for name, value in values.items():
            if value:
                kept[name] = value
            else:
                kept.pop(name, None)
        self.credentials = crypto.seal(kept)

    def option(self, name: str, default: Any = None) -> Any:
        return self.options.get(name, default) if isinstance(self.options, dict) else default


class OutboundCall(OutboxRow):
    """One call to an outside system: written in the change's transaction (an outbox), then
    made by a worker and retried with growing delays."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        HELD = "held", _("Held: outcome unknown, check before replaying")

    integration = models.ForeignKey(
        Integration,
        on_delete=models.CASCADE,
        related_name="calls",
        verbose_name=_("integration"),
    )
    operation = models.CharField(_("operation"), max_length=80)
    subject = models.CharField(_("subject"), max_length=100, blank=True, db_index=True)
    key = models.CharField(_("idempotency key"), max_length=200, null=True, blank=True, unique=True)
    retry = models.BooleanField(
        _("retried automatically"),
        default=True,
        help_text=_("Off for calls that must not be made twice (their outcome is checked first)."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    last_answer = models.TextField(_("last answer"), blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbound call")
        verbose_name_plural = _("outbound calls")
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="outbound_call_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.operation} {self.created_at:%Y-%m-%d %H:%M}"


class IntegrationEvent(models.Model):
    """What happened between the platform and an outside system: no secret, no personal data."""

    class Direction(models.TextChoices):
        IN = "in", _("Inbound")
        OUT = "out", _("Outbound")

    integration = models.ForeignKey(
        Integration,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("integration"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Integration.Kind.choices)
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    operation = models.CharField(_("operation"), max_length=80)
    ok = models.BooleanField(_("succeeded"))
    message = models.CharField(_("message"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("integration event")
        verbose_name_plural = _("integration events")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.operation} {'ok' if self.ok else 'error'}"
