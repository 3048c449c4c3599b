"""API v1 for online applications: citizens apply, the agency's staff act, licensing systems push.

Citizens and staff authenticate with their token (``Authorization: Token <token>``); an outside
licensing system with its integration key (``Authorization: Api-Key <key>``), to file an
application for a citizen named by NIK, then to read it, add its documents and submit it on the
applicant's behalf, and for nothing else. An application someone may not see is not found.
Anyone who knows an application's number and the last digits of its phone follows its steps.
"""

from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, generics, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from satupintu.accounts.authentication import TokenAuthentication
from satupintu.accounts.models import User
from satupintu.api.authentication import IntegrationKeyAuthentication
from satupintu.api.errors import TooMany
from satupintu.api.idempotency import idempotency_key
from satupintu.api.models import IntegrationKey
from satupintu.api.permissions import CitizenOrIntegration, StaffOnly
from satupintu.api.serializers import ErrorSerializer
from satupintu.api.users import signed_in_user
from satupintu.cases import selectors
from satupintu.cases.access import Action, ApplicationAccess, access_application, access_pushed
from satupintu.cases.api import serializers as aps
from satupintu.cases.errors import CaseError
from satupintu.cases.models import Application, Transition
from satupintu.cases.services import documents, drafts, pushes, workflow
from satupintu.cases.tracking import TooManyGuesses, track_guarded
from satupintu.catalog.models import Requirement, Service

BAD = OpenApiResponse(ErrorSerializer, description="Refused: the error says why.")
NOT_FOUND = OpenApiResponse(ErrorSerializer, description="Not found (or not yours to see).")
CONFLICT = OpenApiResponse(
    ErrorSerializer, description="Someone acted on the application first (code conflict)."
)
FORBIDDEN = OpenApiResponse(ErrorSerializer, description="Not your role or not your step.")
SUBMIT_REFUSED = OpenApiResponse(
    aps.MissingDocumentsSerializer,
    description="Form errors (code invalid, by field) or missing_documents.",
)


def _with_details(applications: QuerySet[Application]) -> QuerySet[Application]:
    return applications.select_related("service__agency__mall", "issued_document").prefetch_related(
        Prefetch("transitions", queryset=Transition.objects.select_related("actor")),
        "documents",
    )


def _shown(request: Request, access: ApplicationAccess, what: str) -> None:
    """Audit a staff member's look at the case their answer is about to hold (a refused
    request leaves no trace)."""
    if access.staff:
        selectors.case_access(
            user=signed_in_user(request), application=access.application, what=what
        )


def _access(request: Request, pk: int, *, action: Action) -> ApplicationAccess:
    """The application for the caller: a person by their token, or an integration by its key
    (seeing and acting as the applicant)."""
    if isinstance(request.auth, IntegrationKey):
        application = access_pushed(
            integration_id=request.auth.pk, mall_id=request.auth.mall_id, application_id=pk
        )
        return ApplicationAccess(application, staff=False)
    return access_application(signed_in_user(request), pk, action=action)


def _acting(request: Request, application: Application) -> User:
    """Who acts: the caller, or for an integration the applicant it acts for (the case
    services know only people)."""
    if isinstance(request.auth, IntegrationKey):
        return application.applicant
    return signed_in_user(request)


def _body(application: Application, *, staff: bool) -> dict[str, Any]:
    fresh = _with_details(Application.objects.filter(pk=application.pk)).get()
    return aps.ApplicationSerializer(fresh, context={"staff": staff}).data


def _parse(serializer_class: type, request: Request) -> dict[str, Any]:
    data = serializer_class(data=request.data)
    data.is_valid(raise_exception=True)
    return dict(data.validated_data)


IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "Integrations: required; pushing again with the same key returns the case the first "
        "push made (200 instead of 201), submitting it if asked and still a draft."
    ),
)


