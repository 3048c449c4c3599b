"""API v1 for complaints: file, follow with the secret, reply, rate; staff route and answer."""

import hashlib

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from satupintu.api.idempotency import idempotency_key
from satupintu.api.permissions import StaffOnly
from satupintu.api.serializers import ErrorSerializer
from satupintu.api.users import signed_in_user
from satupintu.complaints import selectors, services
from satupintu.complaints.access import Action, access_report
from satupintu.complaints.api import serializers as rs
from satupintu.complaints.models import Report
from satupintu.malls.api.serializers import MallQuerySerializer

BAD = OpenApiResponse(ErrorSerializer, description="Refused: the error says why.")
NOT_FOUND = OpenApiResponse(ErrorSerializer, description="Not found (or a wrong secret).")
SECRET = OpenApiParameter(
    "X-Report-Secret",
    location=OpenApiParameter.HEADER,
    required=True,
    description="The secret returned when the report was filed.",
)


IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "At most 100 characters. Sending the same key again from the same client returns the "
        "report it filed, with the same secret, instead of filing another."
    ),
)


def _idempotency(request: Request) -> tuple[str, str]:
    """The request's Idempotency-Key and whose it is: a hash of the client's address (as the
    throttles see it), since filing needs no account."""
    key = idempotency_key(request)
    if not key:
        return "", ""
    client = ScopedRateThrottle().get_ident(request)
    return key, hashlib.sha256(f"report-client:{client}".encode()).hexdigest()


def _by_secret(request: Request, tracking_id: str) -> Report:
    return services.report_for_secret(
        tracking_id=tracking_id, secret=request.headers.get("X-Report-Secret", "")
    )


class ReportCreateView(APIView):
    authentication_classes: list = []
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    throttle_scope = "reports"

    @extend_schema(
        tags=["complaints"],
        request=rs.ReportCreateSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: rs.FiledSerializer, 400: BAD, 429: BAD},
    )
    def post(self, request: Request) -> Response:
        key, scope = _idempotency(request)
        data = rs.ReportCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        filed = services.report_file(**fields, idempotency_key=key, idempotency_scope=scope)
        body = {
            "tracking_id": filed.report.tracking_id,
            "secret": filed.secret,
            "status": filed.report.status,
        }
        return Response(body, status=status.HTTP_201_CREATED)


class ReportDetailView(APIView):
    authentication_classes: list = []

    @extend_schema(
        tags=["complaints"],
        parameters=[SECRET],
        responses={200: rs.ReportSerializer, 404: NOT_FOUND},
    )
    def get(self, request: Request, tracking_id: str) -> Response:
        return Response(rs.ReportSerializer(_by_secret(request, tracking_id)).data)


class ReportReplyView(APIView):
    authentication_classes: list = []

    @extend_schema(
        tags=["complaints"],
        parameters=[SECRET],
        request=rs.TextSerializer,
        responses={200: rs.ReportSerializer, 400: BAD, 404: NOT_FOUND},
    )
    def post(self, request: Request, tracking_id: str) -> Response:
        report = _by_secret(request, tracking_id)
        data = rs.TextSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = services.report_reply(report=report, text=data.validated_data["text"])
        return Response(rs.ReportSerializer(report).data)


class ReportRatingView(APIView):
    authentication_classes: list = []

    @extend_schema(
        tags=["complaints"],
        parameters=[SECRET],
        request=rs.RatingSerializer,
        responses={200: rs.ReportSerializer, 400: BAD, 404: NOT_FOUND},
    )
    def post(self, request: Request, tracking_id: str) -> Response:
        """Rate the answer (1-5) and close the report."""
        report = _by_secret(request, tracking_id)
        data = rs.RatingSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = services.report_rate(report=report, rating=data.validated_data["rating"])
        return Response(rs.ReportSerializer(report).data)


class StaffReportListView(APIView):
    permission_classes = [StaffOnly]

    @extend_schema(
        tags=["complaints"],
        parameters=[MallQuerySerializer],
        responses={200: rs.ReportSerializer(many=True), 400: BAD},
    )
    def get(self, request: Request) -> Response:
        """The reports of a mall this member of staff may see."""
        query = MallQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        mall = query.validated_data.get("mall")
        if mall is None:
            raise exceptions.ValidationError({"mall": [_("Choose a mall.")]})
        reports = selectors.reports_for_staff(user=signed_in_user(request), mall=mall)
        return Response(
            rs.ReportSerializer(reports.prefetch_related("events")[:200], many=True).data
        )


class StaffReportActionView(APIView):
    permission_classes = [StaffOnly]
    action = Action.VIEW

    def _report(self, request: Request, tracking_id: str) -> Report:
        return access_report(signed_in_user(request), tracking_id, action=self.action)


class StaffRouteView(StaffReportActionView):
    action = Action.ROUTE

    @extend_schema(
        tags=["complaints"],
        request=rs.RouteSerializer,
        responses={200: rs.ReportSerializer, 400: BAD},
    )
    def post(self, request: Request, tracking_id: str) -> Response:
        report = self._report(request, tracking_id)
        data = rs.RouteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = services.report_route(
            report=report, by=signed_in_user(request), **data.validated_data
        )
        return Response(rs.ReportSerializer(report).data)


class StaffAnswerView(StaffReportActionView):
    action = Action.ANSWER

    @extend_schema(
        tags=["complaints"],
        request=rs.TextSerializer,
        responses={200: rs.ReportSerializer, 400: BAD},
    )
    def post(self, request: Request, tracking_id: str) -> Response:
        report = self._report(request, tracking_id)
        data = rs.TextSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = services.report_answer(
            report=report, by=signed_in_user(request), text=data.validated_data["text"]
        )
        return Response(rs.ReportSerializer(report).data)
