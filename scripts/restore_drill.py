"""Restore drill: back up the database and the private media folder, restore both into a fresh
database and folder, and check the copy (README "Deploying", "Backups and restore").

    python scripts/restore_drill.py             # backup + restore + check, then clean up
    python scripts/restore_drill.py backup DIR  # only the backup, into DIR
    python scripts/restore_drill.py verify DIR  # restore DIR into a fresh database and folder

The database is DATABASE_URL's, the folder PRIVATE_MEDIA_ROOT (default var/private). The
backup is ``pg_dump -Fc`` (db.dump), a tar of the folder (media.tar) and a manifest written in
the dump's own snapshot: every table's row count and every file's SHA-256. The restore goes into
the database ``<name>_restore_drill`` (dropped first when it exists, and after the check unless
--keep) with ``pg_restore --exit-on-error``, and into a new temporary folder. The check compares
row counts table by table and every file's checksum. Exit status 0 only when all match.
"""

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

ROOT = Path(__file__).resolve().parent.parent
# Shown by name in the drill's report; every table of the schema is compared all the same.
KEY_TABLES = (
    "accounts_user",
    "malls_mall",
    "catalog_service",
    "booking_booking",
    "cases_application",
    "cases_document",
    "complaints_report",
    "notify_message",
)


class DrillFailed(Exception):
    """The backup could not be restored, or the copy differs from what was backed up."""


def _conninfo(url: str, **override: str) -> str:
    """A libpq connection string for ``url`` (postgres://...), a keyword or two changed."""
    return make_conninfo(url.replace("postgresql://", "postgres://", 1), **override)


def _table_counts(conn: psycopg.Connection) -> dict[str, int]:
    tables = conn.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
    ).fetchall()
    counts = {}
    for (table,) in tables:
        query = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
        counts[table] = conn.execute(query).fetchone()[0]
    return counts


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _files(folder: Path) -> dict[str, str]:
    """Every regular file under ``folder`` (relative path) and its SHA-256."""
    if not folder.exists():
        return {}
    return {
        str(path.relative_to(folder)): _sha256(path)
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.is_symlink()
    }


def backup(*, database_url: str, media: Path, out: Path) -> dict:
    """Dump the database and the folder into ``out``; the row counts are taken in the dump's
    snapshot, so a busy database still gives counts the restored copy must equal."""
    out.mkdir(parents=True, exist_ok=True)
    with psycopg.connect(_conninfo(database_url)) as conn:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        subprocess.run(  # noqa: S603 - fixed program, arguments from our own settings
            ["pg_dump", "-Fc", "--no-owner", f"--snapshot={snapshot}"]
            + ["-f", str(out / "db.dump"), "-d", _conninfo(database_url)],
            check=True,
        )
        counts = _table_counts(conn)
        conn.rollback()
    files = _files(media)
    with tarfile.open(out / "media.tar", "w") as archive:
        for name in files:
            archive.add(media / name, arcname=name)
    manifest = {"tables": counts, "files": files}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True))
    return manifest


def _drop_database(database_url: str, name: str, *, create: bool = False) -> None:
    """Drop the drill's database ``name`` (and create it afresh when ``create``)."""
    with psycopg.connect(_conninfo(database_url, dbname="postgres"), autocommit=True) as conn:
        target = sql.Identifier(name)
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(target))
        if create:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(target))


def verify(*, database_url: str, backup_dir: Path, media_to: Path, keep: bool = False) -> str:
    """Restore ``backup_dir`` into ``<name>_restore_drill`` and ``media_to``, then compare with
    its manifest. Raises DrillFailed on any difference; returns a short report."""
    manifest = json.loads((backup_dir / "manifest.json").read_text())
    source = conninfo_to_dict(_conninfo(database_url))["dbname"]
    target = f"{source}_restore_drill"
    _drop_database(database_url, target, create=True)
    try:
        restored = subprocess.run(  # noqa: S603 - fixed program, arguments from our settings
            ["pg_restore", "--no-owner", "--exit-on-error", "--single-transaction"]
            + ["-d", _conninfo(database_url, dbname=target), str(backup_dir / "db.dump")],
            capture_output=True,
            text=True,
        )
        if restored.returncode != 0:
            raise DrillFailed(f"pg_restore failed: {restored.stderr.strip()[-2000:]}")
        with psycopg.connect(_conninfo(database_url, dbname=target)) as conn:
            counts = _table_counts(conn)
    finally:
        if not keep:
            _drop_database(database_url, target)
    differ = {
        table: (n, counts.get(table))
        for table, n in manifest["tables"].items()
        if counts.get(table) != n
    }
    if differ or set(counts) != set(manifest["tables"]):
        raise DrillFailed(f"row counts differ (table: backed up, restored): {differ}")

    media_to.mkdir(parents=True, exist_ok=True)
    try:
        with tarfile.open(backup_dir / "media.tar") as archive:
            archive.extractall(media_to, filter="data")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise DrillFailed(f"the media archive cannot be read: {exc}") from exc
    files = _files(media_to)
    wrong = sorted(name for name, digest in manifest["files"].items() if files.get(name) != digest)
    if wrong or set(files) != set(manifest["files"]):
        raise DrillFailed(f"files differ after restore: {wrong[:10]}")

    key = ", ".join(f"{t} {counts[t]}" for t in KEY_TABLES if t in counts)
    return (
        f"restore drill passed: {len(counts)} tables restored into {target} with equal row "
        f"counts ({key}); {len(files)} files with equal SHA-256 restored into {media_to}"
        + ("" if keep else " (the copies removed again)")
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("step", nargs="?", choices=("drill", "backup", "verify"), default="drill")
    parser.add_argument("dir", nargs="?", type=Path, help="the backup folder (backup, verify)")
    parser.add_argument("--keep", action="store_true", help="keep the restored database and folder")
    args = parser.parse_args(argv)
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        parser.error("DATABASE_URL must be a PostgreSQL URL (postgres://user@host:5432/name)")
    media = Path(os.environ.get("PRIVATE_MEDIA_ROOT", ROOT / "var" / "private"))
    if args.step != "drill" and args.dir is None:
        parser.error(f"{args.step} needs the backup folder")

    work = Path(tempfile.mkdtemp(prefix="restore-drill-"))
    try:
        if args.step in ("drill", "backup"):
            out = args.dir or work / "backup"
            manifest = backup(database_url=database_url, media=media, out=out)
            print(f"backed up {len(manifest['tables'])} tables, {len(manifest['files'])} files")
        if args.step in ("drill", "verify"):
            source = args.dir or work / "backup"
            report = verify(
                database_url=database_url,
                backup_dir=source,
                # --keep keeps the restored folder too, outside the work folder removed below.
                media_to=Path(tempfile.mkdtemp(prefix="restore-drill-media-"))
                if args.keep
                else work / "media",
                keep=args.keep,
            )
            print(report)
    except (DrillFailed, subprocess.CalledProcessError, psycopg.Error, OSError, ValueError) as exc:
        print(f"restore drill FAILED: {exc}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
