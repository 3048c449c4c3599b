"""Configuration admin for malls, scoped: a mall manager sees and edits only their mall."""

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from satupintu.catalog.services import agency_refresh_search_text
from satupintu.malls.models import (
    Agency,
    Announcement,
    Counter,
    Mall,
    OpeningHours,
    StaffMembership,
)
from satupintu.malls.permissions import StaffScope, staff_scope


class ScopedAdmin(admin.ModelAdmin):
    """Admin whose rows are filtered by the user's memberships rather than Django permissions.

    Subclasses say how a row relates to a mall and an agency: ``mall_path`` and ``agency_path``
    are lookups from the model ("" when the model is the mall or agency itself).
    """

    mall_path: str = ""
    agency_path: str | None = None

    def _scope_filter(self, request: HttpRequest) -> Q:
        scope = staff_scope(request.user)
        mall_field = f"{self.mall_path}__in" if self.mall_path else "pk__in"
        condition = Q(**{mall_field: scope.managed_mall_ids})
        if self.agency_path is not None:
            agency_field = f"{self.agency_path}__in" if self.agency_path else "pk__in"
            condition |= Q(**{agency_field: scope.agency_ids})
        return condition

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        qs = super().get_queryset(request)
        if staff_scope(request.user).sees_everything:
            return qs
        return qs.filter(self._scope_filter(request))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return staff_scope(request.user).is_staff_anywhere

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        scope = staff_scope(request.user)
        if obj is None or scope.sees_everything:
            return scope.is_staff_anywhere
        return self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        scope = staff_scope(request.user)
        if scope.is_superuser:
            return True
        if scope.is_monitor and not (scope.managed_mall_ids or scope.agency_ids):
            return False
        if obj is None:
            return scope.is_staff_anywhere
        return self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_change_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_change_permission(request, obj)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        scope = staff_scope(request.user)
        if not scope.is_superuser:
            if db_field.related_model is Mall:
                kwargs["queryset"] = Mall.objects.filter(
                    Q(pk__in=scope.managed_mall_ids) | Q(agencies__in=scope.agency_ids)
                ).distinct()
            elif db_field.related_model is Agency:
                kwargs["queryset"] = Agency.objects.filter(
                    Q(mall__in=scope.managed_mall_ids) | Q(pk__in=scope.agency_ids)
                )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ScopedInline(admin.TabularInline):
    """Inline rows follow their parent's permission."""

    extra = 0

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return staff_scope(request.user).is_staff_anywhere

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None or self.parent_admin_class_allows(request, obj)

    has_add_permission = has_change_permission
    has_delete_permission = has_change_permission

    def parent_admin_class_allows(self, request: HttpRequest, obj: Any) -> bool:
        return admin.site._registry[type(obj)].has_change_permission(request, obj)


class OpeningHoursInline(ScopedInline):
    model = OpeningHours


class CounterInline(ScopedInline):
    model = Counter


@admin.register(Mall)
class MallAdmin(ScopedAdmin):
    list_display = ["name", "kind", "region_code", "time_zone", "is_active"]
    list_filter = ["kind", "time_zone", "is_active"]
    search_fields = ["name", "region_code"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [OpeningHoursInline]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return staff_scope(request.user).is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return staff_scope(request.user).is_superuser


@admin.register(Agency)
class AgencyAdmin(ScopedAdmin):
    mall_path = "mall"
    agency_path = ""
    list_display = ["name", "short_name", "kind", "mall", "is_active"]
    list_filter = ["kind", "mall"]
    list_select_related = ["mall"]
    search_fields = ["name", "short_name"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [CounterInline]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        scope = staff_scope(request.user)
        return scope.is_superuser or bool(scope.managed_mall_ids)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Agency staff see their agency but only the mall's manager changes it.
        scope = staff_scope(request.user)
        if obj is None:
            return scope.is_superuser or bool(scope.managed_mall_ids)
        return scope.manages_mall(obj.mall_id)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_change_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: Agency, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and {"name", "short_name"} & set(form.changed_data):
            agency_refresh_search_text(agency=obj)


class AnnouncementForm(forms.ModelForm):
    scope: StaffScope

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        mall, agency = cleaned.get("mall"), cleaned.get("agency")
        if mall and not agency and not self.scope.manages_mall(mall.pk):
            self.add_error(
                "agency",
                _("Choose your agency: only the mall's manager announces for the whole mall."),
            )
        return cleaned


@admin.register(Announcement)
class AnnouncementAdmin(ScopedAdmin):
    mall_path = "mall"
    agency_path = "agency"
    list_display = ["title", "kind", "mall", "agency", "valid_from", "valid_until"]
    list_filter = ["kind", "mall"]
    list_select_related = ["mall", "agency"]
    search_fields = ["title", "body"]
    form = AnnouncementForm

    def get_form(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"scope": staff_scope(request.user)})


@admin.register(StaffMembership)
class StaffMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "mall", "agency"]
    list_filter = ["role", "mall"]
    list_select_related = ["user", "mall", "agency"]
    autocomplete_fields = ["user"]
    search_fields = ["user__username", "user__email"]
