from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "satupintu.accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from django.contrib import admin

        from satupintu.accounts import (  # noqa: F401 (registers them)
            checks,
            sessions,
            signals,
            twofactor,
        )
        from satupintu.accounts.forms import AdminLoginForm

        # The admin's sign-in goes through the same lock-out as the portal's.
        admin.site.login_form = AdminLoginForm
