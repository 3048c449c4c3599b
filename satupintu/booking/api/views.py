"""API v1 for visits: a day's slots, booking with an Idempotency-Key, citizens' tokens.

A citizen's token is made by signing in (``POST auth/token/``), shown once, and sent as
``Authorization: Token <token>``; only its hash is kept. It expires after API_TOKEN_TTL_DAYS
and dies with a password change; its owner lists and revokes their tokens (``auth/tokens/``).
A citizen who set up an authenticator app also sends its current code (or a recovery code) as
``otp``.
"""

import django_otp
from django.conf import settings
from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from satupintu.accounts import lockout
from satupintu.accounts import selectors as accounts
from satupintu.accounts.models import ApiToken, User
from satupintu.accounts.services import api_token_create, api_token_revoke, citizen_register
from satupintu.api import visit_serializers as vs
from satupintu.api.idempotency import idempotency_key
from satupintu.api.serializers import ErrorSerializer
from satupintu.booking import selectors as visits
from satupintu.booking import services as booking_services
from satupintu.booking.models import Slot
from satupintu.catalog import selectors as catalog
from satupintu.malls import selectors as malls
from satupintu.malls.models import Agency
from satupintu.malls.permissions import staff_scope

BAD = OpenApiResponse(ErrorSerializer, description="Refused: the error says why.")
NOT_FOUND = OpenApiResponse(ErrorSerializer, description="Not found.")
LOCKED = OpenApiResponse(
    ErrorSerializer, description="Too many failed sign-ins or requests: wait, then try again."
)
TOKEN_REFUSED = OpenApiResponse(
    ErrorSerializer,
    description=(
        "The password is right but no token is given: the account has an authenticator app and "
        "`otp` is missing (`otp_required`) or not right (`otp_invalid`, counted as a failed "
        "sign-in), or it is a staff account (`staff_no_token`)."
    ),
)
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
        plan = booking_services.slots_open(service=service, day=day)
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
        # The mall's visit policy comes along: the booking checks its horizon and cut-off.
        slot = Slot.objects.select_related("service__agency__mall__visit_policy").get(
            pk=data.validated_data["slot"]
        )
        key = idempotency_key(request)
        booking = booking_services.booking_create(
            citizen=request.user,
            slot=slot,
            priority=data.validated_data.get("priority", ""),
            idempotency_key=key,
        )
        return Response(vs.BookingSerializer(booking).data, status=status.HTTP_201_CREATED)


class BookingDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=["visits"], responses={200: vs.BookingSerializer, 404: NOT_FOUND})
    def get(self, request: Request, code: str) -> Response:
        booking = visits.booking_get(citizen=request.user, code=code)
        return Response(vs.BookingSerializer(booking).data)

    @extend_schema(tags=["visits"], responses={200: vs.BookingSerializer, 400: BAD, 404: NOT_FOUND})
    def delete(self, request: Request, code: str) -> Response:
        booking = visits.booking_get(citizen=request.user, code=code)
        booking = booking_services.booking_cancel(booking=booking)
        return Response(vs.BookingSerializer(booking).data)


class RegisterView(APIView):
    authentication_classes: list = []
    throttle_scope = "register"

    @extend_schema(
        tags=["accounts"],
        request=vs.RegisterSerializer,
        responses={201: vs.TokenSerializer, 400: BAD},
    )
    def post(self, request: Request) -> Response:
        data = vs.RegisterSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        user = citizen_register(
            full_name=fields["name"],
            nik=fields["nik"],
            phone=fields["phone"],
            email=fields["email"],
            password=fields["password"],
        )
        token, secret = api_token_create(user=user)
        return Response({"token": secret, "expires": token.expires}, status=status.HTTP_201_CREATED)


def _second_factor_refused(
    request: Request, *, user: User, login: str, code: str
) -> Response | None:
    """None when the request carries a right code of ``user``'s authenticator (or one of their
    recovery codes, used up by it); else the 403 that says what is missing. A wrong code is a
    failed sign-in, counted for the lock-out like a wrong password."""
    if not code:
        message = _("This account has a second factor: send the code from its app as otp.")
        error = {"code": "otp_required", "message": message, "fields": {}}
        return Response({"error": error}, status=status.HTTP_403_FORBIDDEN)
    if django_otp.match_token(user, code) is None:
        lockout.login_failed(request=request._request, login=login, where="api second factor")
        message = _("That code is not right. Try again.")
        error = {"code": "otp_invalid", "message": message, "fields": {}}
        return Response({"error": error}, status=status.HTTP_403_FORBIDDEN)
    return None


class TokenView(APIView):
    authentication_classes: list = []
    throttle_scope = "auth"

    @extend_schema(
        tags=["accounts"],
        request=vs.TokenRequestSerializer,
        responses={200: vs.TokenSerializer, 400: BAD, 403: TOKEN_REFUSED, 429: LOCKED},
    )
    def post(self, request: Request) -> Response:
        data = vs.TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        login = data.validated_data["login"]
        try:
            lockout.login_check(request=request._request, login=login)
        except lockout.LoginLocked as locked:
            return Response(
                {"error": {"code": "locked_out", "message": locked.message, "fields": {}}},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
                headers={"Retry-After": str(settings.LOGIN_LOCKOUT_SECONDS)},
            )
        user = authenticate(request, username=login, password=data.validated_data["password"])
        if user is None:
            lockout.login_failed(request=request._request, login=login, where="api")
            message = _("That NIK or email and password do not match.")
            return Response(
                {"error": {"code": "invalid_login", "message": message, "fields": {}}},
                status=status.HTTP_400_BAD_REQUEST,
            )
        if settings.TWO_FACTOR_REQUIRED and django_otp.user_has_device(user):
            refused = _second_factor_refused(
                request, user=user, login=login, code=data.validated_data["otp"].strip()
            )
            if refused is not None:
                return refused
        # Only both factors right start the account's count afresh: a right password alone
        # would let a guesser of codes reset it before every try.
        lockout.login_succeeded(login=login)
        if accounts.is_staff_person(user=user):
            # Staff work through the back office, behind its second factor, not with tokens.
            message = _("Staff accounts get no API token here: sign in to the back office.")
            return Response(
                {"error": {"code": "staff_no_token", "message": message, "fields": {}}},
                status=status.HTTP_403_FORBIDDEN,
            )
        token, secret = api_token_create(user=user, name=data.validated_data["name"])
        return Response({"token": secret, "expires": token.expires})


class TokenListView(APIView):
    """The signed-in person's own API tokens: listed (never their secrets) and revoked."""

    permission_classes = [IsAuthenticated]

    @extend_schema(tags=["accounts"], responses={200: vs.ApiTokenSerializer(many=True)})
    def get(self, request: Request) -> Response:
        current = request.auth.pk if isinstance(request.auth, ApiToken) else None
        tokens = accounts.api_token_list(user=request.user)
        return Response(vs.ApiTokenSerializer(tokens, many=True, context={"current": current}).data)


class TokenDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=["accounts"], responses={204: None, 404: NOT_FOUND})
    def delete(self, request: Request, pk: int) -> Response:
        api_token_revoke(user=request.user, token_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


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
        closure = booking_services.closure_record(
            mall=mall, agencies=agencies, by=request.user, **fields
        )
        return Response(vs.ClosureSerializer(closure).data, status=status.HTTP_201_CREATED)
