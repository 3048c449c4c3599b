from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured


class MetricsConfig(AppConfig):
    name = "satupintu.metrics"
    label = "metrics"
    verbose_name = "Metrics"

    def ready(self) -> None:
        from django.conf import settings

        from satupintu.metrics import signals
        from satupintu.metrics.views import allowed_networks

        signals.connect()
        try:  # a mistyped network stops the process at start, not each scrape
            allowed_networks(tuple(settings.METRICS_ALLOWED_NETS))
        except ValueError as exc:
            raise ImproperlyConfigured(f"METRICS_ALLOWED_NETS: {exc}") from exc
