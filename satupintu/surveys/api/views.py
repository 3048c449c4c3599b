"""API v1 for surveys: the public IKM of a mall or one of its services, as their pages show
it (the last twelve months; figures only from the minimum number of respondents)."""

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from satupintu.api.serializers import ErrorSerializer
from satupintu.catalog import selectors as catalog
from satupintu.catalog.models import Service
from satupintu.malls import selectors as malls
from satupintu.malls.models import Mall
from satupintu.surveys import selectors as surveys
from satupintu.surveys.api.serializers import PublicIkmSerializer

NOT_FOUND = {404: OpenApiResponse(ErrorSerializer, description="Not found.")}


@extend_schema(tags=["surveys"], responses={200: PublicIkmSerializer, **NOT_FOUND})
class MallIkmView(APIView):
    """The public IKM of a mall over the last twelve months."""

    def get(self, request: Request, slug: str) -> Response:
        try:
            mall = malls.mall_get(slug=slug)
        except Mall.DoesNotExist as exc:
            raise Http404 from exc
        return Response(PublicIkmSerializer(surveys.public_ikm(mall=mall)).data)


@extend_schema(tags=["surveys"], responses={200: PublicIkmSerializer, **NOT_FOUND})
class ServiceIkmView(APIView):
    """The public IKM of one service over the last twelve months."""

    def get(self, request: Request, pk: int) -> Response:
        try:
            service = catalog.service_detail(service_id=pk)
        except Service.DoesNotExist as exc:
            raise Http404 from exc
        ikm = surveys.public_ikm(mall=service.agency.mall, service=service)
        return Response(PublicIkmSerializer(ikm).data)
