"""API v1 for citizens' accounts: registering, and their tokens.

A citizen's token is made by signing in (``POST auth/token/``), shown once, and sent as
``Authorization: Token <token>``; only its hash is kept. It expires after API_TOKEN_TTL_DAYS
and dies with a password change; its owner lists and revokes their tokens (``auth/tokens/``).
A citizen who set up an authenticator app also sends its current code (or a recovery code) as
``otp``.
"""

import django_otp
from django.conf import settings
from django.contrib.auth import authenticate
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from satupintu.accounts import lockout, recovery
from satupintu.accounts import selectors as accounts
from satupintu.accounts.api import serializers as s
from satupintu.accounts.models import ApiToken, User
from satupintu.accounts.services import api_token_create, api_token_revoke
from satupintu.api.serializers import ErrorSerializer
from satupintu.api.users import signed_in_user

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


class RegisterView(APIView):
    """Opening an account takes two steps: this one sends a code to the phone (WhatsApp, then
    SMS) or email given; ``auth/register/confirm/`` with it opens the account. A NIK that has
    an account gets the same answer (its owner is sent a claim or reset instead), so the API
    tells nobody which NIKs have accounts. Where the deployment checks identities with Dukcapil,
    ``birth_date`` is required and a NIK, name and birth date the civil registry does not match
    are refused (400, ``identity_not_matched``, saying nothing of the registry's data); the
    registry not answering refuses nothing (the account is verified later)."""

    authentication_classes: list = []
    throttle_scope = "register"

    @extend_schema(
        tags=["accounts"],
        request=s.RegisterSerializer,
        responses={202: s.RegistrationStartedSerializer, 400: BAD},
    )
    def post(self, request: Request) -> Response:
        data = s.RegisterSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        pending = recovery.registration_start(
            full_name=fields["name"],
            nik=fields["nik"],
            phone=fields["phone"],
            email=fields["email"],
            password=fields["password"],
            language=get_language() or "id",
            birth_date=fields["birth_date"],
        )
        body = {
            "registration": recovery.registration_park(pending),
            "expires": pending.expires,
            "detail": _("We sent a code to your phone or email: send it to confirm."),
        }
        return Response(body, status=status.HTTP_202_ACCEPTED)


class RegisterConfirmView(APIView):
    authentication_classes: list = []
    throttle_scope = "register"

    @extend_schema(
        tags=["accounts"],
        request=s.RegisterConfirmSerializer,
        responses={201: s.TokenSerializer, 400: BAD},
    )
    def post(self, request: Request) -> Response:
        data = s.RegisterConfirmSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = recovery.registration_confirm(
            registration=data.validated_data["registration"], code=data.validated_data["code"]
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
        request=s.TokenRequestSerializer,
        responses={200: s.TokenSerializer, 400: BAD, 403: TOKEN_REFUSED, 429: LOCKED},
    )
    def post(self, request: Request) -> Response:
        data = s.TokenRequestSerializer(data=request.data)
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

    @extend_schema(tags=["accounts"], responses={200: s.ApiTokenSerializer(many=True)})
    def get(self, request: Request) -> Response:
        current = request.auth.pk if isinstance(request.auth, ApiToken) else None
        tokens = accounts.api_token_list(user=signed_in_user(request))
        return Response(s.ApiTokenSerializer(tokens, many=True, context={"current": current}).data)


class TokenDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=["accounts"], responses={204: None, 404: NOT_FOUND})
    def delete(self, request: Request, pk: int) -> Response:
        api_token_revoke(user=signed_in_user(request), token_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)
