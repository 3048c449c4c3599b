"""Configuration of visits in the admin, scoped like the rest: a manager sees their mall."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from satupintu.accounts.http import signed_in_user
from satupintu.booking.models import (
    AgencyHours,
    Booking,
    BookingEvent,
    Closure,
    DayOff,
    ServiceVisit,
    VisitPolicy,
)
from satupintu.booking.services.closures import (
    closure_agencies_check,
    closure_record,
    closure_reopen,
)
from satupintu.malls.admin import MANAGER_OR_APPROVER, NOBODY, ScopedAdmin


@admin.register(VisitPolicy)
class VisitPolicyAdmin(ScopedAdmin):
    mall_path = "mall"
    list_display = [
        "mall",
        "waiting_room_seats",
        "distancing_factor",
        "days_ahead",
        "walk_in_percent",
        "priority_percent",
    ]


@admin.register(ServiceVisit)
class ServiceVisitAdmin(ScopedAdmin):
    mall_path = "service__agency__mall"
    agency_path = "service__agency"
    list_display = ["service", "slot_minutes", "minutes_per_visitor"]
    autocomplete_fields = ["service"]
    add_roles = change_roles = delete_roles = MANAGER_OR_APPROVER


@admin.register(AgencyHours)
class AgencyHoursAdmin(ScopedAdmin):
    mall_path = "agency__mall"
    agency_path = "agency"
    list_display = ["agency", "weekday", "opens", "closes"]
    add_roles = change_roles = delete_roles = MANAGER_OR_APPROVER


@admin.register(DayOff)
class DayOffAdmin(ScopedAdmin):
    """Days off move bookings: the mall's manager records them, for the mall or one agency."""

    mall_path = "mall"
    list_display = ["date", "mall", "agency", "reason", "opens", "closes"]
    list_filter = ["mall"]
    date_hierarchy = "date"


class BookingEventInline(admin.TabularInline):
    """The booking's history, as its changes wrote it: looked at, never edited."""

    model = BookingEvent
    fields = readonly_fields = ("at", "from_status", "to_status", "reason", "actor", "note")
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return True  # whoever the booking's admin lets see the booking sees its history


@admin.register(Booking)
class BookingAdmin(ScopedAdmin):
    mall_path = "service__agency__mall"
    agency_path = "service__agency"
    list_display = ["code", "service", "slot", "status", "priority", "created_at"]
    list_filter = ["status", "priority"]
    search_fields = ["code", "citizen__nik"]
    readonly_fields = [f.name for f in Booking._meta.fields]
    inlines = [BookingEventInline]
    add_roles = change_roles = delete_roles = NOBODY  # booked by citizens, looked at here

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


REPORT_FIELDS = ["applied_at", "affected", "moved", "released", "notified", "announcement"]

CLOSURE_FIELDS = (
    "mall",
    "agencies",
    "kind",
    "decree_number",
    "reason",
    "reason_en",
    "starts_on",
    "ends_on",
    "opens",
    "closes",
    "reopened_on",
    *REPORT_FIELDS,
)


# Django 6's empty choice of every select; its Indonesian catalog does not have it yet, ours does.
gettext_noop("- Select an option -")


class ClosureForm(forms.ModelForm):
    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        mall, agencies = cleaned.get("mall"), cleaned.get("agencies")
        if mall and agencies:
            try:
                closure_agencies_check(mall=mall, agencies=agencies)
            except ValidationError as refused:
                self.add_error(None, refused)
        return cleaned


@admin.register(Closure)
class ClosureAdmin(ScopedAdmin):
    """A manager records a decree; saving it moves the bookings and shows the report."""

    form = ClosureForm
    mall_path = "mall"
    list_display = [
        "decree_number",
        "mall",
        "kind",
        "starts_on",
        "ends_on",
        "reopened_on",
        "affected",
        "moved",
        "released",
        "notified",
    ]
    list_filter = ["kind", "mall"]
    filter_horizontal = ["agencies"]
    delete_roles = NOBODY  # a decree is reopened, not deleted
    fields = CLOSURE_FIELDS

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return [*REPORT_FIELDS, "reopened_on"]
        return [f for f in CLOSURE_FIELDS if f != "reopened_on"]  # a decree is not rewritten

    def save_model(self, request: HttpRequest, obj: Closure, form: Any, change: bool) -> None:
        if change:
            if "reopened_on" in form.changed_data and obj.reopened_on:
                closure_reopen(closure=obj, on=obj.reopened_on)
            return
        closure = closure_record(
            mall=obj.mall,
            kind=obj.kind,
            decree_number=obj.decree_number,
            reason=obj.reason,
            reason_en=obj.reason_en,
            starts_on=obj.starts_on,
            ends_on=obj.ends_on,
            opens=obj.opens,
            closes=obj.closes,
            agencies=list(form.cleaned_data["agencies"]),
            by=signed_in_user(request),
        )
        obj.pk = closure.pk
        self.message_user(
            request,
            _(
                "%(affected)s bookings affected: %(moved)s moved, %(released)s released, "
                "%(notified)s holders told."
            )
            % {
                "affected": closure.affected,
                "moved": closure.moved,
                "released": closure.released,
                "notified": closure.notified,
            },
            messages.SUCCESS,
        )
