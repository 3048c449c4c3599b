from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "satupintu.complaints"
    verbose_name = _("Complaints")

    def ready(self) -> None:
        from satupintu.complaints.selectors import bot_report_status
        from satupintu.notify.bot import register_lookup

        register_lookup("STATUS", bot_report_status)
