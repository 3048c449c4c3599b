from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "satupintu.cases"
    verbose_name = _("Applications")

    def ready(self) -> None:
        from satupintu.cases.selectors import bot_application_status
        from satupintu.notify.bot import register_lookup

        register_lookup("STATUS", bot_application_status)
        # The signing backends: local, and BSrE's providers (with their fake for run_fakes).
        import satupintu.cases.bsre  # noqa: F401
