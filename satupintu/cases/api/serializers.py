"""Serializers of API v1 for online applications: what comes in, and each reader's view out;
and the public tracking of an application's steps."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from satupintu.api.fields import ID_MAX, INT_MAX, NibField, NikField
from satupintu.api.serializers import ErrorBodySerializer
from satupintu.cases.models import Application, Document, IssuedDocument, Step, Transition
from satupintu.cases.permits.verification import verification_url
from satupintu.cases.selectors import track_own
from satupintu.cases.services.drafts import missing_requirements
from satupintu.malls.permissions import roles_at_agency

ACTIONS = [
    ("forward", _("Forward to the next step")),
    ("return", _("Return to the applicant for revision")),
    ("reject", _("Reject")),
]


@extend_schema_field({"type": "object", "additionalProperties": True})
class FormDataField(serializers.JSONField):
    """The answers to the service's form, by field name; checked against its schema on submit."""

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        value = super().to_internal_value(data)
        if not isinstance(value, dict):
            raise serializers.ValidationError(_("Send an object of field names and answers."))
        return value


class ApplicationCreateSerializer(serializers.Serializer):
    service = serializers.IntegerField(min_value=1, max_value=ID_MAX, help_text=_("Service id."))
    form_data = FormDataField(required=False, default=dict)
    nib = NibField(
        required=False,
        allow_blank=True,
        default="",
        max_length=13,
        help_text=_("A business's NIB."),
    )
    nik = NikField(
        required=False,
        allow_blank=True,
        default="",
        max_length=16,
        help_text=_("Integrations only: the NIK of the citizen account the application is for."),
    )
    submit = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_(
            "Integrations only: submit the draft at once. If the form is not complete or a "
            "required document is missing, the answer is the submit's refusal and the draft "
            "stays."
        ),
    )


class ApplicationUpdateSerializer(serializers.Serializer):
    form_data = FormDataField(help_text=_("Answers to keep; the others stay as they were."))
    nib = NibField(required=False, allow_blank=True, max_length=13)


class ResubmitSerializer(serializers.Serializer):
    form_data = FormDataField(required=False, default=dict)


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class DocumentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=_("PDF, JPEG or PNG."))
    requirement = serializers.IntegerField(
        min_value=1, max_value=ID_MAX, help_text=_("Requirement id.")
    )


class TransitionCreateSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=ACTIONS)
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=4000,
        help_text=_("The reason; needed to return or reject."),
    )
    version = serializers.IntegerField(
        min_value=0,
        max_value=INT_MAX,
        help_text=_("The application's version as the officer saw it."),
    )


class StaffQuerySerializer(serializers.Serializer):
    step = serializers.ChoiceField(choices=Step.choices, required=False)
    due = serializers.ChoiceField(
        choices=[("soon", _("Due soon")), ("overdue", _("Overdue"))], required=False
    )
    assignee = serializers.ChoiceField(
        choices=[("me", _("Mine")), ("none", _("Nobody's"))], required=False
    )


class TrackStepSerializer(serializers.Serializer):
    step = serializers.CharField()
    # The serializer's metaclass takes declared fields off the class: no clash with
    # Field.label, which the stubs cannot know.
    label = serializers.CharField()  # type: ignore[assignment]
    done_at = serializers.DateTimeField(allow_null=True)
    current = serializers.BooleanField()


class TrackingSerializer(serializers.Serializer):
    tracking_number = serializers.CharField()
    service = serializers.CharField()
    agency = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    due_date = serializers.DateField(allow_null=True)
    steps = TrackStepSerializer(many=True)


class NamedRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class RequirementRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()


class ApplicationSummarySerializer(serializers.ModelSerializer):
    service = NamedRefSerializer()
    agency = NamedRefSerializer(source="service.agency")
    mall = serializers.CharField(source="service.agency.mall.slug")
    status_label = serializers.CharField(source="get_status_display")
    step_label = serializers.CharField(source="get_step_display")

    class Meta:
        model = Application
        fields = [
            "id",
            "tracking_number",
            "service",
            "agency",
            "mall",
            "status",
            "status_label",
            "step",
            "step_label",
            "version",
            "created_at",
            "submitted_at",
            "due_date",
        ]


class StaffApplicationSerializer(ApplicationSummarySerializer):
    assignee = serializers.SerializerMethodField()

    class Meta(ApplicationSummarySerializer.Meta):
        fields = [*ApplicationSummarySerializer.Meta.fields, "assignee"]

    @extend_schema_field(NamedRefSerializer(allow_null=True))
    def get_assignee(self, application: Application) -> dict[str, Any] | None:
        person = application.assignee
        if person is None:
            return None
        return {"id": person.pk, "name": person.get_full_name() or person.username}


