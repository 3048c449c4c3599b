"""manage.py seed_demo: load the demo malls, catalogs and one login per role."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from satupintu.demo.seed import DEMO_PASSWORD, DEMO_TOTP_BASE32, demo_seed


class Command(BaseCommand):
    help = (
        "Create what is missing of the demo data (MPP Kota Bogor, MPP Kabupaten Probolinggo and"
        " lighter malls elsewhere) with their history (2019-2020 and the last 12 months)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--no-history",
            action="store_true",
            help="Leave out the malls' past activity (quicker; the statistics stay empty).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("Demo data and its known passwords are refused in production.")
        logins = demo_seed(history=not options["no_history"])
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for login in logins:
            self.stdout.write(f"  {login.username:<28} {login.role:<18} {login.scope}")
        self.stdout.write(
            f"Staff then give a code from an authenticator app with the key {DEMO_TOTP_BASE32}"
            f" (or `oathtool --totp -b {DEMO_TOTP_BASE32}`)."
        )
        self.stdout.write(f"The demo: {settings.SITE_URL}/")
