"""Outside systems are configured by the administrators. Secrets are written, never shown; the
calls are shown with their last answers and can be replayed; the log is read-only."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from satupintu.integrations import registry, services
from satupintu.integrations.models import Integration, IntegrationEvent, OutboundCall


class IntegrationForm(forms.ModelForm):
    provider = forms.ChoiceField(label=_("provider"), choices=())
    new_secrets = forms.CharField(
        label=_("set secrets"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off"}),
        help_text=_(
            "One per line as name=value, e.g. password=…; name= removes one; "
            "name=env:VARIABLE reads it from the server's environment. "
            "Stored encrypted and never shown again."
        ),
    )

    class Meta:
        model = Integration
        fields = ["kind", "provider", "name", "mall", "agency", "base_url", "options", "is_active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        provider = self.fields["provider"]
        assert isinstance(provider, forms.ChoiceField)
        provider.choices = registry.all_providers()

    def clean_new_secrets(self) -> dict[str, str]:
        values: dict[str, str] = {}
        for line in self.cleaned_data["new_secrets"].splitlines():
            if not line.strip():
                continue
            name, sep, value = line.partition("=")
            if not sep or not name.strip():
                raise forms.ValidationError(_("Write each secret as name=value."))
            values[name.strip()] = value.strip()
        return values

    def clean_options(self) -> Any:
        options = self.cleaned_data["options"]
        if not isinstance(options, dict):
            raise forms.ValidationError(_("Options must be a JSON object."))
        return options

    def save(self, commit: bool = True) -> Integration:
        integration: Integration = super().save(commit=False)
        integration.set_secrets(self.cleaned_data.get("new_secrets") or {})
        if commit:
            integration.save()
        return integration


@admin.register(Integration)
class IntegrationAdmin(admin.ModelAdmin):
    form = IntegrationForm
    list_display = [
        "name",
        "kind",
        "provider",
        "mall",
        "agency",
        "is_active",
        "last_success_at",
        "last_error_at",
        "queue",
    ]
    list_filter = ["kind", "is_active", "mall"]
    search_fields = ["name", "base_url"]
    autocomplete_fields = ["mall", "agency"]
    readonly_fields = ["secrets_kept", "state", "last_error", "created_at"]
    fields = [
        "kind",
        "provider",
        "name",
        "mall",
        "agency",
        "base_url",
        "options",
        "is_active",
        "secrets_kept",
        "new_secrets",
        "state",
        "last_error",
        "created_at",
    ]

    @admin.display(description=_("secrets kept"))
    def secrets_kept(self, obj: Integration) -> str:
        return ", ".join(obj.secret_names()) or "—"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Integration]:
        # The list's queue column, counted in the list's own query (not one query per row).
        calls = OutboundCall.Status
        return (
            super()
            .get_queryset(request)
            .annotate(
                pending=Count("calls", filter=Q(calls__status=calls.PENDING)),
                held=Count("calls", filter=Q(calls__status=calls.HELD)),
                failed=Count("calls", filter=Q(calls__status=calls.FAILED)),
            )
        )

    @admin.display(description=_("queue"))
    def queue(self, obj: Integration) -> str:
        counts = {name: getattr(obj, name, 0) for name in ("pending", "held", "failed")}
        return _("%(pending)d pending, %(held)d held, %(failed)d failed") % counts

    @admin.display(description=_("state"))
    def state(self, obj: Integration) -> str:
        if obj.pk is None:
            return "—"
        state = services.integration_state(obj)
        oldest = state.oldest_pending_at.isoformat() if state.oldest_pending_at else "—"
        return _(
            "Last success: %(success)s. Last error: %(error)s. "
            "Queue: %(pending)d pending (oldest %(oldest)s), %(held)d held, %(failed)d failed."
        ) % {
            "success": state.last_success_at.isoformat() if state.last_success_at else "—",
            "error": state.last_error_at.isoformat() if state.last_error_at else "—",
            "pending": state.pending,
            "oldest": oldest,
            "held": state.held,
            "failed": state.failed,
        }


@admin.register(OutboundCall)
class OutboundCallAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "integration",
        "operation",
        "subject",
        "status",
        "attempts",
        "next_attempt_at",
        "last_status_code",
        "done_at",
    ]
    list_filter = ["status", "integration", "operation"]
    list_select_related = ["integration"]
    search_fields = ["subject", "operation"]
    date_hierarchy = "created_at"
    actions = ["replay"]
    readonly_fields = [
        "id",
        "integration",
        "operation",
        "subject",
        "key",
        "retry",
        "payload",
        "status",
        "attempts",
        "next_attempt_at",
        "last_status_code",
        "last_error",
        "last_answer",
        "result",
        "done_at",
        "created_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Make the selected calls again"), permissions=["change"])
    def replay(self, request: HttpRequest, queryset: QuerySet[OutboundCall]) -> None:
        replayed = 0
        for call in queryset.exclude(status=OutboundCall.Status.DONE):
            services.call_replay(call=call)
            replayed += 1
        self.message_user(
            request,
            ngettext("%d call queued again.", "%d calls queued again.", replayed) % replayed,
            messages.SUCCESS,
        )


@admin.register(IntegrationEvent)
class IntegrationEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "integration", "direction", "operation", "ok", "message"]
    list_filter = ["kind", "direction", "ok", "integration"]
    list_select_related = ["integration"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
