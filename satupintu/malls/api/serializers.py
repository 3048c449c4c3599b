"""Serializers of API v1: query parameters in, public catalog data out."""

from datetime import date
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from satupintu.catalog.models import DownloadableForm, Service
from satupintu.malls.models import Agency, Announcement, Mall, OpeningHours


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class ErrorSerializer(serializers.Serializer):
    error = ErrorBodySerializer()


@extend_schema_field({"type": "string", "pattern": r"^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$"})
class ClockTimeField(serializers.TimeField):
    """A time of day on the mall's clock, without a time-zone offset (so not OpenAPI's "time")."""


# The largest ids and counters the columns hold (PostgreSQL bigint ids, int4 counters): a larger
# number is refused as input rather than sent to the database.
ID_MAX = 2**63 - 1
INT_MAX = 2**31 - 1
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2100, 12, 31)


class SaneDateField(serializers.DateField):
    """A date between 1900 and 2100: DRF takes any year from 1 to 9999, which no case needs
    and which the mall's clock cannot always show (local mean time offsets)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.validators.append(MinValueValidator(EARLIEST_DATE))
        self.validators.append(MaxValueValidator(LATEST_DATE))


class MallQuerySerializer(serializers.Serializer):
    mall = serializers.SlugField(required=False, help_text=_("Slug of a mall."))

    def validate_mall(self, value: str) -> Mall:
        try:
            return Mall.objects.get(slug=value, is_active=True)
        except Mall.DoesNotExist as exc:
            raise serializers.ValidationError(_("No mall with this slug.")) from exc


class ServiceQuerySerializer(MallQuerySerializer):
    agency = serializers.IntegerField(
        required=False, min_value=1, max_value=ID_MAX, help_text=_("Agency id.")
    )
    q = serializers.CharField(
        required=False, max_length=200, allow_blank=True, help_text=_("Words to search for.")
    )
    channel = serializers.ChoiceField(required=False, choices=["online", "in_person"])

    def validate_agency(self, value: int) -> Agency:
        try:
            return Agency.objects.get(pk=value, is_active=True)
        except Agency.DoesNotExist as exc:
            raise serializers.ValidationError(_("No agency with this id.")) from exc

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        mall, agency = attrs.get("mall"), attrs.get("agency")
        if mall and agency and agency.mall_id != mall.pk:
            raise serializers.ValidationError({"agency": _("This agency is not in this mall.")})
        return attrs


class OpeningHoursSerializer(serializers.ModelSerializer):
    opens = ClockTimeField()
    closes = ClockTimeField()

    class Meta:
        model = OpeningHours
        fields = ["weekday", "opens", "closes"]


class MallSerializer(serializers.ModelSerializer):
    agency_count = serializers.IntegerField(read_only=True)
    service_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Mall
        fields = [
            "slug",
            "name",
            "kind",
            "region_code",
            "time_zone",
            "agency_count",
            "service_count",
        ]


class AnnouncementSerializer(serializers.ModelSerializer):
    mall = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    agency = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = Announcement
        fields = ["id", "mall", "agency", "kind", "title", "body", "valid_from", "valid_until"]


class MallDetailSerializer(MallSerializer):
    opening_hours = OpeningHoursSerializer(many=True, read_only=True)
    contacts = serializers.SerializerMethodField()

    class Meta(MallSerializer.Meta):
        fields = [*MallSerializer.Meta.fields, "address", "opening_hours", "contacts"]

    @extend_schema_field(serializers.DictField(child=serializers.JSONField()))
    def get_contacts(self, mall: Mall) -> dict[str, Any]:
        return {
            "phone": mall.phone,
            "whatsapp": mall.whatsapp,
            "email": mall.email,
            "website": mall.website,
            "social_media": mall.social_media,
        }


class AgencySerializer(serializers.ModelSerializer):
    mall = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    service_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Agency
        fields = ["id", "mall", "slug", "name", "short_name", "kind", "service_count"]


class ServiceSerializer(serializers.ModelSerializer):
    mall = serializers.SlugRelatedField(source="agency.mall", slug_field="slug", read_only=True)
    agency = serializers.PrimaryKeyRelatedField(read_only=True)
    agency_name = serializers.CharField(source="agency.name", read_only=True)

    class Meta:
        model = Service
        fields = [
            "id",
            "mall",
            "agency",
            "agency_name",
            "name",
            "channel",
            "duration_working_days",
            "fee_rupiah",
        ]


class FeeSerializer(serializers.Serializer):
    rupiah = serializers.IntegerField(source="fee_rupiah")
    is_free = serializers.BooleanField()
    legal_basis = serializers.CharField(source="fee_legal_basis")


class StandardSerializer(serializers.Serializer):
    """The 14 components of the service standard (PermenPANRB 15/2014)."""

    requirements = serializers.SerializerMethodField()
    procedure = serializers.SerializerMethodField()
    duration_working_days = serializers.IntegerField()
    fee = FeeSerializer(source="*")
    product = serializers.CharField()
    complaint_handling = serializers.CharField()
    legal_basis = serializers.CharField()
    facilities = serializers.CharField()
    staff_competence = serializers.CharField()
    internal_supervision = serializers.CharField()
    staff_count = serializers.IntegerField(allow_null=True)
    service_guarantee = serializers.CharField()
    security_guarantee = serializers.CharField()
    performance_evaluation = serializers.CharField()

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_requirements(self, service: Service) -> list[str]:
        return [requirement.text for requirement in service.requirements.all()]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_procedure(self, service: Service) -> list[str]:
        return [step.text for step in service.steps.all()]


class DownloadableFormSerializer(serializers.ModelSerializer):
    class Meta:
        model = DownloadableForm
        fields = ["title", "file"]


class ServiceDetailSerializer(ServiceSerializer):
    standard = StandardSerializer(source="*", read_only=True)
    forms = DownloadableFormSerializer(many=True, read_only=True)

    class Meta(ServiceSerializer.Meta):
        fields = [*ServiceSerializer.Meta.fields, "description", "standard", "forms", "form_schema"]
