from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BookingConfig(AppConfig):
    name = "satupintu.booking"
    verbose_name = _("Visits")

    def ready(self) -> None:
        from satupintu.booking.selectors import bot_booking_status
        from satupintu.notify.bot import register_lookup

        register_lookup("ANTREAN", bot_booking_status)
