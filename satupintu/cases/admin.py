"""The admin of applications: a service's workflow is configured by the mall's manager (its
agency sees it, read-only, with the record of every change), its product template by the
agency or the manager; issued documents and accesses to cases are only looked at (the case
itself is worked on the staff pages)."""

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from satupintu.accounts.http import signed_in_user
from satupintu.cases.errors import CaseError
from satupintu.cases.models import (
    AccessLog,
    DocumentReservation,
    IssuedDocument,
    OssLicenseMap,
    OssLink,
    OssStatusMap,
    ProductTemplate,
    WorkflowChange,
    WorkflowPolicy,
    WorkflowStep,
)
from satupintu.cases.oss.client import PERMIT_CODES, Reference, reference_list
from satupintu.cases.oss.lookup import oss_ask_throttle
from satupintu.cases.permits.render import PRODUCT_TEMPLATE_EXAMPLE, PRODUCT_TEMPLATE_NAMES
from satupintu.cases.services import configuration
from satupintu.integrations.models import Integration
from satupintu.malls.admin import MANAGER_OR_APPROVER, NOBODY, ScopedAdmin
from satupintu.malls.permissions import staff_scope
from satupintu.templating import TemplateRefused, check


class WorkflowAdmin(ScopedAdmin):
    """Workflow configuration: the agency's staff look, only the mall's manager (or a
    superuser) changes it, through the services that check and record every change."""

    mall_path = "service__agency__mall"
    agency_path = "service__agency"

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        scope = staff_scope(request.user)
        if obj is None:
            return scope.is_superuser or bool(scope.managed_mall_ids)
        return configuration.may_configure_workflow(
            user=signed_in_user(request), service=obj.service
        )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_change_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_change_permission(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["service"] if obj is not None else []

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.user = request.user  # the form's clean checks the change as this user makes it
        return form


class WorkflowStepForm(forms.ModelForm):
    user: Any = None

    class Meta:
        model = WorkflowStep
        fields = ["service", "order", "step", "role"]

    def _post_clean(self) -> None:
        # Copies the cleaned values onto the instance first (private: not in django-stubs).
        super()._post_clean()  # type: ignore[misc]  # stub gap: ModelForm._post_clean
        if not self.errors:
            try:
                configuration.workflow_step_check(step=self.instance, by=self.user)
            except CaseError as refused:
                self.add_error(None, refused.message)


@admin.register(WorkflowStep)
class WorkflowStepAdmin(WorkflowAdmin):
    form = WorkflowStepForm
    list_display = ["service", "order", "step", "role"]
    autocomplete_fields = ["service"]

    def save_model(self, request: HttpRequest, obj: WorkflowStep, form: Any, change: bool) -> None:
        configuration.workflow_step_save(step=obj, by=signed_in_user(request))

    def delete_model(self, request: HttpRequest, obj: WorkflowStep) -> None:
        try:
            configuration.workflow_step_delete(step=obj, by=signed_in_user(request))
        except CaseError as refused:
            request.workflow_refused = True  # type: ignore[attr-defined]
            self.message_user(request, refused.message, level=messages.ERROR)

    def response_delete(self, request: HttpRequest, obj_display: str, obj_id: Any) -> Any:
        if getattr(request, "workflow_refused", False):
            return HttpResponseRedirect(reverse("admin:cases_workflowstep_change", args=[obj_id]))
        return super().response_delete(request, obj_display, obj_id)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[WorkflowStep]) -> None:
        for step in queryset.select_related("service__agency"):
            self.delete_model(request, step)


class WorkflowPolicyForm(forms.ModelForm):
    user: Any = None

    class Meta:
        model = WorkflowPolicy
        fields = ["service", "separate_duties"]

    def _post_clean(self) -> None:
        super()._post_clean()  # type: ignore[misc]  # stub gap: ModelForm._post_clean
        if not self.errors and not configuration.may_configure_workflow(
            user=self.user, service=self.instance.service
        ):
            self.add_error(None, _("Only the mall's manager changes the workflow of its services."))


@admin.register(WorkflowPolicy)
class WorkflowPolicyAdmin(WorkflowAdmin):
    form = WorkflowPolicyForm
    list_display = ["service", "separate_duties"]
    list_filter = ["separate_duties"]
    autocomplete_fields = ["service"]

    def save_model(
        self, request: HttpRequest, obj: WorkflowPolicy, form: Any, change: bool
    ) -> None:
        saved = configuration.workflow_policy_set(
            service=obj.service, separate_duties=obj.separate_duties, by=signed_in_user(request)
        )
        obj.pk = saved.pk

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # switching the flag off is a recorded change; a row is never removed


