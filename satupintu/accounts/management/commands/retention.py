"""Apply the retention periods of personal data now, or count what they would erase."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from satupintu.accounts.retention import RULES, retention_apply


class Command(BaseCommand):
    help = "Erase the personal data older than its retention period (RETENTION_*_DAYS)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be erased; erase nothing."
        )

    def handle(self, *args: Any, dry_run: bool = False, **options: Any) -> None:
        counts = retention_apply(dry_run=dry_run)
        verb = "would erase" if dry_run else "erased"
        for rule in RULES:
            self.stdout.write(f"{rule.name}: {verb} {counts[rule.name]}")
