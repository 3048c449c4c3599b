"""Serializers of API v1 for visits: slots, bookings and closures."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from satupintu.api.fields import ID_MAX, ClockTimeField, SaneDateField
from satupintu.api.serializers import ErrorBodySerializer
from satupintu.booking.models import Booking, Closure, Slot
from satupintu.malls.models import Agency


class SlotQuerySerializer(serializers.Serializer):
    date = SaneDateField(help_text=_("The day, YYYY-MM-DD."))


class SlotSerializer(serializers.ModelSerializer):
    available = serializers.IntegerField(read_only=True)

    class Meta:
        model = Slot
        fields = ["id", "start", "end", "capacity", "available"]


class BookingCreateSerializer(serializers.Serializer):
    slot = serializers.IntegerField(min_value=1, max_value=ID_MAX)
    priority = serializers.ChoiceField(
        choices=Booking.Priority.choices,
        required=False,
        allow_blank=True,
        help_text=_("Only for the elderly, people with disabilities, pregnant women."),
    )


class BookingSerializer(serializers.ModelSerializer):
    service = serializers.IntegerField(source="service_id")
    service_name = serializers.CharField(source="service.name")
    mall = serializers.CharField(source="service.agency.mall.slug")
    start = serializers.DateTimeField(source="slot.start")
    end = serializers.DateTimeField(source="slot.end")

    class Meta:
        model = Booking
        fields = [
            "code",
            "status",
            "service",
            "service_name",
            "mall",
            "start",
            "end",
            "priority",
            "created_at",
        ]


class BookingConflictBodySerializer(ErrorBodySerializer):
    next_slots = SlotSerializer(many=True)


class BookingConflictSerializer(serializers.Serializer):
    error = BookingConflictBodySerializer()


class ClosureCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Closure.Kind.choices)
    decree_number = serializers.CharField(max_length=100)
    reason = serializers.CharField(max_length=300)
    reason_en = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)
    starts_on = SaneDateField()
    ends_on = SaneDateField()
    opens = ClockTimeField(required=False, allow_null=True, default=None)
    closes = ClockTimeField(required=False, allow_null=True, default=None)
    agencies = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=ID_MAX),
        required=False,
        default=list,
        help_text=_("Agency ids; none: the whole mall."),
    )


class ClosureSerializer(serializers.ModelSerializer):
    agencies: serializers.PrimaryKeyRelatedField[Agency] = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True
    )
    opens = ClockTimeField(allow_null=True)
    closes = ClockTimeField(allow_null=True)

    class Meta:
        model = Closure
        fields = [
            "id",
            "kind",
            "decree_number",
            "reason",
            "reason_en",
            "starts_on",
            "ends_on",
            "opens",
            "closes",
            "agencies",
            "announcement",
            "affected",
            "moved",
            "released",
            "notified",
        ]
