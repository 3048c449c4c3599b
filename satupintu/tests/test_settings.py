"""Production refuses to start on the demo's defaults."""

import os
import subprocess
import sys

from django.conf import settings

PRODUCTION = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": "x" * 60,
    "ALLOWED_HOSTS": "mpp.example.go.id",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/satupintu",
    "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.go.id:587",
    # Never reached by these checks: a broker is only dialled when a task is queued.
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
}


def _check(*command: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        # The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE for this process only.
        if k
        not in (
            "SECRET_KEY",
            "DATABASE_URL",
            "ALLOWED_HOSTS",
            "DJANGO_ENV",
            "EMAIL_URL",
            "CELERY_BROKER_URL",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        )
    }
    return subprocess.run(
        [sys.executable, "manage.py", *(command or ("check", "--deploy", "--fail-level", "ERROR"))],
        cwd=settings.BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_without_secrets_refuses_to_start():
    result = _check(DJANGO_ENV="production")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DJANGO_ENV=production" in result.stderr


def test_production_with_its_settings_starts():
    result = _check(**PRODUCTION)
    assert result.returncode == 0, result.stderr


def test_production_without_a_broker_refuses_to_start():
    """Without a broker every task would run inside the web request that queued it."""
    without = {k: v for k, v in PRODUCTION.items() if k != "CELERY_BROKER_URL"}
    for broker in ({}, {"CELERY_BROKER_URL": ""}):
        result = _check(**without, **broker)
        assert result.returncode != 0
        assert "CELERY_BROKER_URL must be set when DJANGO_ENV=production" in result.stderr


def test_the_demo_without_a_broker_runs_tasks_in_process():
    show = (
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings as s; print(s.CELERY_TASK_ALWAYS_EAGER)",
    )
    assert _check(*show).stdout.strip() == "True"
    assert _check(*show, **PRODUCTION).stdout.strip() == "False"


def test_production_keeps_database_connections_for_a_minute_the_demo_does_not():
    show = (
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings as s; print(s.DATABASES['default']['CONN_MAX_AGE'])",
    )
    assert _check(*show, **PRODUCTION).stdout.strip() == "60"
    assert _check(*show, **PRODUCTION, DB_CONN_MAX_AGE="0").stdout.strip() == "0"
    assert _check(*show).stdout.strip() == "0"
