"""The IKM responses in the admin: looked at, never written (answered by citizens or typed in
from paper on the front office's page). A response holds no person, so the admin shows none:
the mall, agency, service, day, channel, scores, optional profile and comment."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from satupintu.malls.admin import NOBODY, ScopedAdmin
from satupintu.surveys.elements import ELEMENTS, PROFILE_FIELDS
from satupintu.surveys.models import Response

SCORES = [element.field for element in ELEMENTS]


@admin.register(Response)
class ResponseAdmin(ScopedAdmin):
    # The whole mall's managers (and the ministry) read them; agency staff, who may have served
    # the respondent that day, do not see single answers: their results are aggregates.
    mall_path = "mall"
    agency_path = None
    add_roles = change_roles = delete_roles = NOBODY
    list_display = ["date", "mall", "agency", "service", "channel", *SCORES]
    list_filter = ["channel", "mall"]
    list_select_related = ["mall", "agency", "service"]
    date_hierarchy = "date"
    ordering = ["-date", "-pk"]
    readonly_fields = ["mall", "agency", "service", "date", "channel", *SCORES]
    readonly_fields += [*PROFILE_FIELDS, "comment"]
    fields = tuple(readonly_fields)
    actions = None

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
