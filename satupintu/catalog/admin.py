"""Configuration admin for the catalog: agency staff edit only their agency's services."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from satupintu.catalog.models import DownloadableForm, ProcedureStep, Requirement, Service
from satupintu.catalog.services import service_refresh_search_text
from satupintu.malls.admin import MANAGER_OR_APPROVER, ScopedAdmin, ScopedInline


class RequirementInline(ScopedInline):
    model = Requirement


class ProcedureStepInline(ScopedInline):
    model = ProcedureStep


class DownloadableFormInline(ScopedInline):
    model = DownloadableForm


@admin.register(Service)
class ServiceAdmin(ScopedAdmin):
    mall_path = "agency__mall"
    agency_path = "agency"
    list_display = ["name", "agency", "channel", "duration_working_days", "fee_rupiah", "is_active"]
    list_filter = ["channel", "is_active", "agency__mall"]
    list_select_related = ["agency", "agency__mall"]
    search_fields = ["name", "keywords", "agency__name"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [RequirementInline, ProcedureStepInline, DownloadableFormInline]
    # The agency's head keeps its own catalog; the mall's manager any of the mall's.
    add_roles = change_roles = delete_roles = MANAGER_OR_APPROVER
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "agency",
                    "name",
                    "slug",
                    "description",
                    "keywords",
                    "channel",
                    "is_active",
                ]
            },
        ),
        (
            _("Service standard (published)"),
            {
                "fields": [
                    "duration_working_days",
                    "fee_rupiah",
                    "fee_legal_basis",
                    "product",
                    "complaint_handling",
                ]
            },
        ),
        (
            _("Service standard (internal)"),
            {
                "fields": [
                    "legal_basis",
                    "facilities",
                    "staff_competence",
                    "internal_supervision",
                    "staff_count",
                    "service_guarantee",
                    "security_guarantee",
                    "performance_evaluation",
                ]
            },
        ),
        (_("Online form"), {"fields": ["form_schema"]}),
    ]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        service_refresh_search_text(service=form.instance)
