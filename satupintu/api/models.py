"""Keys that let other systems write through the API (Open311 clients, national systems)."""

import hashlib
import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

from satupintu.malls.models import Mall


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
