"""API v1 views: parse the query, call a selector, render."""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.serializers import Serializer

from satupintu.api import serializers as s
from satupintu.catalog import selectors as catalog
from satupintu.catalog.models import Service
from satupintu.malls import selectors as malls
from satupintu.malls.models import Agency, Announcement, Mall

BAD_REQUEST = {400: OpenApiResponse(s.ErrorSerializer, description="Invalid query parameter.")}
NOT_FOUND = {404: OpenApiResponse(s.ErrorSerializer, description="Not found.")}


class QueryMixin:
    """Validates query parameters with ``query_serializer``; a bad one answers 400."""

    query_serializer: type[Serializer]
    request: Request

    def query(self) -> dict[str, Any]:
        serializer = self.query_serializer(data=self.request.query_params)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


@extend_schema(tags=["malls"])
class MallListView(generics.ListAPIView):
    serializer_class = s.MallSerializer

    def get_queryset(self) -> QuerySet[Mall]:
        return malls.mall_list()


@extend_schema(tags=["malls"], responses={200: s.MallDetailSerializer, **NOT_FOUND})
class MallDetailView(generics.RetrieveAPIView):
    serializer_class = s.MallDetailSerializer

    def get_object(self) -> Mall:
        return malls.mall_get(slug=self.kwargs["slug"])


@extend_schema(
    tags=["malls"],
    parameters=[s.MallQuerySerializer],
    responses={200: s.AgencySerializer(many=True), **BAD_REQUEST},
)
class AgencyListView(QueryMixin, generics.ListAPIView):
    serializer_class = s.AgencySerializer
    query_serializer = s.MallQuerySerializer

    def get_queryset(self) -> QuerySet[Agency]:
        mall = self.query().get("mall")
        return catalog.agency_list(mall=mall).select_related("mall")


@extend_schema(
    tags=["catalog"],
    parameters=[s.ServiceQuerySerializer],
    responses={200: s.ServiceSerializer(many=True), **BAD_REQUEST},
)
class ServiceListView(QueryMixin, generics.ListAPIView):
    serializer_class = s.ServiceSerializer
    query_serializer = s.ServiceQuerySerializer

    def get_queryset(self) -> QuerySet[Service]:
        params = self.query()
        return catalog.service_search(query=params.pop("q", ""), **params)


@extend_schema(tags=["catalog"], responses={200: s.ServiceDetailSerializer, **NOT_FOUND})
class ServiceDetailView(generics.RetrieveAPIView):
    serializer_class = s.ServiceDetailSerializer

    def get_object(self) -> Service:
        return catalog.service_detail(service_id=self.kwargs["pk"])


@extend_schema(
    tags=["malls"],
    parameters=[s.MallQuerySerializer],
    responses={200: s.AnnouncementSerializer(many=True), **BAD_REQUEST},
)
class AnnouncementListView(QueryMixin, generics.ListAPIView):
    serializer_class = s.AnnouncementSerializer
    query_serializer = s.MallQuerySerializer

    def get_queryset(self) -> QuerySet[Announcement]:
        return malls.announcement_current(mall=self.query().get("mall"))
