"""Security headers on every kind of page, and a production configuration that passes
``manage.py check --deploy`` without a single warning."""

import json
import os
import re
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.contrib.staticfiles import finders

from satupintu.malls.tests.factories import MallFactory, UserFactory
from satupintu.tests.test_settings import _check

pytestmark = pytest.mark.django_db

PRODUCTION = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": "k3y-" + "x7Qp9" * 12,
    "ALLOWED_HOSTS": "mpp.example.go.id",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/satupintu",
    "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.go.id:587",
    # Lock-outs and throttles count in a cache all workers share (accounts.W001 otherwise).
    "CACHE_URL": "redis://127.0.0.1:6379/1",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
}


def _directives(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return {
        part.split()[0]: " ".join(part.split()[1:]) for part in policy.split("; ") if part.strip()
    }


def _assert_page_policy(response) -> dict[str, str]:
    csp = _directives(response)
    assert csp["default-src"] == "'self'"
    assert "'unsafe-inline'" not in csp["script-src"]
    assert "'unsafe-eval'" not in csp["script-src"]
    assert csp["frame-ancestors"] == "'none'"
    assert csp["object-src"] == "'none'"
    assert csp["base-uri"] == "'self'"
    assert csp["form-action"] == "'self'"
    policy = response["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()"):
        assert feature in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    return csp


def _no_inline_script(html: str) -> None:
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"
    assert not re.search(r"\sstyle=", html), "inline style attribute"


def test_a_portal_page_has_the_policy_and_no_inline_script(client):
    response = client.get("/")
    assert response.status_code == 200
    _assert_page_policy(response)
    _no_inline_script(response.content.decode())


def test_the_board_has_the_policy_and_its_script_is_a_static_file(client):
    mall = MallFactory()
    response = client.get(f"/mpp/{mall.slug}/layar/")
    assert response.status_code == 200
    csp = _assert_page_policy(response)
    assert csp["style-src"] == "'self'"
    html = response.content.decode()
    _no_inline_script(html)
    assert "satupintu/board.js" in html
    assert f"/mpp/{mall.slug}/layar/panggilan.json" in html
    assert finders.find("satupintu/board.js")


def test_an_admin_page_has_the_policy(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.get("/admin/")
    assert response.status_code == 200
    _assert_page_policy(response)
    response = client.get("/admin/login/")
    _assert_page_policy(response)


def test_the_api_docs_come_from_our_static_files_with_the_policy(client):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    csp = _assert_page_policy(response)
    html = response.content.decode()
    assert "cdn" not in html.lower()
    scripts = re.findall(r'<script\b[^>]*src="([^"]+)"', html)
    assert scripts and all(src.startswith("/") for src in scripts), scripts
    _no_inline_script_tags(html)
    assert "'unsafe-inline'" not in csp["script-src"]
    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    # The start-up script is its own response from this site.
    script = client.get("/api/v1/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


def _no_inline_script_tags(html: str) -> None:
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag, tag


def test_production_passes_check_deploy_without_warnings():
    result = _check(**PRODUCTION)
    assert result.returncode == 0, result.stderr
    deploy = _deploy_check(**PRODUCTION)
    assert deploy.returncode == 0, deploy.stdout + deploy.stderr
    assert "WARNINGS" not in deploy.stderr + deploy.stdout


def _deploy_check(**env: str):
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in (*PRODUCTION, "DJANGO_ALLOW_ASYNC_UNSAFE", "SECURE_SSL_REDIRECT")
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=django_settings.BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def _production_settings() -> dict:
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({k: getattr(s, k) for k in ('SECURE_HSTS_SECONDS', "
        "'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_HSTS_PRELOAD', 'SECURE_SSL_REDIRECT', "
        "'SECURE_REDIRECT_EXEMPT', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', "
        "'SESSION_COOKIE_HTTPONLY')}))"
    )
    clean = {k: v for k, v in os.environ.items() if k not in (*PRODUCTION, "SECURE_SSL_REDIRECT")}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=django_settings.BASE_DIR,
        env={**clean, **PRODUCTION, "DJANGO_SETTINGS_MODULE": "satupintu.settings"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout)


def test_production_has_a_year_of_hsts_with_subdomains_and_redirects_to_https():
    values = _production_settings()
    assert values["SECURE_HSTS_SECONDS"] == 31536000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_HSTS_PRELOAD"] is False
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"]
    assert values["SESSION_COOKIE_HTTPONLY"] is True


def test_ssl_redirect_spares_the_health_probe(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    assert client.get("/healthz").status_code == 200
    response = client.get("/")
    assert response.status_code == 301
    assert response["Location"].startswith("https://")
    secure = client.get("/", secure=True)
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
