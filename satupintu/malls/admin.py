"""Configuration admin for malls, scoped: a mall manager sees and edits only their mall."""

from collections.abc import Callable
from typing import Any, cast

from django import forms
from django.contrib import admin
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Model, Q, QuerySet
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

Role = StaffMembership.Role
ALL_ROLES = frozenset(Role.values)
MANAGER = frozenset({Role.MALL_MANAGER})
MANAGER_OR_APPROVER = frozenset({Role.MALL_MANAGER, Role.APPROVER})
NOBODY: frozenset[str] = frozenset()  # only a superuser

REFUSED = _("You may not save this here: it belongs to an agency or mall outside your role.")


def follow_id(obj: Any, path: str | None) -> int | None:
    """The id at the end of ``path`` (a lookup such as ``service__agency__mall``) from ``obj``,
    read on the object itself so that an unsaved or edited row is judged by what it will be."""
    if path is None:
        return None
    if path == "":
        return obj.pk
    *through, last = path.split("__")
    try:
        for name in through:
            obj = getattr(obj, name)
            if obj is None:
                return None
        return getattr(obj, f"{last}_id")
    except ObjectDoesNotExist:
        return None


def _paths_to(model: type[Model], target: type[Model], depth: int = 4) -> str | None:
    """The shortest lookup from ``model`` to ``target`` through forward relations."""
    if model is target:
        return ""
    frontier: list[tuple[type[Model], str]] = [(model, "")]
    seen = {model}
    for _level in range(depth):
        following = []
        for current, prefix in frontier:
            for relation in current._meta.get_fields():
                if not (relation.is_relation and relation.concrete and relation.related_model):
                    continue
                if relation.many_to_many:
                    continue
                path = f"{prefix}__{relation.name}" if prefix else relation.name
                if relation.related_model is target:
                    return path
                if relation.related_model not in seen:
                    seen.add(relation.related_model)
                    following.append((relation.related_model, path))
        frontier = following
    return None


def scope_paths(model: type[Model]) -> tuple[str | None, str | None]:
    """How rows of ``model`` reach a mall and an agency: the registered scoped admin's paths,
    else the shortest chain of foreign keys (a mall reaches its agencies backwards)."""
    if model is Mall:
        return "", "agencies"
    registered = admin.site._registry.get(model)
    if isinstance(registered, ScopedAdmin):
        return registered.mall_path, registered.agency_path
    return _paths_to(model, Mall), _paths_to(model, Agency)


def scoped_choices(queryset: QuerySet, scope: StaffScope, roles: frozenset[str]) -> QuerySet:
    """The rows of ``queryset`` that someone with ``scope`` may attach to a row they write with
    one of ``roles``: their managed malls' rows, their agencies' rows; nothing without a path."""
    if scope.is_superuser:
        return queryset
    mall_path, agency_path = scope_paths(queryset.model)
    condition = Q(pk__in=[])
    if Role.MALL_MANAGER in roles and mall_path is not None:
        condition |= Q(**{f"{mall_path}__in" if mall_path else "pk__in": scope.managed_mall_ids})
    if agency_path is not None:
        lookup = f"{agency_path}__in" if agency_path else "pk__in"
        condition |= Q(**{lookup: scope.agency_ids_as(roles)})
    inside = queryset.model._default_manager.filter(condition).values("pk")
    return queryset.filter(pk__in=inside)


class ScopedFieldsMixin:
    """Every foreign key and many-to-many choice narrowed to what the user may write into."""

    def write_roles(self) -> frozenset[str]:
        raise NotImplementedError

    def get_field_queryset(self, db: Any, db_field: Any, request: HttpRequest) -> QuerySet:
        queryset = super().get_field_queryset(db, db_field, request)  # type: ignore[misc]
        if queryset is None:
            queryset = db_field.remote_field.model._default_manager.using(db).all()
        return scoped_choices(queryset, staff_scope(request.user), self.write_roles())


