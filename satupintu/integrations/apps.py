from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "satupintu.integrations"
    verbose_name = _("National systems and other outside systems")
