"""PostgreSQL: keep the full-text vector of Service.search_text in a stored generated column,
so that search ranks matches without parsing their text again on every query.

The column is PostgreSQL's alone (SQLite, the embedded demo, searches by substring); the model
does not declare it and the selector names it only on PostgreSQL.
"""

from django.db import migrations

FORWARD = [
    "ALTER TABLE catalog_service ADD COLUMN IF NOT EXISTS search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, search_text)) STORED",
    "CREATE INDEX IF NOT EXISTS catalog_service_search_vector ON catalog_service "
    "USING gin (search_vector)",
    "DROP INDEX IF EXISTS catalog_service_search_fts",
]
BACKWARD = [
    "CREATE INDEX IF NOT EXISTS catalog_service_search_fts ON catalog_service "
    "USING gin (to_tsvector('simple'::regconfig, search_text))",
    "DROP INDEX IF EXISTS catalog_service_search_vector",
    "ALTER TABLE catalog_service DROP COLUMN IF EXISTS search_vector",
]


def _run(statements: list[str]):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_search_indexes")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
