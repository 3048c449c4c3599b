"""Serializers of API v1 for complaints."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from satupintu.accounts.validators import normalize_phone
from satupintu.api.fields import SaneDateField
from satupintu.complaints.models import Report, ReportEvent
from satupintu.complaints.validators import MAX_ATTACHMENTS, validate_evidence
from satupintu.malls.calendar import with_days_off
from satupintu.malls.models import Agency, Mall


class ReportCreateSerializer(serializers.Serializer):
    # With its coming days off: the report's deadline needs them, and they come in this query.
    mall = serializers.SlugRelatedField(
        slug_field="slug", queryset=with_days_off(Mall.objects.filter(is_active=True))
    )
    kind = serializers.ChoiceField(choices=Report.Kind.choices)
    category = serializers.ChoiceField(choices=Report.Category.choices)
    title = serializers.CharField(max_length=150)
    text = serializers.CharField(min_length=20, max_length=4000)
    event_date = SaneDateField(required=False, allow_null=True, default=None)
    location = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    agency = serializers.PrimaryKeyRelatedField(
        queryset=Agency.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        default=None,
    )
    anonymous = serializers.BooleanField(default=False)
    confidential = serializers.BooleanField(default=False)
    name = serializers.CharField(max_length=150, required=False, default="", allow_blank=True)
    email = serializers.EmailField(required=False, default="", allow_blank=True)
    phone = serializers.CharField(max_length=20, required=False, default="", allow_blank=True)
    attachments = serializers.ListField(
        child=serializers.FileField(validators=[validate_evidence]),
        required=False,
        default=list,
        max_length=MAX_ATTACHMENTS,
    )

    def validate_phone(self, value: str) -> str:
        return normalize_phone(value) if value else ""

    def validate(self, attrs: dict) -> dict:
        agency = attrs.get("agency")
        if agency and agency.mall_id != attrs["mall"].pk:
            raise serializers.ValidationError({"agency": _("That agency is not in this mall.")})
        return attrs


class FiledSerializer(serializers.Serializer):
    tracking_id = serializers.CharField()
    secret = serializers.CharField(help_text=_("Send it as X-Report-Secret to follow the report."))
    status = serializers.CharField()


class ReportEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReportEvent
        fields = ["kind", "text", "created_at"]


class ReportSerializer(serializers.ModelSerializer):
    """A report as its reporter and its handlers see it: no identity."""

    mall: serializers.SlugRelatedField[Mall] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    events = ReportEventSerializer(many=True, read_only=True)

    class Meta:
        model = Report
        fields = [
            "tracking_id",
            "mall",
            "kind",
            "category",
            "title",
            "text",
            "event_date",
            "location",
            "agency",
            "status",
            "deadline_class",
            "verify_due",
            "answer_due",
            "close_due",
            "escalated_at",
            "rating",
            "created_at",
            "events",
        ]


class TextSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=4000)


class RatingSerializer(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)


class RouteSerializer(serializers.Serializer):
    agency = serializers.PrimaryKeyRelatedField(queryset=Agency.objects.all())
    deadline_class = serializers.ChoiceField(choices=Report.DeadlineClass.choices)
    note = serializers.CharField(max_length=4000, required=False, default="", allow_blank=True)
