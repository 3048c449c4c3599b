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
        from satupintu.accounts.identity.fake import FakeDukcapil
        from satupintu.accounts.identity.registry import register_providers
        from satupintu.integrations.fakes import register_fake

        register_providers()
        # `manage.py run_fakes`: a Dukcapil on loopback, seeded with made-up residents.
        register_fake("dukcapil", FakeDukcapil)

        # The admin's sign-in goes through the same lock-out as the portal's.
        admin.site.login_form = AdminLoginForm
