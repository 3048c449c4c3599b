"""Serializer fields shared by the contexts' APIs: identifiers normalised (accounts.validators)
before any check, the mall's clock times, sane dates and the largest numbers the columns hold."""

from datetime import date
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from satupintu.accounts.validators import normalize_nib, normalize_nik

# The largest ids and counters the columns hold (PostgreSQL bigint ids, int4 counters): a larger
# number is refused as input rather than sent to the database.
ID_MAX = 2**63 - 1
INT_MAX = 2**31 - 1
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2100, 12, 31)


class NikField(serializers.CharField):
    """A NIK as typed (full-width digits, spaces, dots, dashes), checked as 16 ASCII digits."""

    def to_internal_value(self, data: Any) -> str:
        return normalize_nik(super().to_internal_value(data))


class NibField(serializers.CharField):
    """An NIB as typed, checked as 13 ASCII digits."""

    def to_internal_value(self, data: Any) -> str:
        return normalize_nib(super().to_internal_value(data))


@extend_schema_field({"type": "string", "pattern": r"^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$"})
class ClockTimeField(serializers.TimeField):
    """A time of day on the mall's clock, without a time-zone offset (so not OpenAPI's "time")."""


class SaneDateField(serializers.DateField):
    """A date between 1900 and 2100: DRF takes any year from 1 to 9999, which no case needs
    and which the mall's clock cannot always show (local mean time offsets)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.validators.append(MinValueValidator(EARLIEST_DATE))
        self.validators.append(MaxValueValidator(LATEST_DATE))
