"""API v1 for complaints: file, follow with the secret, reply, rate; staff route and answer."""

import hashlib
from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer
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


def _write_schema[V: Callable[..., Any]](
    body: type[Serializer], *, by_secret: bool = False
) -> Callable[[V], V]:
    """The schema of a write answered with the report: the reporter's names it with the secret
    (a wrong one is a 404), staff's with their access."""
    responses = {200: rs.ReportSerializer, 400: BAD} | ({404: NOT_FOUND} if by_secret else {})
    return extend_schema(
        tags=["complaints"],
        parameters=[SECRET] if by_secret else None,
        request=body,
        responses=responses,
    )


# A view of one report: its subclass says how a request finds the report (``_report``) and whom
# a write to it is recorded as made by (``_by``). Comments, not docstrings, on these bases: the
# schema would take a docstring as the description of every view below them.
class ReportView(APIView):
    def _report(self, request: Request, tracking_id: str) -> Report:
        raise NotImplementedError

    def _by(self, request: Request) -> dict[str, object]:
        return {}

    def _write(
        self,
        request: Request,
        tracking_id: str,
        body: type[Serializer],
        write: Callable[..., Report],
    ) -> Response:
        """``write`` to the report, given the fields of ``body`` (read from the request) as its
        keyword arguments; answered with the report as it leaves it."""
        report = self._report(request, tracking_id)
        data = body(data=request.data)
        data.is_valid(raise_exception=True)
        report = write(report=report, **self._by(request), **data.validated_data)
        return Response(rs.ReportSerializer(report).data)


# The reporter's: no account, the report named by its tracking id and secret.
class ReporterView(ReportView):
    authentication_classes: list = []

    def _report(self, request: Request, tracking_id: str) -> Report:
        return services.report_for_secret(
            tracking_id=tracking_id, secret=request.headers.get("X-Report-Secret", "")
        )


class ReportDetailView(ReporterView):
    @extend_schema(
        tags=["complaints"],
        parameters=[SECRET],
        responses={200: rs.ReportSerializer, 404: NOT_FOUND},
    )
    def get(self, request: Request, tracking_id: str) -> Response:
        return Response(rs.ReportSerializer(self._report(request, tracking_id)).data)


class ReportReplyView(ReporterView):
    @_write_schema(rs.TextSerializer, by_secret=True)
    def post(self, request: Request, tracking_id: str) -> Response:
        return self._write(request, tracking_id, rs.TextSerializer, services.report_reply)


class ReportRatingView(ReporterView):
    @_write_schema(rs.RatingSerializer, by_secret=True)
    def post(self, request: Request, tracking_id: str) -> Response:
        """Rate the answer (1-5) and close the report."""
        return self._write(request, tracking_id, rs.RatingSerializer, services.report_rate)


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


class StaffReportActionView(ReportView):
    permission_classes = [StaffOnly]
    action = Action.VIEW

    def _report(self, request: Request, tracking_id: str) -> Report:
        return access_report(signed_in_user(request), tracking_id, action=self.action)

    def _by(self, request: Request) -> dict[str, object]:
        return {"by": signed_in_user(request)}


class StaffRouteView(StaffReportActionView):
    action = Action.ROUTE

    @_write_schema(rs.RouteSerializer)
    def post(self, request: Request, tracking_id: str) -> Response:
        return self._write(request, tracking_id, rs.RouteSerializer, services.report_route)


class StaffAnswerView(StaffReportActionView):
    action = Action.ANSWER

    @_write_schema(rs.TextSerializer)
    def post(self, request: Request, tracking_id: str) -> Response:
        return self._write(request, tracking_id, rs.TextSerializer, services.report_answer)
