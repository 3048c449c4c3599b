"""Serializers of API v1 for the catalog: query parameters in, services and their standard out."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from satupintu.api.fields import ID_MAX
from satupintu.catalog.models import DownloadableForm, Service
from satupintu.malls.api.serializers import MallQuerySerializer
from satupintu.malls.models import Agency, Mall


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


class ServiceSerializer(serializers.ModelSerializer):
    mall: serializers.SlugRelatedField[Mall] = serializers.SlugRelatedField(
        source="agency.mall", slug_field="slug", read_only=True
    )
    agency: serializers.PrimaryKeyRelatedField[Agency] = serializers.PrimaryKeyRelatedField(
        read_only=True
    )
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
