"""The restore drill (scripts/restore_drill.py) on a small seeded database and private folder:
it passes on a good backup and fails on a corrupted one."""

import io
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from satupintu.booking.tests.factories import citizen
from satupintu.malls.tests.factories import AgencyFactory, MallFactory

pytestmark = pytest.mark.django_db(transaction=True)
SCRIPT = settings.BASE_DIR / "scripts" / "restore_drill.py"


@pytest.fixture
def seeded(tmp_path: Path) -> dict[str, str]:
    """Two malls, three agencies, five citizens and a private folder of evidence; the
    environment the drill reads (DATABASE_URL: this test database)."""
    for mall in (MallFactory(), MallFactory()):
        AgencyFactory(mall=mall)
    AgencyFactory(mall=mall)
    for _ in range(5):
        citizen()
    private = tmp_path / "private"
    (private / "complaints" / "2026").mkdir(parents=True)
    (private / "complaints" / "2026" / "bukti.pdf").write_bytes(b"%PDF-1.4 bukti " * 500)
    (private / "cases" / "foto.jpg").parent.mkdir(parents=True)
    (private / "cases" / "foto.jpg").write_bytes(os.urandom(40_000))
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    url = f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    return {"DATABASE_URL": url, "PRIVATE_MEDIA_ROOT": str(private)}


def _drill(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def _database_exists(env: dict[str, str], name: str) -> bool:
    with psycopg.connect(env["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres") as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    return found is not None


def test_the_drill_restores_the_database_and_the_private_folder_and_checks_them(seeded):
    result = _drill(seeded)

    assert result.returncode == 0, result.stderr
    assert "restore drill passed" in result.stdout
    assert "malls_mall 2" in result.stdout and "accounts_user 5" in result.stdout
    assert "2 files with equal SHA-256" in result.stdout
    restored = connection.settings_dict["NAME"] + "_restore_drill"
    assert not _database_exists(seeded, restored)  # the drill cleans up after itself


def test_a_truncated_database_dump_fails_the_drill(seeded, tmp_path):
    backup = tmp_path / "backup"
    assert _drill(seeded, "backup", str(backup)).returncode == 0
    dump = backup / "db.dump"
    dump.write_bytes(dump.read_bytes()[: dump.stat().st_size // 2])

    result = _drill(seeded, "verify", str(backup))

    assert result.returncode != 0
    assert "restore drill FAILED" in result.stderr
    assert "restore drill passed" not in result.stdout


def test_a_changed_file_in_the_folder_backup_fails_the_drill(seeded, tmp_path):
    backup = tmp_path / "backup"
    assert _drill(seeded, "backup", str(backup)).returncode == 0
    archive = backup / "media.tar"
    with tarfile.open(archive) as original:
        members = [(m, original.extractfile(m).read()) for m in original.getmembers()]
    with tarfile.open(archive, "w") as rewritten:
        for member, content in members:
            if member.name.endswith("bukti.pdf"):
                content = content.replace(b"bukti", b"palsu", 1)
            rewritten.addfile(member, io.BytesIO(content))

    result = _drill(seeded, "verify", str(backup))

    assert result.returncode != 0
    assert "files differ after restore" in result.stderr
    assert "bukti.pdf" in result.stderr
