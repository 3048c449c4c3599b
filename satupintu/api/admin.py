"""Webhooks are configured by the administrators; their deliveries are shown, never edited."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from satupintu.api.models import Webhook, WebhookDelivery


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    list_display = ["name", "url", "mall", "agency", "is_active", "created_at"]
    list_filter = ["is_active", "mall"]
    search_fields = ["name", "url"]
    autocomplete_fields = ["mall", "agency"]
    readonly_fields = ["secret", "created_at"]
    fields = ["name", "url", "mall", "agency", "is_active", "secret", "created_at"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "webhook",
        "event",
        "status",
        "attempts",
        "next_attempt_at",
        "last_status_code",
        "delivered_at",
    ]
    list_filter = ["status", "webhook", "event"]
    list_select_related = ["webhook"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "id",
        "webhook",
        "event",
        "payload",
        "status",
        "attempts",
        "next_attempt_at",
        "last_status_code",
        "last_error",
        "delivered_at",
        "created_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
