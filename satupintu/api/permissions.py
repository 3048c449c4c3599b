"""Who may call an endpoint at all, before any object is looked at."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.views import APIView

from satupintu.accounts.selectors import is_staff_person
from satupintu.api.models import IntegrationKey
from satupintu.api.users import signed_in_user


class StaffOnly(IsAuthenticated):
    """The staff endpoints: a citizen is told so (403), not shown an empty list."""

    message = _("This is for the staff of a public service mall.")
    code = "staff_only"

    def has_permission(self, request: Request, view: APIView) -> bool:
        return super().has_permission(request, view) and is_staff_person(
            user=signed_in_user(request)
        )


class CitizenOrIntegration(BasePermission):
    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(request.user and request.user.is_authenticated) or isinstance(
            request.auth, IntegrationKey
        )
