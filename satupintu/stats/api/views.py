"""API v1 open data: a mall's public figures of a month, as JSON or a streamed CSV."""

from typing import Any

from django.conf import settings
from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from satupintu.api.serializers import ErrorSerializer
from satupintu.stats.api import serializers as s
from satupintu.stats.disclosure import MALL, cached_public_table, published_rows
from satupintu.stats.exports import csv_lines, open_month_rows
from satupintu.stats.selectors import OpenScope, open_scope

ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Not a month, or one not begun yet."),
    404: OpenApiResponse(ErrorSerializer, description="No such mall, agency or service."),
    429: OpenApiResponse(ErrorSerializer, description="Too many requests."),
}


class _OpenData(APIView):
    # Anyone may read; each client is counted against OPEN_DATA_THROTTLE_RATE.
    throttle_scope = "open_data"

    def scope(self, request: Request, mall: str, year: int, month: int) -> OpenScope:
        query = s.MonthQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return open_scope(mall=mall, year=year, month=month, **query.validated_data)


class MonthStatsView(_OpenData):
    @extend_schema(
        tags=["stats"],
        summary="A mall's public figures of a month",
        description=(
            "Visits, applicants, applications, complaints and IKM of one mall (or one of its "
            "agencies or services) in one month of its local dates. Counts below the "
            "threshold are withheld (null, suppressed), and with them the fewest other counts "
            "that would let them be worked out by difference (complementary suppression: see "
            "satupintu/stats/disclosure.py), and the means over withheld counts."
        ),
        parameters=[s.MonthQuerySerializer],
        responses={200: s.MonthStatsSerializer, **ERRORS},
    )
    def get(self, request: Request, mall: str, year: int, month: int) -> Response:
        scope = self.scope(request, mall, year, month)
        threshold = settings.STATS_SUPPRESS_BELOW
        # The whole mall's table, so a unit shows what it shows in the CSV (its complements).
        table = cached_public_table(mall=scope.mall, period=scope.period, threshold=threshold)
        unit = MALL
        if scope.service is not None:
            unit = ("service", scope.service.pk)
        elif scope.agency is not None:
            unit = ("agency", scope.agency.pk)
        body: dict[str, Any] = {
            "mall": scope.mall.slug,
            "mall_name": scope.mall.name,
            "agency": scope.agency.slug if scope.agency else None,
            "service": scope.service.pk if scope.service else None,
            "start": scope.period.start,
            "end": scope.period.end,
            "threshold": threshold,
            "figures": [vars(row) for row in published_rows(table, unit)],
        }
        return Response(s.MonthStatsSerializer(body).data)


class MonthCsvView(_OpenData):
    @extend_schema(
        tags=["stats"],
        summary="A mall's public figures of a month as CSV",
        description=(
            "One line per figure: the mall's (or the agency's or service's asked for), then "
            "each agency's and each service's. Streamed."
        ),
        parameters=[s.MonthQuerySerializer],
        responses={(200, "text/csv"): OpenApiTypes.STR, **ERRORS},
    )
    def get(self, request: Request, mall: str, year: int, month: int) -> StreamingHttpResponse:
        scope = self.scope(request, mall, year, month)
        rows = open_month_rows(scope, threshold=settings.STATS_SUPPRESS_BELOW)
        response = StreamingHttpResponse(csv_lines(rows), content_type="text/csv; charset=utf-8")
        name = f"satupintu-{scope.mall.slug}-{year:04d}-{month:02d}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
