"""API v1 for applications: public tracking."""

from dataclasses import asdict

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from satupintu.api.errors import TooMany
from satupintu.api.serializers import ErrorSerializer
from satupintu.cases.tracking import TooManyGuesses, track_guarded

NOT_FOUND = OpenApiResponse(ErrorSerializer, description="Not found.")


class TrackStepSerializer(serializers.Serializer):
    step = serializers.CharField()
    label = serializers.CharField()
    done_at = serializers.DateTimeField(allow_null=True)
    current = serializers.BooleanField()


class TrackingSerializer(serializers.Serializer):
    tracking_number = serializers.CharField()
    service = serializers.CharField()
    agency = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    due_date = serializers.DateField(allow_null=True)
    steps = TrackStepSerializer(many=True)


class TrackingView(APIView):
    authentication_classes: list = []
    throttle_scope = "auth"

    @extend_schema(
        tags=["applications"],
        parameters=[
            OpenApiParameter(
                "phone_last4",
                required=True,
                description="Last four digits of the applicant's phone.",
            )
        ],
        responses={
            200: TrackingSerializer,
            404: NOT_FOUND,
            429: OpenApiResponse(ErrorSerializer, description="Too many tries."),
        },
    )
    def get(self, request: Request, tracking_number: str) -> Response:
        """An application's steps, for whoever knows its number and the phone's last digits;
        never personal data."""
        try:
            found = track_guarded(
                tracking_number=tracking_number,
                phone_last4=request.query_params.get("phone_last4", ""),
            )
        except TooManyGuesses:
            raise TooMany(
                wait=settings.TRACKING_LOCKOUT_SECONDS,
                detail=_("Too many wrong digits for this number lately."),
            ) from None
        if found is None:
            raise exceptions.NotFound(_("No application matches this number and these digits."))
        return Response(TrackingSerializer(asdict(found)).data)
