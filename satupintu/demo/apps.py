from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo data and ``seed_demo``: a composition root calling the other apps' services."""

    name = "satupintu.demo"
    verbose_name = _("Demo data")
