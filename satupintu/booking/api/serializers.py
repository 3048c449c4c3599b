"""Serializers of API v1 for visits and citizens' accounts."""

from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from satupintu.accounts.models import ApiToken, User
from satupintu.accounts.services import NAME_MAX, TOKEN_NAME_MAX
from satupintu.accounts.validators import normalize_phone, validate_nik
from satupintu.api.fields import NikField
from satupintu.api.serializers import (
    ID_MAX,
    ClockTimeField,
    ErrorBodySerializer,
    SaneDateField,
)
from satupintu.booking.models import Booking, Closure, Slot


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


class RegisterSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=NAME_MAX)
    nik = NikField(min_length=16, max_length=16, validators=[validate_nik])
    phone = serializers.CharField(max_length=20)
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    password = serializers.CharField(write_only=True, style={"input_type": "password"})

    def validate_nik(self, value: str) -> str:
        if User.objects.filter(nik=value).exists():
            raise serializers.ValidationError(_("An account with this NIK exists already."))
        return value

    def validate_phone(self, value: str) -> str:
        return normalize_phone(value)

    def validate_password(self, value: str) -> str:
        password_validation.validate_password(value)
        return value


class TokenRequestSerializer(serializers.Serializer):
    login = serializers.CharField(help_text=_("NIK or email."))
    password = serializers.CharField(style={"input_type": "password"})
    name = serializers.CharField(
        max_length=TOKEN_NAME_MAX,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("A name to tell this token apart, e.g. the device."),
    )
    otp = serializers.CharField(
        max_length=16,
        required=False,
        allow_blank=True,
        default="",
        help_text=_(
            "Only for an account with an authenticator app set up: the code it shows now, or "
            "one of the account's recovery codes (each works once)."
        ),
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text=_("Shown only now: keep it, it cannot be read again."))
    expires = serializers.DateTimeField()


class ApiTokenSerializer(serializers.ModelSerializer):
    current = serializers.SerializerMethodField(
        help_text=_("Whether this request was made with this token.")
    )

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created", "last_used", "expires", "current"]

    def get_current(self, token: ApiToken) -> bool:
        return token.pk == self.context.get("current")


class ClosureCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Closure.Kind.choices)
    decree_number = serializers.CharField(max_length=100)
    reason = serializers.CharField(max_length=300)
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
    agencies = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    opens = ClockTimeField(allow_null=True)
    closes = ClockTimeField(allow_null=True)

    class Meta:
        model = Closure
        fields = [
            "id",
            "kind",
            "decree_number",
            "reason",
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