class ActorSerializer(serializers.Serializer):
    name = serializers.CharField()
    role = serializers.CharField(help_text=_("A staff role, or applicant."))


class TransitionSerializer(serializers.Serializer):
    action = serializers.CharField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    from_step = serializers.CharField()
    to_step = serializers.CharField()
    note = serializers.CharField()
    at = serializers.DateTimeField()
    by = ActorSerializer(
        allow_null=True, help_text=_("Who acted; shown to the agency's staff only.")
    )


class DocumentSerializer(serializers.ModelSerializer):
    requirement = serializers.IntegerField(source="requirement_id", allow_null=True)
    replaced_by = serializers.IntegerField(
        source="superseded_by_id",
        allow_null=True,
        read_only=True,
        help_text=_(
            "The corrected file that replaced this one after a return for revision (not shown "
            "to the applicant on the portal); null while it stands."
        ),
    )

    class Meta:
        model = Document
        fields = [
            "id",
            "kind",
            "requirement",
            "name",
            "content_type",
            "size",
            "uploaded_at",
            "replaced_by",
        ]


class IssuedDocumentSerializer(serializers.ModelSerializer):
    verify_url = serializers.SerializerMethodField()
    revoked = serializers.SerializerMethodField()

    class Meta:
        model = IssuedDocument
        fields = ["number", "title", "valid_from", "valid_until", "revoked", "verify_url"]

    def get_verify_url(self, document: IssuedDocument) -> str:
        return verification_url(document.code)

    def get_revoked(self, document: IssuedDocument) -> bool:
        return document.revoked_at is not None


class ApplicationSerializer(ApplicationSummarySerializer):
    """One application, as its applicant or its agency's staff see it (staff: who acted)."""

    form_data = FormDataField()
    missing_requirements = serializers.SerializerMethodField()
    steps = serializers.SerializerMethodField()
    transitions = serializers.SerializerMethodField()
    documents = DocumentSerializer(many=True)
    issued_document = serializers.SerializerMethodField()

    class Meta(ApplicationSummarySerializer.Meta):
        fields = [
            *ApplicationSummarySerializer.Meta.fields,
            "nib",
            "form_data",
            "missing_requirements",
            "steps",
            "transitions",
            "documents",
            "issued_document",
        ]

    @extend_schema_field(RequirementRefSerializer(many=True))
    def get_missing_requirements(self, application: Application) -> list[dict[str, Any]]:
        if application.status not in (Application.Status.DRAFT, Application.Status.REVISION):
            return []
        return [{"id": r.pk, "text": r.text} for r in missing_requirements(application)]

    @extend_schema_field(TrackStepSerializer(many=True))
    def get_steps(self, application: Application) -> list[dict[str, Any]]:
        # Stub gap: many=True makes a ListSerializer, whose data is a list.
        return TrackStepSerializer(track_own(application).steps, many=True).data  # type: ignore[return-value]

    @extend_schema_field(TransitionSerializer(many=True))
    def get_transitions(self, application: Application) -> list[dict[str, Any]]:
        transitions = list(application.transitions.all())
        roles: dict[int, str] = {}
        if self.context.get("staff"):
            roles = roles_at_agency(
                agency_id=application.service.agency_id,
                user_ids={t.actor_id for t in transitions if t.actor_id},
            )
        rows = []
        for transition in transitions:
            by = None
            if self.context.get("staff") and transition.actor is not None:
                actor = transition.actor
                by = {
                    "name": actor.get_full_name() or actor.username,
                    "role": "applicant"
                    if actor.pk == application.applicant_id
                    else roles.get(actor.pk, ""),
                }
            rows.append(
                {
                    "action": transition.action,
                    "from_status": transition.from_status,
                    "to_status": transition.to_status,
                    "from_step": transition.from_step,
                    "to_step": transition.to_step,
                    # A forward's note is the officers' own: the applicant reads the others.
                    "note": transition.note
                    if self.context.get("staff")
                    or transition.action in Transition.TOLD_TO_APPLICANT
                    else "",
                    "at": transition.created_at,
                    "by": by,
                }
            )
        return TransitionSerializer(rows, many=True).data  # type: ignore[return-value]  # as above

    @extend_schema_field(IssuedDocumentSerializer(allow_null=True))
    def get_issued_document(self, application: Application) -> dict[str, Any] | None:
        try:
            document = application.issued_document
        except IssuedDocument.DoesNotExist:
            return None
        return IssuedDocumentSerializer(document).data


class MissingDocumentsBodySerializer(ErrorBodySerializer):
    missing_requirements = RequirementRefSerializer(
        many=True, required=False, help_text=_("With code missing_documents.")
    )


class MissingDocumentsSerializer(serializers.Serializer):
    error = MissingDocumentsBodySerializer()
