"""SQLite (the embedded demo): index Service.search_text in two FTS5 tables kept in step by
triggers, so that the demo's search ranks as production's does (PostgreSQL has its tsvector and
trigram indexes, migrations 0002 and 0003).

``catalog_service_fts`` splits words as PostgreSQL's 'simple' configuration does and ranks with
bm25; ``catalog_service_trigram`` holds every three-letter run, for queries with typos.
"""

from django.db import migrations

TABLES = {
    "catalog_service_fts": "unicode61 remove_diacritics 2",
    "catalog_service_trigram": "trigram",
}


def _forward() -> list[str]:
    statements = []
    for table, tokenizer in TABLES.items():
        statements += [
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {table} USING fts5(search_text, "
            f"content='catalog_service', content_rowid='id', tokenize='{tokenizer}')",
            f"CREATE TRIGGER IF NOT EXISTS {table}_ai AFTER INSERT ON catalog_service BEGIN "
            f"INSERT INTO {table}(rowid, search_text) VALUES (new.id, new.search_text); END",
            f"CREATE TRIGGER IF NOT EXISTS {table}_ad AFTER DELETE ON catalog_service BEGIN "
            f"INSERT INTO {table}({table}, rowid, search_text) "
            f"VALUES ('delete', old.id, old.search_text); END",
            f"CREATE TRIGGER IF NOT EXISTS {table}_au AFTER UPDATE OF search_text "
            f"ON catalog_service BEGIN "
            f"INSERT INTO {table}({table}, rowid, search_text) "
            f"VALUES ('delete', old.id, old.search_text); "
            f"INSERT INTO {table}(rowid, search_text) VALUES (new.id, new.search_text); END",
            f"INSERT INTO {table}({table}) VALUES ('rebuild')",
        ]
    return statements


def _backward() -> list[str]:
    statements = []
    for table in TABLES:
        statements += [f"DROP TRIGGER IF EXISTS {table}_{when}" for when in ("ai", "ad", "au")]
        statements.append(f"DROP TABLE IF EXISTS {table}")
    return statements


def _run(statements: list[str]):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "sqlite":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("catalog", "0003_stored_search_vector")]

    operations = [migrations.RunPython(_run(_forward()), _run(_backward()))]
