"""Configuration of visits in the admin, scoped like the rest: a manager sees their mall."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from satupintu.booking.models import AgencyHours, Booking, DayOff, ServiceVisit, VisitPolicy
from satupintu.malls.admin import ScopedAdmin


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


@admin.register(AgencyHours)
class AgencyHoursAdmin(ScopedAdmin):
    mall_path = "agency__mall"
    agency_path = "agency"
    list_display = ["agency", "weekday", "opens", "closes"]


@admin.register(DayOff)
class DayOffAdmin(ScopedAdmin):
    mall_path = "mall"
    list_display = ["date", "mall", "agency", "reason", "opens", "closes"]
    list_filter = ["mall"]
    date_hierarchy = "date"


@admin.register(Booking)
class BookingAdmin(ScopedAdmin):
    mall_path = "service__agency__mall"
    agency_path = "service__agency"
    list_display = ["code", "service", "slot", "status", "priority", "created_at"]
    list_filter = ["status", "priority"]
    search_fields = ["code", "citizen__nik"]
    readonly_fields = [f.name for f in Booking._meta.fields]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
