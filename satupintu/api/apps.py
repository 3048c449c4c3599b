from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "satupintu.api"
    verbose_name = _("API")

    def ready(self) -> None:
        from satupintu.api import webhooks
        from satupintu.cases.signals import application_changed

        application_changed.connect(webhooks.record_change, dispatch_uid="api.webhooks")
