"""Serializers of API v1 for surveys: the public IKM of a mall or a service."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from satupintu.surveys.elements import MUTU_LABELS
from satupintu.surveys.selectors import PUBLIC_MIN_RESPONDENTS, PublicIkm


class PublicIkmSerializer(serializers.Serializer):
    """What the mall's and service's public pages show: the converted IKM and its quality
    grade over the last twelve months, only once enough people answered."""

    start = serializers.DateField(help_text=_("First day of the period (the mall's date)."))
    end = serializers.DateField(help_text=_("Last day of the period (the mall's date)."))
    enough = serializers.BooleanField(
        help_text=_(
            "Whether the figures are published: at least the minimum number of people "
            "answered in the period, and the mall's figure less the published services' "
            "would not give away a smaller group's answers."
        )
    )
    minimum_respondents = serializers.IntegerField(
        help_text=_("Respondents needed before the figures are published.")
    )
    respondents = serializers.IntegerField(
        allow_null=True, help_text=_("People who answered; null below the minimum.")
    )
    ikm = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        allow_null=True,
        help_text=_("Converted IKM (25–100, PermenPANRB 14/2017); null below the minimum."),
    )
    mutu = serializers.CharField(
        allow_null=True, help_text=_("Quality grade A, B, C or D; null below the minimum.")
    )
    mutu_label = serializers.CharField(
        allow_null=True, help_text=_("The grade's name, in the request's language.")
    )

    def to_representation(self, instance: Any) -> dict[str, Any]:
        ikm: PublicIkm = instance
        result = ikm.result
        shown = ikm.enough and result.mutu is not None
        grade = result.mutu.grade if shown and result.mutu else None
        return super().to_representation(
            {
                "start": ikm.period.start,
                "end": ikm.period.end,
                "enough": ikm.enough,
                "minimum_respondents": PUBLIC_MIN_RESPONDENTS,
                "respondents": result.respondents if ikm.enough else None,
                "ikm": result.converted if shown else None,
                "mutu": grade,
                "mutu_label": str(MUTU_LABELS[grade]) if grade else None,
            }
        )
