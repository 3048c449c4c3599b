"""Serializers of API v1 for malls: query parameters in, malls, agencies and announcements out."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from satupintu.api.fields import ClockTimeField
from satupintu.malls.models import Agency, Announcement, Mall, OpeningHours


class MallQuerySerializer(serializers.Serializer):
    mall = serializers.SlugField(required=False, help_text=_("Slug of a mall."))

    def validate_mall(self, value: str) -> Mall:
        try:
            return Mall.objects.get(slug=value, is_active=True)
        except Mall.DoesNotExist as exc:
            raise serializers.ValidationError(_("No mall with this slug.")) from exc


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
    mall: serializers.SlugRelatedField[Mall] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    agency: serializers.PrimaryKeyRelatedField[Agency] = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True
    )
    # In the language the request asks for (Accept-Language), Indonesian by default.
    title = serializers.CharField(read_only=True)
    body = serializers.CharField(read_only=True)

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
    mall: serializers.SlugRelatedField[Mall] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    service_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Agency
        fields = ["id", "mall", "slug", "name", "short_name", "kind", "service_count"]
