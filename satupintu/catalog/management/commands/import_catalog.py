"""manage.py import_catalog MALL_SLUG FILE: import agencies and services from CSV or XLSX."""

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from satupintu.catalog.importer import ImportRejected, catalog_import
from satupintu.malls.models import Mall


class Command(BaseCommand):
    help = "Import a mall's catalog (agencies, services, service standards) from CSV or XLSX."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("mall", help="slug of the mall the catalog belongs to")
        parser.add_argument("file", type=Path, help="a .csv or .xlsx file (see README)")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, mall: str, file: Path, no_progress: bool, **options: Any) -> None:
        try:
            target = Mall.objects.get(slug=mall)
        except Mall.DoesNotExist as exc:
            raise CommandError(f"No mall with slug {mall!r}.") from exc
        if not file.is_file():
            raise CommandError(f"No such file: {file}")

        def progress(rows: Any) -> Any:
            return tqdm(rows, desc="import", unit="row", disable=no_progress, file=sys.stderr)

        try:
            result = catalog_import(mall=target, path=file, progress=progress)
        except ImportRejected as rejected:
            for line, message in rejected.errors:
                self.stderr.write(f"{file.name}:{line}: {message}")
            raise CommandError(
                f"{len(rejected.errors)} error(s); nothing was imported."
            ) from rejected
        self.stdout.write(
            f"Imported {result.lines} rows into {target.name}: "
            f"{result.agencies_created} agencies created, {result.services_created} services "
            f"created, {result.services_updated} updated."
        )
