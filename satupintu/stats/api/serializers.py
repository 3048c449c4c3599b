"""Serializers of the open data API: a month's public figures, no person in them."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class MonthQuerySerializer(serializers.Serializer):
    agency = serializers.SlugField(
        required=False, help_text=_("Slug of one agency of the mall: its figures only.")
    )
    service = serializers.IntegerField(
        required=False, min_value=1, max_value=2**31 - 1, help_text=_("Id of one service.")
    )


class PublicFigureSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field, not Field.label
    value = serializers.FloatField(
        allow_null=True, help_text=_("Null when withheld (suppressed) or not measured.")
    )
    suppressed = serializers.BooleanField(
        help_text=_(
            "Withheld: a count below the threshold, a count that would reveal one by "
            "difference, or a mean taken over such a count. Not told apart."
        )
    )


class MonthStatsSerializer(serializers.Serializer):
    mall = serializers.SlugField()
    mall_name = serializers.CharField()
    agency = serializers.SlugField(allow_null=True)
    service = serializers.IntegerField(allow_null=True)
    start = serializers.DateField()
    end = serializers.DateField()
    threshold = serializers.IntegerField(
        help_text=_(
            "Counts from 1 up to this, less one, are withheld, and with them what would "
            "reveal them by difference."
        )
    )
    figures = PublicFigureSerializer(many=True)
