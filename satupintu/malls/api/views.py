"""API v1 for malls: parse the query, call a selector, render."""

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics

from satupintu.api.query import QueryMixin
from satupintu.api.serializers import ErrorSerializer
from satupintu.catalog import selectors as catalog
from satupintu.malls import selectors as malls
from satupintu.malls.api import serializers as s
from satupintu.malls.models import Agency, Announcement, Mall

BAD_REQUEST = {400: OpenApiResponse(ErrorSerializer, description="Invalid query parameter.")}
NOT_FOUND = {404: OpenApiResponse(ErrorSerializer, description="Not found.")}


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
        if mall is None:
            return Agency.objects.none()  # every agency is in a mall: none without one
        return catalog.agency_list(mall=mall).select_related("mall")


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
