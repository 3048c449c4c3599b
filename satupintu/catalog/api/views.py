"""API v1 for the catalog: parse the query, call a selector, render."""

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics

from satupintu.api.query import QueryMixin
from satupintu.api.serializers import ErrorSerializer
from satupintu.catalog import selectors as catalog
from satupintu.catalog.api import serializers as s
from satupintu.catalog.models import Service
from satupintu.db import replica

BAD_REQUEST = {400: OpenApiResponse(ErrorSerializer, description="Invalid query parameter.")}
NOT_FOUND = {404: OpenApiResponse(ErrorSerializer, description="Not found.")}


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
        # The catalog changes seldom: the search may lag behind it by the replica's delay.
        return catalog.service_search(query=params.pop("q", ""), using=replica(), **params)


@extend_schema(tags=["catalog"], responses={200: s.ServiceDetailSerializer, **NOT_FOUND})
class ServiceDetailView(generics.RetrieveAPIView):
    serializer_class = s.ServiceDetailSerializer

    def get_object(self) -> Service:
        return catalog.service_detail(service_id=self.kwargs["pk"])
