"""API v1 for visits: a day's slots, booking with an Idempotency-Key, closures of a mall."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from satupintu.api.idempotency import idempotency_key
from satupintu.api.serializers import ErrorSerializer
from satupintu.api.users import signed_in_user
from satupintu.booking import selectors as visits
from satupintu.booking.api import serializers as vs
from satupintu.booking.services.bookings import booking_cancel, booking_request
from satupintu.booking.services.closures import closure_record
from satupintu.booking.services.slots import slots_offered
from satupintu.catalog import selectors as catalog
from satupintu.malls import selectors as malls
from satupintu.malls.models import Agency
from satupintu.malls.permissions import staff_scope

BAD = OpenApiResponse(ErrorSerializer, description="Refused: the error says why.")
NOT_FOUND = OpenApiResponse(ErrorSerializer, description="Not found.")
CONFLICT = OpenApiResponse(
    vs.BookingConflictSerializer,
    description="The slot is full (with the next free slots) or already booked that day.",
)


class SlotListView(APIView):
    @extend_schema(
        tags=["visits"],
        parameters=[vs.SlotQuerySerializer],
        responses={200: vs.SlotSerializer(many=True), 400: BAD, 404: NOT_FOUND},
    )
    def get(self, request: Request, pk: int) -> Response:
        query = vs.SlotQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        service = catalog.service_detail(service_id=pk)
        day = query.validated_data["date"]
        # Slots are created on first read: a day outside the horizon is refused before any write.
        if not visits.within_horizon(service=service, day=day):
            raise exceptions.ValidationError({"date": [visits.horizon_message(service=service)]})
        # Only what booking accepts: slots past the cut-off are left out like the portal's.
        plan = slots_offered(service=service, day=day)
        return Response(vs.SlotSerializer(plan.slots, many=True).data)


class BookingCreateView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["visits"],
        request=vs.BookingCreateSerializer,
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                location=OpenApiParameter.HEADER,
                required=False,
                description="Sending the same key again returns the booking it made.",
            )
        ],
        responses={201: vs.BookingSerializer, 400: BAD, 401: BAD, 404: NOT_FOUND, 409: CONFLICT},
    )
    def post(self, request: Request) -> Response:
        data = vs.BookingCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        key = idempotency_key(request)
        booking = booking_request(
            citizen=signed_in_user(request),
            slot_id=data.validated_data["slot"],
            priority=data.validated_data.get("priority", ""),
            idempotency_key=key,
        )
        return Response(vs.BookingSerializer(booking).data, status=status.HTTP_201_CREATED)


class BookingDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=["visits"], responses={200: vs.BookingSerializer, 404: NOT_FOUND})
    def get(self, request: Request, code: str) -> Response:
        booking = visits.booking_get(citizen=signed_in_user(request), code=code)
        return Response(vs.BookingSerializer(booking).data)

    @extend_schema(tags=["visits"], responses={200: vs.BookingSerializer, 400: BAD, 404: NOT_FOUND})
    def delete(self, request: Request, code: str) -> Response:
        booking = visits.booking_get(citizen=signed_in_user(request), code=code)
        booking = booking_cancel(booking=booking)
        return Response(vs.BookingSerializer(booking).data)


class ClosureCreateView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["visits"],
        request=vs.ClosureCreateSerializer,
        responses={201: vs.ClosureSerializer, 400: BAD, 403: BAD, 404: NOT_FOUND},
    )
    def post(self, request: Request, slug: str) -> Response:
        """A mall manager records a closure or restricted hours; the bookings it touches are
        moved and their holders told. The answer holds the report."""
        mall = malls.mall_get(slug=slug)
        scope = staff_scope(request.user)
        if not (scope.is_superuser or mall.pk in scope.managed_mall_ids):
            raise exceptions.PermissionDenied(_("Only this mall's managers record closures."))
        data = vs.ClosureCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        ids = fields.pop("agencies")
        agencies = list(Agency.objects.filter(pk__in=ids))
        if len(agencies) != len(set(ids)):
            raise exceptions.ValidationError({"agencies": [_("Not an agency of this mall.")]})
        closure = closure_record(mall=mall, agencies=agencies, by=signed_in_user(request), **fields)
        return Response(vs.ClosureSerializer(closure).data, status=status.HTTP_201_CREATED)
