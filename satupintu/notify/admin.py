"""Message templates (editable, with a preview) and the outbox per mall, with resend."""

from typing import Any

from django.contrib import admin, messages
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from satupintu.malls.admin import MANAGER, NOBODY, ScopedAdmin
from satupintu.notify.models import DeliveryAttempt, Message, MessageTemplate
from satupintu.notify.services import message_resend, render_preview


@admin.register(MessageTemplate)
class MessageTemplateAdmin(ScopedAdmin):
    mall_path = "mall"
    list_display = ["event", "channel", "language", "mall"]
    list_filter = ["event", "channel", "language", "mall"]
    list_select_related = ["mall"]
    readonly_fields = ["preview"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[MessageTemplate]:
        # Managers see the defaults too (to copy them), but change only their mall's.
        qs = super(ScopedAdmin, self).get_queryset(request)
        return qs.filter(self._scope_filter(request) | Q(mall__isnull=True))

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.mall_id is None:
            return request.user.is_superuser
        return super().has_change_permission(request, obj)

    @admin.display(description=_("preview"))
    def preview(self, obj: MessageTemplate) -> str:
        if not obj.pk:
            return _("Save to see a preview with example values.")
        subject, body = render_preview(template=obj)
        return format_html(
            "<strong>{}</strong><pre style='white-space:pre-wrap'>{}</pre>", subject, body
        )


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    readonly_fields = ["started_at", "finished_at", "succeeded", "error", "provider_id"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Message)
class MessageAdmin(ScopedAdmin):
    mall_path = "mall"
    list_display = ["created_at", "event", "channel", "to", "status", "attempts", "mall"]
    list_filter = ["status", "channel", "event", "mall"]
    list_select_related = ["mall"]
    search_fields = ["to", "provider_id"]
    date_hierarchy = "created_at"
    inlines = [DeliveryAttemptInline]
    actions = ["resend"]
    readonly_fields = [f.name for f in Message._meta.fields]
    add_roles = change_roles = delete_roles = NOBODY  # written by the application
    resend_roles = MANAGER

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_resend_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.may(request, self.resend_roles, obj)

    @admin.action(description=_("Resend the selected failed messages"), permissions=["resend"])
    def resend(self, request: HttpRequest, queryset: QuerySet[Message]) -> None:
        failed = [
            message
            for message in queryset.filter(status=Message.Status.FAILED)
            if self.has_resend_permission(request, message)
        ]
        for message in failed:
            message_resend(message=message)
        self.message_user(
            request,
            ngettext("%(n)d message queued again.", "%(n)d messages queued again.", len(failed))
            % {"n": len(failed)},
            messages.SUCCESS,
        )
