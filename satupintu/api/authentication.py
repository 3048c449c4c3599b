"""Authentication of outside systems: a licensing system's integration key, and how the schema
documents it."""

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from satupintu.api.models import IntegrationKey


class IntegrationKeyAuthentication(BaseAuthentication):
    """``Authorization: Api-Key <key>``: an outside system, not a person (the user stays
    anonymous; ``request.auth`` is its IntegrationKey)."""

    keyword = "Api-Key"

    def authenticate(self, request: Request) -> tuple[AnonymousUser, IntegrationKey] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        key = IntegrationKey.find(parts[1].decode(errors="replace")) if len(parts) == 2 else None
        if key is None:
            raise exceptions.AuthenticationFailed(_("This API key is not valid."))
        return AnonymousUser(), key

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class IntegrationKeyScheme(OpenApiAuthenticationExtension):
    target_class = IntegrationKeyAuthentication
    name = "integrationKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key <key>`, issued with `manage.py create_api_key`.",
        }
