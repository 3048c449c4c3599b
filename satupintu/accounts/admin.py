from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from satupintu.accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *BaseUserAdmin.fieldsets,  # type: ignore[misc]  # set in UserAdmin; the stubs allow None
        (
            _("Identity"),
            {
                "fields": (
                    "nik",
                    "birth_date",
                    "dukcapil_status",
                    "dukcapil_verified_at",
                    "dukcapil_checked_at",
                    "phone",
                    "language",
                    "notification_channels",
                )
            },
        ),
    )
    # Only the identity check writes its verdict.
    readonly_fields = ("dukcapil_status", "dukcapil_verified_at", "dukcapil_checked_at")


from satupintu.accounts import privacy_admin  # noqa: E402, F401 - registers its admin
