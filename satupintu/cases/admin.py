"""A service's workflow is configured in the admin by its agency or the mall's manager."""

from django.contrib import admin

from satupintu.cases.models import WorkflowStep
from satupintu.malls.admin import ScopedAdmin


@admin.register(WorkflowStep)
class WorkflowStepAdmin(ScopedAdmin):
    mall_path = "service__agency__mall"
    agency_path = "service__agency"
    list_display = ["service", "order", "step", "role"]
    autocomplete_fields = ["service"]
