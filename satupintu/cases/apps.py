from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "satupintu.cases"
    verbose_name = _("Applications")

    def ready(self) -> None:
        from satupintu.cases.oss import outbound
        from satupintu.cases.selectors import bot_application_status
        from satupintu.cases.signals import application_changed, document_issued
        from satupintu.notify.bot import register_lookup

        register_lookup("STATUS", bot_application_status)
        # OSS: the outbox operations and the fake ``run_fakes`` starts register themselves.
        from satupintu.cases.oss import client, fake  # noqa: F401

        # OSS-born cases report every change and their permit to OSS (cases/oss/outbound.py).
        application_changed.connect(outbound.record_change, dispatch_uid="cases.oss.status")
        document_issued.connect(outbound.record_issue, dispatch_uid="cases.oss.license")
        # The signing backends: local, and BSrE's providers (with their fake for run_fakes).
        import satupintu.cases.bsre  # noqa: F401
