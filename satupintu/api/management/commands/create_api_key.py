"""Issue an API key for an outside system (printed once)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from satupintu.api.models import IntegrationKey
from satupintu.malls.models import Mall


class Command(BaseCommand):
    help = "Issue an API key for an outside system, e.g. an Open311 client; it is printed once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--mall", help="Limit the key to one mall (its slug).")

    def handle(self, *args: Any, **options: Any) -> None:
        mall = None
        if options["mall"]:
            mall = Mall.objects.filter(slug=options["mall"]).first()
            if mall is None:
                raise CommandError(f"No mall {options['mall']!r}.")
        _record, key = IntegrationKey.issue(name=options["name"], mall=mall)
        self.stdout.write(key)