@extend_schema(tags=["applications"])
# auth: security requirement objects, as drf-spectacular uses them (its hint says str).
@extend_schema_view(get=extend_schema(auth=[{"tokenAuth": []}, {"cookieAuth": []}]))  # type: ignore[list-item]
class ApplicationListCreateView(generics.ListAPIView):
    serializer_class = aps.ApplicationSummarySerializer
    authentication_classes = [
        TokenAuthentication,
        IntegrationKeyAuthentication,
        SessionAuthentication,
    ]

    def get_permissions(self) -> list[BasePermission]:
        if self.request.method == "POST":
            return [CitizenOrIntegration()]
        return [IsAuthenticated()]

    def get_queryset(self) -> QuerySet[Application]:
        """The caller's own applications, across every agency and mall."""
        return selectors.applications_of(signed_in_user(self.request))

    @extend_schema(
        request=aps.ApplicationCreateSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            201: aps.ApplicationSerializer,
            200: OpenApiResponse(aps.ApplicationSerializer, description="A repeated push."),
            400: OpenApiResponse(
                aps.MissingDocumentsSerializer,
                description=(
                    "Refused: the error says why. A push with submit answers as a submit does "
                    "(invalid or missing_documents) and its draft stays."
                ),
            ),
            401: BAD,
            404: NOT_FOUND,
            409: BAD,
        },
    )
    def post(self, request: Request) -> Response:
        """Start a draft: the service and the answers so far. A citizen applies for themself;
        an integration for the citizen whose NIK it sends, with an Idempotency-Key, and may
        submit it at once."""
        fields = _parse(aps.ApplicationCreateSerializer, request)
        service = Service.objects.select_related("agency__mall").get(pk=fields["service"])
        if isinstance(request.auth, IntegrationKey):
            pushed = pushes.application_push(
                integration_id=request.auth.pk,
                integration_mall_id=request.auth.mall_id,
                idempotency_key=idempotency_key(request),
                service=service,
                nik=fields["nik"],
                form_data=fields["form_data"],
                nib=fields["nib"],
                submit=fields["submit"],
            )
            return Response(
                _body(pushed.application, staff=False),
                status=status.HTTP_200_OK if pushed.repeated else status.HTTP_201_CREATED,
            )
        if fields["nik"]:
            raise exceptions.ValidationError({"nik": [_("Only integrations name the applicant.")]})
        application = drafts.application_draft(
            applicant=signed_in_user(request),
            service=service,
            form_data=fields["form_data"],
            nib=fields["nib"],
        )
        return Response(_body(application, staff=False), status=status.HTTP_201_CREATED)


class ApplicationDetailView(APIView):
    authentication_classes = [
        TokenAuthentication,
        IntegrationKeyAuthentication,
        SessionAuthentication,
    ]

    def get_permissions(self) -> list[BasePermission]:
        if self.request.method == "GET":
            return [CitizenOrIntegration()]
        return [IsAuthenticated()]

    @extend_schema(
        tags=["applications"], responses={200: aps.ApplicationSerializer, 404: NOT_FOUND}
    )
    def get(self, request: Request, pk: int) -> Response:
        """The application as its applicant or the agency's staff see it (staff also see who
        acted); the integration that pushed it sees what the applicant sees."""
        access = _access(request, pk, action=Action.VIEW)
        _shown(request, access, "api: application")
        body = aps.ApplicationSerializer(access.application, context={"staff": access.staff})
        return Response(body.data)

    @extend_schema(
        tags=["applications"],
        auth=[{"tokenAuth": []}, {"cookieAuth": []}],  # type: ignore[list-item]
        request=aps.ApplicationUpdateSerializer,
        responses={200: aps.ApplicationSerializer, 400: BAD, 403: BAD, 404: NOT_FOUND},
    )
    def patch(self, request: Request, pk: int) -> Response:
        """Keep answers of a draft, or of an application returned for revision."""
        application = _access(request, pk, action=Action.APPLY).application
        fields = _parse(aps.ApplicationUpdateSerializer, request)
        drafts.application_update_draft(
            application=application, form_data=fields["form_data"], nib=fields.get("nib")
        )
        return Response(_body(application, staff=False))


class DocumentCreateView(APIView):
    authentication_classes = [
        TokenAuthentication,
        IntegrationKeyAuthentication,
        SessionAuthentication,
    ]
    permission_classes = [CitizenOrIntegration]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        tags=["applications"],
        request=aps.DocumentUploadSerializer,
        responses={201: aps.DocumentSerializer, 400: BAD, 403: BAD, 404: NOT_FOUND},
    )
    def post(self, request: Request, pk: int) -> Response:
        """Upload a requirement's file: PDF, JPEG or PNG, recognised by its content. A refused
        file answers 400 with code file_type, file_too_large or file_content. The integration
        that pushed the application uploads as its applicant."""
        access = _access(request, pk, action=Action.VIEW)
        fields = _parse(aps.DocumentUploadSerializer, request)
        requirement = Requirement.objects.filter(pk=fields["requirement"]).first()
        if requirement is None:
            raise exceptions.ValidationError({"requirement": [_("No requirement with this id.")]})
        try:
            document = documents.document_add(
                application=access.application,
                upload=fields["file"],
                by=_acting(request, access.application),
                requirement=requirement,
            )
        except DjangoValidationError as bad:
            # The upload's checks name what is wrong with the file (file_type, file_too_large...).
            code = getattr(bad, "code", None) or "invalid"
            raise CaseError(code, bad.messages[0], fields={"file": bad.messages}) from bad
        _shown(request, access, "api: upload")
        return Response(aps.DocumentSerializer(document).data, status=status.HTTP_201_CREATED)


