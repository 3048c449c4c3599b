from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "satupintu.complaints"
    verbose_name = _("Complaints")

    def ready(self) -> None:
        from satupintu.complaints.lapor import outbox  # noqa: F401 (its outbox operations)
        from satupintu.complaints.lapor.client import DIRECT, SPLP
        from satupintu.complaints.lapor.fake import FakeLapor
        from satupintu.complaints.selectors import bot_report_status
        from satupintu.integrations.fakes import register_fake
        from satupintu.integrations.models import Integration
        from satupintu.integrations.registry import register_provider
        from satupintu.notify.bot import register_lookup

        register_lookup("STATUS", bot_report_status)
        register_provider(Integration.Kind.LAPOR, SPLP, _("SP4N-LAPOR! through the SPLP gateway"))
        register_provider(Integration.Kind.LAPOR, DIRECT, _("SP4N-LAPOR! directly"))
        register_fake("lapor", FakeLapor)
        for signal in (post_save, post_delete):
            signal.connect(outbox.forget_lapor_malls, sender=Integration, dispatch_uid=signal)
