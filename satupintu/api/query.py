"""Query parameters of list endpoints, checked by a serializer before any look-up."""

from typing import Any

from rest_framework.serializers import Serializer
from rest_framework.views import APIView


class QueryMixin(APIView):
    """Validates query parameters with ``query_serializer``; a bad one answers 400."""

    query_serializer: type[Serializer]

    def query(self) -> dict[str, Any]:
        serializer = self.query_serializer(data=self.request.query_params)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data