class SubmitView(APIView):
    authentication_classes = [
        TokenAuthentication,
        IntegrationKeyAuthentication,
        SessionAuthentication,
    ]
    permission_classes = [CitizenOrIntegration]

    @extend_schema(
        tags=["applications"],
        request=None,
        responses={
            200: aps.ApplicationSerializer,
            400: SUBMIT_REFUSED,
            403: BAD,
            404: NOT_FOUND,
            409: CONFLICT,
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        """Submit the draft: the form is checked, every required file must be there; the
        answer holds the due date. The integration that pushed it submits for its applicant."""
        application = _access(request, pk, action=Action.APPLY).application
        workflow.application_submit(application=application)
        return Response(_body(application, staff=False))


# What an applicant's own action answers (resubmit, cancel).
APPLICANT_ACTION_ANSWERS = {
    200: aps.ApplicationSerializer,
    400: BAD,
    403: BAD,
    404: NOT_FOUND,
    409: CONFLICT,
}


def _as_applicant(
    request: Request,
    pk: int,
    serializer_class: type,
    act: Callable[[Application, dict[str, Any]], object],
) -> Response:
    """Run the applicant's ``act`` with the request's checked fields; a refusal is the answer."""
    application = _access(request, pk, action=Action.APPLY).application
    fields = _parse(serializer_class, request)
    act(application, fields)
    return Response(_body(application, staff=False))


class ResubmitView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["applications"], request=aps.ResubmitSerializer, responses=APPLICANT_ACTION_ANSWERS
    )
    def post(self, request: Request, pk: int) -> Response:
        """Send an application returned for revision back, with the fixed answers."""
        return _as_applicant(
            request,
            pk,
            aps.ResubmitSerializer,
            lambda application, fields: workflow.application_resubmit(
                application=application, form_data=fields["form_data"]
            ),
        )


class CancelView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["applications"], request=aps.NoteSerializer, responses=APPLICANT_ACTION_ANSWERS
    )
    def post(self, request: Request, pk: int) -> Response:
        """Withdraw an application that is not decided yet."""
        return _as_applicant(
            request,
            pk,
            aps.NoteSerializer,
            lambda application, fields: workflow.application_cancel(
                application=application, note=fields["note"]
            ),
        )


class TransitionView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["applications"],
        request=aps.TransitionCreateSerializer,
        responses={
            200: aps.ApplicationSerializer,
            400: BAD,
            403: FORBIDDEN,
            404: NOT_FOUND,
            409: CONFLICT,
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        """An officer forwards, returns (with the reason) or rejects (with the reason) at the
        step their role acts on. ``version`` is the version the officer saw: if the
        application changed since, nothing happens and the answer is 409 conflict."""
        access = _access(request, pk, action=Action.WORK)
        fields = _parse(aps.TransitionCreateSerializer, request)
        application = access.application
        workflow.application_act(
            application=application,
            actor=signed_in_user(request),
            action=fields["action"],
            note=fields["note"],
            seen_version=fields["version"],
        )
        _shown(request, access, "api: transition")
        return Response(_body(application, staff=True))


@extend_schema(
    tags=["applications"],
    parameters=[aps.StaffQuerySerializer],
    responses={200: aps.StaffApplicationSerializer(many=True), 400: BAD},
)
class StaffApplicationListView(generics.ListAPIView):
    """The work queue: open cases of the caller's agencies, by due date."""

    serializer_class = aps.StaffApplicationSerializer
    permission_classes = [StaffOnly]

    def get_queryset(self) -> QuerySet[Application]:
        query = aps.StaffQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.work_queue(signed_in_user(self.request), **query.validated_data)


class TrackingView(APIView):
    authentication_classes: list = []
    throttle_scope = "auth"

    @extend_schema(
        tags=["applications"],
        parameters=[
            OpenApiParameter(
                "phone_last4",
                required=True,
                description="Last four digits of the applicant's phone.",
            )
        ],
        responses={
            200: aps.TrackingSerializer,
            404: OpenApiResponse(ErrorSerializer, description="Not found."),
            429: OpenApiResponse(ErrorSerializer, description="Too many tries."),
        },
    )
    def get(self, request: Request, tracking_number: str) -> Response:
        """An application's steps, for whoever knows its number and the phone's last digits;
        never personal data."""
        try:
            found = track_guarded(
                tracking_number=tracking_number,
                phone_last4=request.query_params.get("phone_last4", ""),
            )
        except TooManyGuesses:
            raise TooMany(
                wait=settings.TRACKING_LOCKOUT_SECONDS,
                detail=_("Too many wrong digits for this number lately."),
            ) from None
        if found is None:
            raise exceptions.NotFound(_("No application matches this number and these digits."))
        return Response(aps.TrackingSerializer(asdict(found)).data)
