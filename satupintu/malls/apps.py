from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MallsConfig(AppConfig):
    name = "satupintu.malls"
    verbose_name = _("Malls and agencies")
