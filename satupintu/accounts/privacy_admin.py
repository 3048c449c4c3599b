"""The record of looks at personal data, read by the mall's manager (their mall's) and the
superuser (all); nobody changes it, and the monitor and agency staff do not see it."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from satupintu.accounts.models import PersonalDataAccess
from satupintu.cases.admin import LookOnlyAdmin
from satupintu.malls.permissions import staff_scope


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(LookOnlyAdmin):
    mall_path = "mall"
    list_display = ["at", "user", "kind", "subject", "object_type", "object_id", "where", "mall"]
    list_filter = ["kind", "mall"]
    search_fields = ["user__username", "object_id"]
    list_select_related = ["user", "subject", "mall"]
    date_hierarchy = "at"

    def get_queryset(self, request: HttpRequest) -> Any:
        # Not ScopedAdmin's: there the monitor sees everything, here nothing.
        qs = admin.ModelAdmin.get_queryset(self, request)
        scope = staff_scope(request.user)
        return qs if scope.is_superuser else qs.filter(mall__in=scope.managed_mall_ids)

    def _reads(self, request: HttpRequest) -> bool:
        scope = staff_scope(request.user)
        return scope.is_superuser or bool(scope.managed_mall_ids)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._reads(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return self._reads(request)
        return self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
