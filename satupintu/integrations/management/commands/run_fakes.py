"""Start the local stand-ins of the national systems, for a hands-on try."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from satupintu.integrations.fakes import FakeServer, registered_fakes


class Command(BaseCommand):
    # The fakes need no database: the command runs on a fresh checkout, before any migrate.
    requires_system_checks: list[str] = []
    help = (
        "Start every registered fake outside system (OSS, BSrE, Dukcapil, LAPOR!) on "
        "127.0.0.1 and print its URL; Ctrl-C stops them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("names", nargs="*", help="Only these fakes (default: all).")
        parser.add_argument(
            "--port", type=int, default=0, help="First port (following ones for the next fakes)."
        )
        parser.add_argument(
            "--seconds", type=float, default=0, help="Stop after this long (default: never)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        fakes = registered_fakes()
        names = options["names"] or sorted(fakes)
        unknown = sorted(set(names) - set(fakes))
        if unknown:
            self.stderr.write(f"unknown fakes: {', '.join(unknown)}; known: {', '.join(fakes)}")
            return
        running: list[FakeServer] = []
        try:
            for offset, name in enumerate(names):
                fake = fakes[name]()
                if options["port"]:
                    fake.port = options["port"] + offset
                running.append(fake)
                self.stdout.write(f"{name}: {fake.start()}")
            self.stdout.flush()
            deadline = time.monotonic() + options["seconds"] if options["seconds"] else None
            while deadline is None or time.monotonic() < deadline:
                time.sleep(0.2)
        except KeyboardInterrupt:
            pass
        finally:
            for fake in running:
                fake.stop()
