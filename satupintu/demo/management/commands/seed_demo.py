"""manage.py seed_demo: load the demo malls, catalogs and one login per role."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from satupintu.demo.seed import DEMO_PASSWORD, DEMO_TOTP_BASE32, demo_seed


class Command(BaseCommand):
    help = "Create what is missing of the demo data (MPP Kota Bogor, MPP Kabupaten Probolinggo)."

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("Demo data and its known passwords are refused in production.")
        logins = demo_seed()
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for login in logins:
            self.stdout.write(f"  {login.username:<28} {login.role:<18} {login.scope}")
        self.stdout.write(
            f"Staff then give a code from an authenticator app with the key {DEMO_TOTP_BASE32}"
            f" (or `oathtool --totp -b {DEMO_TOTP_BASE32}`)."
        )
        self.stdout.write(f"The demo: {settings.SITE_URL}/")
