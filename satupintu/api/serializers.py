"""The error body every endpoint of API v1 answers with when it refuses."""

from rest_framework import serializers


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    # The serializer's metaclass takes declared fields off the class: no clash with
    # Serializer.fields, which the stubs cannot know.
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField())
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorBodySerializer()
