"""The admin of applications: a service's workflow and product template are configured by its
agency or the mall's manager; issued documents and accesses to cases are only looked at (the
case itself is worked on the staff pages)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from satupintu.cases.models import AccessLog, IssuedDocument, ProductTemplate, WorkflowStep
from satupintu.malls.admin import NOBODY, ScopedAdmin


@admin.register(WorkflowStep)
class WorkflowStepAdmin(ScopedAdmin):
    mall_path = "service__agency__mall"
    agency_path = "service__agency"
    list_display = ["service", "order", "step", "role"]
    autocomplete_fields = ["service"]


@admin.register(ProductTemplate)
class ProductTemplateAdmin(ScopedAdmin):
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
    list_display = ["number", "title", "holder_name", "issued_at", "valid_until", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["number", "code", "application__tracking_number"]
    list_select_related = ["application"]


@admin.register(AccessLog)
class AccessLogAdmin(LookOnlyAdmin):
    mall_path = "application__service__agency__mall"
    agency_path = "application__service__agency"
    list_display = ["at", "user", "application", "what"]
    search_fields = ["application__tracking_number", "user__username"]
    list_select_related = ["user", "application"]
    date_hierarchy = "at"
