"""What the benchmarks share: their own database, a broker, free ports, percentiles.

Each benchmark calls ``setup()`` before importing anything of Django's.
"""

import os
import socket
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup(name: str, *, broker_url: str = "") -> None:
    """Use DATABASE_URL's database name + "_bench_" + ``name`` (each benchmark its own, created
    and migrated when needed), and ``broker_url`` for Celery when given; then start Django."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "satupintu.settings")
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/satupintu")
    os.environ["DATABASE_URL"] = f"{base.rstrip('/')}_bench_{name}"
    if broker_url:
        os.environ["CELERY_BROKER_URL"] = broker_url

    import django

    django.setup()

    from django.core.management import call_command
    from django.db import connection

    name = connection.settings_dict["NAME"]
    with connection._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    call_command("migrate", verbosity=0, interactive=False)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]
