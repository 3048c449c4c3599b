"""The OpenAPI generator: every operation documents the errors it can answer with."""

from typing import Any

from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiResponse
from rest_framework.permissions import AllowAny

from satupintu.api.serializers import ErrorSerializer


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's AutoSchema, adding the error answers that come from the request's path
    rather than from the view: bad input refused by the middleware (400), a token or key that
    is not valid (401), a permission missing (403), an unknown id or page (404), a throttle
    (429). A view's own ``extend_schema(responses=...)`` wins for a status it documents."""

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        for code, description in self._error_statuses():
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    _error(description), code, direction=direction
                )
        return dict(sorted(responses.items()))

    def _error_statuses(self) -> list[tuple[str, str]]:
        view = self.view
        statuses = [("400", "Refused: the error says why.")]
        if view.get_authenticators():
            statuses.append(("401", "The credentials sent are not valid, or are missing."))
        if any(not isinstance(p, AllowAny) for p in view.get_permissions()):
            statuses.append(("403", "Not allowed to do this."))
        if "{" in self.path or self._is_list_view() and self._get_paginator():
            statuses.append(("404", "Not found."))
        if getattr(view, "throttle_scope", None):
            statuses.append(("429", "Too many requests: try again later."))
        return statuses
