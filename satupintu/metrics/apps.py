from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "satupintu.metrics"
    label = "metrics"
    verbose_name = "Metrics"

    def ready(self) -> None:
        from satupintu.metrics import signals

        signals.connect()