def _names_help(names: dict[str, Any]) -> str:
    return format_html_join("", "<br><code>{}</code>: {}", names.items())


class ProductTemplateForm(forms.ModelForm):
    """Checks the body in the sandbox before it is saved: it must compile and read only the
    names a product template is offered."""

    class Meta:
        model = ProductTemplate
        fields = ["service", "title", "body", "validity_months"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "body" in self.fields:
            self.fields["body"].help_text = format_html_join(
                "", "{}{}", [(self.fields["body"].help_text, _names_help(PRODUCT_TEMPLATE_NAMES))]
            )

    def clean_body(self) -> str:
        body = self.cleaned_data["body"]
        try:
            check(body, offered=PRODUCT_TEMPLATE_NAMES, html=True, example=PRODUCT_TEMPLATE_EXAMPLE)
        except TemplateRefused as refused:
            raise ValidationError(refused.message) from refused
        return body


@admin.register(ProductTemplate)
class ProductTemplateAdmin(ScopedAdmin):
    """The agency's own permit wording: its approver (who signs it) or the mall's manager."""

    form = ProductTemplateForm
    add_roles = change_roles = delete_roles = MANAGER_OR_APPROVER
    mall_path = "service__agency__mall"
    agency_path = "service__agency"
    list_display = ["title", "service", "validity_months"]
    search_fields = ["title", "service__name"]
    autocomplete_fields = ["service"]


class LookOnlyAdmin(ScopedAdmin):
    """Rows written by the application itself: looked at, never added, changed or deleted."""

    add_roles = change_roles = delete_roles = NOBODY

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(IssuedDocument)
class IssuedDocumentAdmin(LookOnlyAdmin):
    mall_path = "application__service__agency__mall"
    agency_path = "application__service__agency"
    list_display = [
        "number",
        "title",
        "holder_name",
        "issued_at",
        "valid_until",
        "revoked_at",
        "backend",
    ]
    list_filter = ["revoked_at", "backend"]
    search_fields = ["number", "code", "application__tracking_number"]
    list_select_related = ["application"]
    actions = ["verify_with_bsre"]

    def has_verify_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Asking BSrE is an outside call: the mall's manager or the agency's approver (the
        monitor reads, and asks nothing of outside systems)."""
        return self.may(request, MANAGER_OR_APPROVER, obj)

    @admin.action(description=_("Check the signature with BSrE"), permissions=["verify"])
    def verify_with_bsre(self, request: HttpRequest, queryset: QuerySet[IssuedDocument]) -> None:
        from satupintu.cases import bsre

        chosen = list(
            queryset.filter(backend__in=bsre.PROVIDERS).select_related(
                "application__service__agency__mall"
            )[: self.VERIFY_AT_ONCE + 1]
        )
        if len(chosen) > self.VERIFY_AT_ONCE:
            self.message_user(
                request,
                _("Choose at most %(count)d documents signed through BSrE at once.")
                % {"count": self.VERIFY_AT_ONCE},
                level=messages.ERROR,
            )
            return
        if not chosen:
            self.message_user(
                request, _("None of these documents was signed through BSrE."), messages.WARNING
            )
        for document in chosen:
            if not self.has_verify_permission(request, document):
                raise PermissionDenied
            try:
                verdict = bsre.document_verify(document)
            except CaseError as refused:
                self.message_user(request, f"{document.number}: {refused.message}", messages.ERROR)
                continue
            if verdict.valid:
                text = _("%(number)s: BSrE says the signature is valid (%(signers)s).")
                level = messages.SUCCESS
            elif verdict.valid is None:
                text = _("%(number)s: BSrE finds no signature it can judge.")
                level = messages.WARNING
            else:
                text = _("%(number)s: BSrE says the signature is NOT valid (%(signers)s).")
                level = messages.ERROR
            signers = ", ".join(name for name in verdict.signers if name) or "-"
            self.message_user(
                request, text % {"number": document.number, "signers": signers}, level
            )

    VERIFY_AT_ONCE = 5  # BSrE takes up to ~40 s for a big file


class ReservationAge(admin.SimpleListFilter):
    """Reservations older than an hour: a signing normally takes seconds to a minute."""

    title = _("waiting")
    parameter_name = "waiting"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("hour", _("More than an hour")), ("day", _("More than a day"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        ages = {"hour": timedelta(hours=1), "day": timedelta(days=1)}
        age = ages.get(self.value() or "")
        return queryset if age is None else queryset.filter(created_at__lt=timezone.now() - age)


@admin.register(DocumentReservation)
class DocumentReservationAdmin(LookOnlyAdmin):
    """A number and code taken for a document signed through BSrE, kept until it is issued
    (then the row goes). One that stays is a signing that failed or whose outcome was unknown
    and was not signed again: the agency (or the mall's manager) sees it and its case here, to
    check with BSrE and have the approver sign again under the same number."""

    mall_path = "agency__mall"
    agency_path = "agency"
    list_display = ["number", "application", "application_status", "agency", "created_at"]
    list_filter = [ReservationAge]
    search_fields = ["number", "application__tracking_number"]
    list_select_related = ["application", "agency"]
    date_hierarchy = "created_at"
    ordering = ["created_at"]

    @admin.display(description=_("case status"), ordering="application__status")
    def application_status(self, obj: DocumentReservation) -> str:
        return str(obj.application.get_status_display())

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WorkflowChange)
class WorkflowChangeAdmin(LookOnlyAdmin):
    mall_path = "service__agency__mall"
    agency_path = "service__agency"
    list_display = ["at", "service", "action", "actor", "before", "after"]
    list_filter = ["action"]
    search_fields = ["service__name", "actor__username"]
    list_select_related = ["service", "actor"]
    date_hierarchy = "at"

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AccessLog)
class AccessLogAdmin(LookOnlyAdmin):
    mall_path = "application__service__agency__mall"
    agency_path = "application__service__agency"
    list_display = ["at", "user", "application", "what"]
    search_fields = ["application__tracking_number", "user__username"]
    list_select_related = ["user", "application"]
    date_hierarchy = "at"


class OssMapAdmin(ScopedAdmin):
    """Which service an OSS permit code goes to, and what OSS is told at each moment of a
    service's workflow: the mall's manager sets them (as the workflow); the agency looks."""

    mall_path = "service__agency__mall"
    agency_path = "service__agency"
    autocomplete_fields = ["service"]
    list_select_related = ["service"]


@admin.register(OssLicenseMap)
class OssLicenseMapAdmin(OssMapAdmin):
    list_display = ["kd_izin", "kd_daerah", "service"]
    search_fields = ["kd_izin", "service__name"]

    def get_urls(self) -> list[URLPattern]:
        codes = path(
            "oss-codes/",
            self.admin_site.admin_view(self.oss_codes_view),
            name="cases_osslicensemap_oss_codes",
        )
        return [codes, *super().get_urls()]

    def oss_codes_view(self, request: HttpRequest) -> HttpResponse:
        """OSS's list of permit codes (getDataReferensi kode 8), asked when the manager who
        maps them opens this page, each with the services of theirs it is mapped to."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        scope = staff_scope(request.user)
        integrations = Integration.objects.filter(kind=Integration.Kind.OSS, is_active=True)
        if not scope.is_superuser:
            integrations = integrations.filter(
                Q(mall__isnull=True) | Q(mall_id__in=scope.managed_mall_ids)
            )
        integrations = integrations.order_by("name", "pk")
        chosen = request.GET.get("integration", "")
        integration = (
            integrations.filter(pk=chosen).first() if chosen.isdigit() else integrations.first()
        )
        rows: list[tuple[Reference, list[str]]] = []
        if integration is not None:
            try:
                oss_ask_throttle(user_id=request.user.pk or 0)  # admin_view: signed in
                codes = reference_list(integration, PERMIT_CODES)
            except CaseError as refused:
                self.message_user(request, refused.message, level=messages.WARNING)
                codes = []
            mapped: dict[str, list[str]] = {}
            for kd_izin, name in self.get_queryset(request).values_list("kd_izin", "service__name"):
                mapped.setdefault(kd_izin, []).append(name)
            rows = [(code, mapped.get(code.code, [])) for code in codes]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("OSS permit codes"),
            "integrations": integrations,
            "integration": integration,
            "rows": rows,
        }
        return TemplateResponse(request, "admin/cases/osslicensemap/oss_codes.html", context)


@admin.register(OssStatusMap)
class OssStatusMapAdmin(OssMapAdmin):
    list_display = ["service", "key", "kd_status"]
    list_filter = ["key"]
    search_fields = ["service__name"]


@admin.register(OssLink)
class OssLinkAdmin(LookOnlyAdmin):
    """The OSS identifiers of the cases OSS pushed, and what OSS sent or returned since."""

    mall_path = "application__service__agency__mall"
    agency_path = "application__service__agency"
    list_display = ["id_izin", "nib", "kd_izin", "application", "last_kd_status", "permit_number"]
    search_fields = ["id_izin", "nib", "application__tracking_number"]
    list_select_related = ["application"]
    date_hierarchy = "received_at"
