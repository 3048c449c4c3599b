"""The embedded demo as `make demo` runs it (SQLite, no broker), in a child process on a fresh
SQLite database since the suite itself runs on PostgreSQL: a quiet seed, a search (FTS5) that
ranks as production's, and the history counted into the statistics in SQLite's SQL."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

SCRIPT = """
import json
from satupintu.catalog.selectors import service_search
from satupintu.malls.models import Mall
from satupintu.stats.selectors import Period, StatsFilter, figures

answers = {}
for query in QUERIES:
    found = service_search(query=query)
    answers[query] = [[s.name, s.agency.mall.slug] for s in found[:5]]
print("ANSWERS=" + json.dumps(answers))
bogor = Mall.objects.get(slug="kota-bogor")
counted = [
    figures(filter=StatsFilter(mall_id=bogor.pk), period=Period.month(2020, month)).applicants
    for month in (2, 3)
]
print("COUNTED=" + json.dumps(counted))
"""

QUERIES = [
    "kartu tanda pendudk",
    "Kartu Tanda Penduduk",
    "akta kelahiran",
    "izin mendirikan bangunan",
    "zzzz qqqq",
]


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("sqlite")
    database = folder / "demo.sqlite3"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_URL", "TEST_", "CELERY_", "CACHE_URL"))
    }
    env.update(DJANGO_ENV="demo", DATABASE_URL=f"sqlite:///{database}")
    # What the demo writes beside its database stays in the test's folder, not in var/.
    for setting in ("MEDIA_ROOT", "PRIVATE_MEDIA_ROOT", "EMAIL_FILE_PATH", "SIGNING_DIR"):
        env[setting] = str(folder / setting.lower())
    manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, check=True)  # noqa: S603
    seeded = subprocess.run(  # noqa: S603
        [*manage, "seed_demo"], env=env, check=True, capture_output=True, text=True
    )
    script = f"QUERIES = {QUERIES!r}\n{SCRIPT}"
    done = subprocess.run(  # noqa: S603
        [*manage, "shell", "-c", script], env=env, check=True, capture_output=True, text=True
    )
    said = dict(line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)
    return {
        "seed": seeded,
        "answers": json.loads(said["ANSWERS"]),
        "counted": json.loads(said["COUNTED"]),
    }


@pytest.fixture
def answers(demo) -> dict[str, list[list[str]]]:
    return demo["answers"]


def test_seed_demo_prints_the_logins_and_no_worker_noise(demo):
    assert demo["seed"].stdout.startswith("Demo data ready.")
    assert "satupintu-demo" in demo["seed"].stdout
    assert demo["seed"].stderr == ""
    assert "Task " not in demo["seed"].stdout and "hostname" not in demo["seed"].stdout


def test_a_typo_still_finds_ktp_el_first_on_sqlite(answers):
    first_name, _mall = answers["kartu tanda pendudk"][0]
    assert "KTP-el" in first_name


def test_synonyms_rank_as_on_postgresql(answers):
    assert "KTP-el" in answers["Kartu Tanda Penduduk"][0][0]
    assert "Akta Kelahiran" in answers["akta kelahiran"][0][0]
    assert "Bangunan Gedung" in answers["izin mendirikan bangunan"][0][0]


def test_results_come_from_both_malls(answers):
    assert {mall for _name, mall in answers["akta kelahiran"]} >= {
        "kota-bogor",
        "kabupaten-probolinggo",
    }


def test_nonsense_finds_nothing(answers):
    assert answers["zzzz qqqq"] == []


def test_the_history_is_counted_on_sqlite_as_the_articles_say(demo):
    # `make demo` seeds the history and counts it (INSERT … SELECT in SQLite's SQL): the
    # national view's Bogor February and March 2020, read from the count tables.
    assert demo["counted"] == [7912, 4431]
