"""Message templates (editable, with a preview) and the outbox per mall, with resend."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.defaultfilters import linebreaksbr
from django.utils.functional import Promise
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from satupintu.accounts.http import signed_in_user
from satupintu.accounts.privacy import Kind, record_access
from satupintu.malls.admin import MANAGER, NOBODY, ScopedAdmin
from satupintu.malls.permissions import staff_scope
from satupintu.notify.events import EXAMPLES
from satupintu.notify.models import DeliveryAttempt, Event, Message, MessageTemplate
from satupintu.notify.services import (
    message_resend,
    message_template_check,
    offered_names,
    render_preview,
)

SYNTAX_HELP = _(
    "Write {{ name }} for a value, {% if name %}…{% endif %} for a part shown only when it has "
    "one, and filters such as {{ name|upper }}; nothing else is evaluated. The names each event "
    "offers are listed under “offered names”."
)


class MessageTemplateForm(forms.ModelForm):
    """Checks the wording in the sandbox before it is saved: it must compile and read only the
    names its event offers."""

    class Meta:
        model = MessageTemplate
        fields = [
            "mall",
            "event",
            "channel",
            "language",
            "subject",
            "body",
            "html_body",
            "whatsapp_template",
        ]
        help_texts = {"body": SYNTAX_HELP}

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("event"):
            try:
                message_template_check(
                    event=data["event"],
                    subject=data.get("subject") or "",
                    body=data.get("body") or "",
                    html_body=data.get("html_body") or "",
                )
            except ValidationError as refused:
                for field, errors in refused.message_dict.items():
                    for error in errors:
                        self.add_error(field, error)
        return data


@admin.register(MessageTemplate)
class MessageTemplateAdmin(ScopedAdmin):
    form = MessageTemplateForm
    mall_path = "mall"
    list_display = ["event", "channel", "language", "mall"]
    list_filter = ["event", "channel", "language", "mall"]
    list_select_related = ["mall"]
    readonly_fields = ["offered", "preview"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[MessageTemplate]:
        # Managers see the defaults too (to copy them), but change only their mall's.
        qs = super(ScopedAdmin, self).get_queryset(request)
        return qs.filter(self._scope_filter(request) | Q(mall__isnull=True))

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.mall_id is None:
            return staff_scope(request.user).is_superuser
        return super().has_change_permission(request, obj)

    @admin.display(description=_("offered names"))
    def offered(self, obj: MessageTemplate) -> str:
        if obj.pk:
            return ", ".join(offered_names(obj.event))
        return format_html_join("", "<div><strong>{}</strong>: {}</div>", _names_by_event())

    @admin.display(description=_("preview"))
    def preview(self, obj: MessageTemplate) -> str | Promise:
        if not obj.pk:
            return _("Save to see a preview with example values.")
        subject, body = render_preview(template=obj)
        # No style attribute (the Content-Security-Policy allows no inline styles).
        return format_html("<strong>{}</strong><p>{}</p>", subject, linebreaksbr(body))


def _names_by_event() -> list[tuple[str, str]]:
    return [(str(Event(event).label), ", ".join(offered_names(event))) for event in EXAMPLES]


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

    @staticmethod
    def _monitor_only(request: HttpRequest) -> bool:
        """The ministry monitor watches the malls' figures, never what citizens are told."""
        scope = staff_scope(request.user)
        return scope.is_monitor and not scope.is_superuser and not scope.managed_mall_ids

    def get_queryset(self, request: HttpRequest) -> QuerySet[Message]:
        if self._monitor_only(request):
            return Message.objects.none()
        return super().get_queryset(request)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return not self._monitor_only(request) and super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not self._monitor_only(request) and super().has_view_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not self._monitor_only(request) and super().has_change_permission(request, obj)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        message = getattr(response, "context_data", {}).get("original")
        if response.status_code == 200 and message is not None:
            record_access(
                user=signed_in_user(request),
                kind=Kind.MESSAGE,
                subject=message.user,
                obj=message,
                mall=message.mall,
                where="admin:notify_message_change",
            )
        return response

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
