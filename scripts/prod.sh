#!/usr/bin/env bash
# `make prod`: the production processes (Procfile: gunicorn, a Celery worker on every queue, Celery
# beat) run by honcho on this machine, against the local PostgreSQL and Redis, with
# DJANGO_ENV=production. Every value comes from the environment; the defaults below are for
# trying production out on one machine (README "Deploying"). The database is created when
# missing, migrated, and the static files collected before anything starts.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p var

export DJANGO_ENV=production
export PORT="${PORT:-8000}"
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/satupintu}"
export CELERY_BROKER_URL="${CELERY_BROKER_URL:-redis://127.0.0.1:6379/0}"
export CACHE_URL="${CACHE_URL:-redis://127.0.0.1:6379/1}"
export EMAIL_URL="${EMAIL_URL:-smtp://127.0.0.1:25}"
export ALLOWED_HOSTS="${ALLOWED_HOSTS:-127.0.0.1,localhost}"
export SITE_URL="${SITE_URL:-http://127.0.0.1:$PORT}"
# Plain HTTP on this machine: no TLS proxy in front to redirect to (set it true behind one).
export SECURE_SSL_REDIRECT="${SECURE_SSL_REDIRECT:-false}"
if [ -z "${SECRET_KEY:-}" ]; then
  # One random key kept in var/, so sessions survive a restart; production sets its own.
  [ -s var/prod-secret-key ] || (umask 077 && .venv/bin/python -c \
    "import secrets; print(secrets.token_urlsafe(50))" > var/prod-secret-key)
  SECRET_KEY="$(cat var/prod-secret-key)"
  export SECRET_KEY
fi

TEST_DATABASE_URL="$DATABASE_URL" TEST_REDIS_URL="$CELERY_BROKER_URL" bash scripts/services.sh
.venv/bin/python - <<'PY'
import os

import environ
import psycopg

db = environ.Env.db_url_config(os.environ["DATABASE_URL"])
with psycopg.connect(
    dbname="postgres", user=db["USER"], password=db["PASSWORD"] or None,
    host=db["HOST"] or None, port=db["PORT"] or None, autocommit=True,
) as conn:
    if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]).fetchone():
        conn.execute(f'CREATE DATABASE "{db["NAME"]}"')
PY
.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py collectstatic --noinput -v0
PATH="$PWD/.venv/bin:$PATH" exec .venv/bin/honcho start -f Procfile -p "$PORT"
