"""manage.py stats_backfill [--start DATE] [--end DATE] [--mall SLUG]: count history into the
stats tables again."""

import sys
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from satupintu.malls.models import Mall
from satupintu.stats.services import history_span, rollup_chunks, rollup_malls


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"Not a date (YYYY-MM-DD): {value!r}") from exc


class Command(BaseCommand):
    help = (
        "Count the base tables (visits, applications, complaints, IKM) into the stats rollup "
        "tables again, month by month (every mall's month at once). Idempotent: run it over "
        "any days, any number of times."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--start", help="first day (YYYY-MM-DD); default: the first event")
        parser.add_argument("--end", help="last day (YYYY-MM-DD); default: the last event")
        parser.add_argument("--mall", help="slug of one mall; default: every mall")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(
        self,
        *args: Any,
        start: str | None,
        end: str | None,
        mall: str | None,
        no_progress: bool,
        **options: Any,
    ) -> None:
        malls = list(Mall.objects.order_by("pk"))
        if mall is not None:
            malls = [m for m in malls if m.slug == mall]
            if not malls:
                raise CommandError(f"No mall with slug {mall!r}.")
        span = history_span()
        if span is None and (start is None or end is None):
            self.stdout.write("Nothing to count: no history yet.")
            return
        first = _day(start) if start else span[0]  # type: ignore[index]
        last = _day(end) if end else span[1]  # type: ignore[index]
        if last < first:
            raise CommandError("The end comes before the start.")
        chunks = rollup_chunks(start=first, end=last)
        written = 0
        for chunk_start, chunk_end in tqdm(
            chunks, desc="stats_backfill", unit="month", disable=no_progress, file=sys.stderr
        ):
            written += rollup_malls(malls=malls, start=chunk_start, end=chunk_end)
        self.stdout.write(
            f"Counted {first} to {last} for {len(malls)} mall(s): {written} rows written."
        )