class ScopedAdmin(ScopedFieldsMixin, admin.ModelAdmin):
    """Admin whose rows are filtered by the user's memberships rather than Django permissions.

    Subclasses say how a row relates to a mall and an agency: ``mall_path`` and ``agency_path``
    are lookups from the model ("" when the model is the mall or agency itself; ``agency_path``
    None for rows of the whole mall), and which roles may add, change and delete rows: the mall
    manager a row of a mall they manage, an agency role a row of its own agency. Everyone with a
    role views the rows of their scope; the ministry monitor views all and changes nothing.
    Every add and change is checked again on save, on the row as it would be saved.
    """

    mall_path: str = ""
    agency_path: str | None = None
    add_roles: frozenset[str] = MANAGER
    change_roles: frozenset[str] = MANAGER
    delete_roles: frozenset[str] = MANAGER

    def write_roles(self) -> frozenset[str]:
        return self.add_roles | self.change_roles

    def _scope_filter(self, request: HttpRequest) -> Q:
        scope = staff_scope(request.user)
        if scope.sees_everything:
            return Q(pk__isnull=False)  # every row (an empty Q would vanish in an OR)
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

    def may(self, request: HttpRequest, roles: frozenset[str], obj: Any = None) -> bool:
        """Whether one of ``roles`` lets the user write ``obj`` (any row of theirs when None)."""
        scope = staff_scope(request.user)
        if obj is None:
            return scope.holds_any(roles, agency_rows=self.agency_path is not None)
        return scope.may_write(
            roles,
            mall_id=follow_id(obj, self.mall_path),
            agency_id=follow_id(obj, self.agency_path),
        )

    def has_module_permission(self, request: HttpRequest) -> bool:
        return staff_scope(request.user).is_staff_anywhere

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        scope = staff_scope(request.user)
        if obj is None or scope.sees_everything:
            return scope.is_staff_anywhere
        return self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.may(request, self.change_roles, obj)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.may(request, self.add_roles)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.may(request, self.delete_roles, obj)

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        roles = self.change_roles if obj is not None else self.add_roles
        return checked_form(form, lambda row: self.may(request, roles, row))

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not self.may(request, self.change_roles if change else self.add_roles, obj):
            raise PermissionDenied
        super().save_model(request, obj, form, change)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        if not self.has_delete_permission(request, obj):
            raise PermissionDenied
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        if any(not self.has_delete_permission(request, row) for row in queryset):
            raise PermissionDenied
        super().delete_queryset(request, queryset)


def checked_form(form: type[forms.ModelForm], allowed: Callable[[Any], bool]) -> Any:
    """``form`` refusing a row that ``allowed`` refuses, judged once the row is built from
    the posted values (a forged POST meets the same check as the choices)."""

    # The ignores: _post_clean and _errors are Django's private parts, absent from the stubs.
    def _post_clean(self: forms.ModelForm) -> None:
        form._post_clean(self)  # type: ignore[attr-defined]
        if not self._errors and not allowed(self.instance):  # type: ignore[attr-defined]
            self.add_error(None, REFUSED)

    return type(form.__name__, (form,), {"_post_clean": _post_clean})


class ScopedInline(ScopedFieldsMixin, admin.TabularInline):
    """Inline rows follow their parent's permission; their choices are narrowed the same way."""

    extra = 0

    def _parent(self) -> ScopedAdmin:
        # Every model with scoped inlines is registered with a ScopedAdmin.
        return cast(ScopedAdmin, self.admin_site._registry[self.parent_model])

    def write_roles(self) -> frozenset[str]:
        return self._parent().write_roles()

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._parent().has_view_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return self._parent().has_add_permission(request)
        return self._parent().has_change_permission(request, obj)

    has_add_permission = has_change_permission
    has_delete_permission = has_change_permission


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
    add_roles = NOBODY
    delete_roles = NOBODY


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
    # Agency staff see their agency but only the mall's manager changes it.

    def save_model(self, request: HttpRequest, obj: Agency, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and {"name", "short_name"} & set(form.changed_data):
            agency_refresh_search_text(agency=obj)


class AnnouncementForm(forms.ModelForm):
    scope: StaffScope

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
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
    search_fields = ["title_id", "title_en", "body_id", "body_en"]
    form = AnnouncementForm
    add_roles = change_roles = delete_roles = MANAGER_OR_APPROVER

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"scope": staff_scope(request.user)})

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.rule:
            # Worded from its closure in each reader's language: the decree is changed, not this.
            readonly += ["kind", "title_id", "body_id", "title_en", "body_en"]
        return readonly


@admin.register(StaffMembership)
class StaffMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "mall", "agency", "position", "nip"]
    list_filter = ["role", "mall"]
    list_select_related = ["user", "mall", "agency"]
    autocomplete_fields = ["user"]
    search_fields = ["user__username", "user__email"]
