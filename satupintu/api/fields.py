"""Serializer fields for identifiers: normalised (accounts.validators) before any check."""

from typing import Any

from rest_framework import serializers

from satupintu.accounts.validators import normalize_nib, normalize_nik


class NikField(serializers.CharField):
    """A NIK as typed (full-width digits, spaces, dots, dashes), checked as 16 ASCII digits."""

    def to_internal_value(self, data: Any) -> str:
        return normalize_nik(super().to_internal_value(data))


class NibField(serializers.CharField):
    """An NIB as typed, checked as 13 ASCII digits."""

    def to_internal_value(self, data: Any) -> str:
        return normalize_nib(super().to_internal_value(data))
