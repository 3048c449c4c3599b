"""Settings for Satu Pintu: every value comes from the environment (see README, "Configuration")."""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    env.read_env(BASE_DIR / ".env")

# The embedded demo runs with DJANGO_ENV=demo (the default); production refuses to start
# without its secrets rather than falling back to the demo's.
DJANGO_ENV = env.str("DJANGO_ENV", default="demo")
PRODUCTION = DJANGO_ENV == "production"

if PRODUCTION:
    for required in ("SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS", "EMAIL_URL"):
        if required not in env.ENVIRON:
            raise ImproperlyConfigured(f"{required} must be set when DJANGO_ENV=production")

SECRET_KEY = env.str("SECRET_KEY", default="demo-only-insecure-key-do-not-use-in-production")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'demo.sqlite3'}")
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Production keeps a process's connection for a minute (a new one per request cost filings a
# third of their speed); the demo and the tests open one per request.
DATABASES["default"].setdefault(
    "CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60 if PRODUCTION else 0)
)
# A read replica for heavy reads that tolerate lag, asked for by name (satupintu/db.py): writes,
# transactions and requests that write stay on default. Unset, everything uses default.
# (Lower case: not a setting of its own, whose password a debug page would show.)
if replica_url := env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = {
        **env.db_url_config(replica_url),
        "ATOMIC_REQUESTS": False,
        "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
        # A test run with a replica configured uses default's test database for it (a hot
        # standby cannot make one); the routing tests point the alias at a database of their own.
        "TEST": {"MIRROR": "default"},
    }
    DATABASE_ROUTERS = ["satupintu.db.PrimaryReplicaRouter"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "satupintu.accounts",
    "satupintu.malls",
    "satupintu.catalog",
    "satupintu.notify",
    "satupintu.booking",
    "satupintu.backoffice",
    "satupintu.complaints",
    "satupintu.cases",
    "satupintu.surveys",
    "satupintu.integrations",
    "satupintu.stats",
    "satupintu.api",
    "satupintu.portal",
    "satupintu.demo",
    "satupintu.metrics",
]

MIDDLEWARE = [
    # First: the request id covers every line written while serving the request (README "Logs").
    "satupintu.logs.RequestLogMiddleware",
    # Next outermost: it times and counts every answer, refusals and redirects included.
    "satupintu.metrics.middleware.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "satupintu.db.ReplicaPinMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "satupintu.middleware.LocaleMiddleware",
    "satupintu.middleware.BadInputMiddleware",
    "satupintu.middleware.DatabaseDownMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "satupintu.accounts.sessions.StaffSessionMiddleware",
    "satupintu.accounts.twofactor.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Security headers on every response (satupintu/security.py, README "Security headers").
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "satupintu.security.PermissionsPolicyMiddleware",
]

ROOT_URLCONF = "satupintu.urls"
WSGI_APPLICATION = "satupintu.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["satupintu.accounts.backends.NikEmailOrUsernameBackend"]
# The portal's public address, for links in messages (emails, WhatsApp).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "backoffice:start"  # staff land on their work, citizens in their inbox
LOGOUT_REDIRECT_URL = "portal:home"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "satupintu" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "satupintu.portal.context_processors.account",
                "satupintu.backoffice.navigation.header",
                "django.template.context_processors.csp",
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Bahasa Indonesia first, English second (DESIGN.md: "Who uses it").
LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Bahasa Indonesia")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
# Stored in UTC; shown in each mall's own zone (WIB/WITA/WIT).
TIME_ZONE = "Asia/Jakarta"

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "var" / "static")
STATICFILES_DIRS = [BASE_DIR / "satupintu" / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
# Uploads only their case's readers may see (complaint evidence); never under MEDIA_URL.
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=BASE_DIR / "var" / "private")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT)},
    },
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Downloadable forms (PDF/DOCX) larger than this are refused.
FORM_UPLOAD_MAX_BYTES = env.int("FORM_UPLOAD_MAX_BYTES", default=5 * 1024 * 1024)
# A complaint's evidence (PDF/DOCX/JPEG/PNG) larger than this is refused.
COMPLAINT_UPLOAD_MAX_BYTES = env.int("COMPLAINT_UPLOAD_MAX_BYTES", default=5 * 1024 * 1024)
# Application documents and survey evidence (PDF/JPEG/PNG) larger than this are refused.
CASE_UPLOAD_MAX_BYTES = env.int("CASE_UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
# Phone numbers for WhatsApp and SMS are Indonesian mobile numbers unless this allows any.
ALLOW_FOREIGN_PHONES = env.bool("ALLOW_FOREIGN_PHONES", default=False)
# The kiosk's tickets print on a thermal roll of this width in millimetres: 58 or 80.
TICKET_PAPER_MM = env.int("TICKET_PAPER_MM", default=80)
if TICKET_PAPER_MM not in (58, 80):
    raise ImproperlyConfigured("TICKET_PAPER_MM must be 58 or 80")
# An ESC/POS thermal printer for the kiosk's tickets, besides the browser's print path:
# tcp://host:9100 (network) or file:///dev/usb/lp0 (device); empty: none.
TICKET_PRINTER = env.str("TICKET_PRINTER", default="")
# Field surveys and consultations by video call get rooms on this (self-hosted) Jitsi server.
JITSI_URL = env.str("JITSI_URL", default="https://meet.jit.si").rstrip("/")
# Signed documents (README "Signed documents"): the CA certificate and each agency's key and
# certificate as PEM files. The demo makes its own CA and keys on first need; production
# signs only with the files the operator placed.
SIGNING_DIR = env.path("SIGNING_DIR", default=BASE_DIR / "var" / "signing")
SIGNING_DEMO_CA = env.bool("SIGNING_DEMO_CA", default=not PRODUCTION)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# SQLite (demo only) cannot enforce NULLS NOT DISTINCT; PostgreSQL, where it matters, does.
SILENCED_SYSTEM_CHECKS = ["models.W047"]

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "satupintu.cache.RedisCache"  # reuses its Redis clients

# Logins, sessions and tokens (README "Configuration"). Every per-client counter (lock-out,
# throttles) is keyed on the address the NUM_PROXIES trusted proxies in front of us saw, and
# kept in the default cache: CACHE_URL must be a Redis shared by all workers in production.
NUM_PROXIES = env.int("NUM_PROXIES", default=0)
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_CLIENT_FAILURE_LIMIT = env.int("LOGIN_CLIENT_FAILURE_LIMIT", default=20)
LOGIN_LOCKOUT_SECONDS = env.int("LOGIN_LOCKOUT_SECONDS", default=900)
# Public tracking: wrong phone digits allowed per tracking number (whatever the client) before
# that number is refused for the cool-down.
TRACKING_FAILURE_LIMIT = env.int("TRACKING_FAILURE_LIMIT", default=10)
TRACKING_LOCKOUT_SECONDS = env.int("TRACKING_LOCKOUT_SECONDS", default=3600)
# Staff (anyone with a role, is_staff or superuser) are signed out after this long idle and
# this long after signing in; citizens keep Django's session age.
STAFF_SESSION_IDLE_SECONDS = env.int("STAFF_SESSION_IDLE_SECONDS", default=30 * 60)
STAFF_SESSION_MAX_SECONDS = env.int("STAFF_SESSION_MAX_SECONDS", default=12 * 3600)
# Staff give a second factor (TOTP or a recovery code) after their password; citizens who
# enrolled one too. Only the test suite turns it off (its tests of 2FA turn it back on).
TWO_FACTOR_REQUIRED = env.bool("TWO_FACTOR_REQUIRED", default=True)
OTP_TOTP_ISSUER = "Satu Pintu"
# Days an API token works after it is made (it dies sooner with a password change).
API_TOKEN_TTL_DAYS = env.int("API_TOKEN_TTL_DAYS", default=30)

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "satupintu.api.schema.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "satupintu.api.pagination.Pagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "satupintu.api.errors.exception_handler",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "satupintu.accounts.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["satupintu.api.throttling.ScopedRateThrottle"],
    "NUM_PROXIES": NUM_PROXIES,
    "DEFAULT_THROTTLE_RATES": {
        "auth": env.str("AUTH_THROTTLE_RATE", default="30/minute"),
        # Opening accounts, on the portal's /daftar/ and the API together.
        "register": env.str("REGISTER_THROTTLE_RATE", default="20/hour"),
        "reports": env.str("REPORT_THROTTLE_RATE", default="10/hour"),
        # The open data (/api/v1/stats/...), read by anyone.
        "open_data": env.str("OPEN_DATA_THROTTLE_RATE", default="60/minute"),
    },
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Satu Pintu API",
    "DESCRIPTION": "Public services of every Mal Pelayanan Publik (MPP).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and ReDoc from our own static files (drf-spectacular-sidecar), never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "MallKindEnum": "satupintu.malls.models.Mall.Kind",
        "AgencyKindEnum": "satupintu.malls.models.Agency.Kind",
        "ClosureKindEnum": "satupintu.booking.models.Closure.Kind",
        "ReportKindEnum": "satupintu.complaints.models.Report.Kind",
        "ReportStepEnum": "satupintu.complaints.models.ReportEvent.Kind",
        "AnnouncementKindEnum": "satupintu.malls.models.Announcement.Kind",
        "ApplicationStatusEnum": "satupintu.cases.models.Application.Status",
        "DocumentKindEnum": "satupintu.cases.models.Document.Kind",
    },
}

# Every page: scripts, styles, images and fetches only from this site (scripts that must be
# inline carry the request's nonce: {{ csp_nonce }}), never framed, no plugins.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
# Browser features no page uses are off everywhere (feature -> allowed origins).
PERMISSIONS_POLICY: dict[str, list[str]] = {
    "camera": [],
    "microphone": [],
    "geolocation": [],
    "payment": [],
    "usb": [],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Production redirects plain HTTP to HTTPS (except the probes) and tells browsers to stay on
# HTTPS for a year, subdomains included; the preload list only if the operator says so.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=PRODUCTION)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
if not SECURE_HSTS_PRELOAD:
    # "HSTS preload is off" is this deployment's choice (SECURE_HSTS_PRELOAD), not an oversight.
    SILENCED_SYSTEM_CHECKS.append("security.W021")

if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)

# Background work. Without a broker (the demo, the tests) tasks run in-process as soon as they
# are queued; production refuses that, since a web request would then send every message itself.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
if PRODUCTION and not CELERY_BROKER_URL:
    raise ImproperlyConfigured(
        "CELERY_BROKER_URL must be set when DJANGO_ENV=production (e.g. redis://127.0.0.1:6379/0): "
        "without a broker, background work would run inside the web process"
    )
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ROUTES = {
    "notify.*": {"queue": "notify"},
    "api.webhook_*": {"queue": "webhooks"},
    "integrations.*": {"queue": "webhooks"},
    # Run by a worker that can reach TICKET_PRINTER (a USB device: on the kiosk's own machine).
    "booking.ticket_print": {"queue": "printing"},
}
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 4
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A publish to a broker that is down fails fast; the outbox sweep queues the message later.
CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
CELERY_BEAT_SCHEDULE = {
    "notify-sweep": {"task": "notify.sweep", "schedule": 60.0, "options": {"queue": "notify"}},
    "booking-reminders": {"task": "booking.reminders", "schedule": 3600.0},
    "complaints-daily": {"task": "complaints.daily", "schedule": 3600.0},
    # Does nothing until a mall turns SP4N-LAPOR! on (README "SP4N-LAPOR!").
    "complaints-lapor-sync": {
        "task": "complaints.lapor_sync",
        "schedule": 300.0,
        "options": {"queue": "webhooks"},  # with the other calls out of the platform
    },
    "webhooks-sweep": {
        "task": "api.webhook_sweep",
        "schedule": 60.0,
        "options": {"queue": "webhooks"},
    },
    "accounts-retention": {"task": "accounts.retention", "schedule": 86400.0},
    "accounts-identity-recheck": {"task": "accounts.identity_recheck", "schedule": 900.0},
    "integrations-sweep": {
        "task": "integrations.sweep",
        "schedule": 60.0,
        "options": {"queue": "webhooks"},
    },
    # Every mall's yesterday, today and booked days ahead into the stats count tables.
    "stats-rollup": {"task": "stats.rollup", "schedule": 300.0},
}

# Open data: a count from 1 up to this, less one, is published as withheld (null).
STATS_SUPPRESS_BELOW = env.int("STATS_SUPPRESS_BELOW", default=5)
# How long a mall's published month (already suppressed) is kept in the default cache; a rollup
# that writes its days makes a new one sooner.
STATS_OPEN_CACHE_SECONDS = env.int("STATS_OPEN_CACHE_SECONDS", default=3600)
# What one person may ask OSS while waiting (a case's "Ask OSS", the admin's OSS permit codes):
# at most this many questions in this window.
OSS_ASK_LIMIT = env.int("OSS_ASK_LIMIT", default=10)
OSS_ASK_WINDOW_SECONDS = env.int("OSS_ASK_WINDOW_SECONDS", default=300)
BSRE_TOTP_LIMIT = env.int("BSRE_TOTP_LIMIT", default=3)
BSRE_TOTP_WINDOW_SECONDS = env.int("BSRE_TOTP_WINDOW_SECONDS", default=600)
# Dukcapil's verification of a NIK, name and birth date (on when an active integration of kind
# "dukcapil" exists): the least similarity (%) a name must have, how long a call may take before
# the account is made unverified (checked again later), and how many accounts a re-check asks.
DUKCAPIL_THRESHOLD = env.int("DUKCAPIL_THRESHOLD", default=90)
DUKCAPIL_TIMEOUT = env.float("DUKCAPIL_TIMEOUT", default=5.0)
DUKCAPIL_RECHECK_BATCH = env.int("DUKCAPIL_RECHECK_BATCH", default=50)

# How many days each kind of personal data is kept (UU 27/2022 PDP); issued permits forever.
RETENTION_MESSAGES_DAYS = env.int("RETENTION_MESSAGES_DAYS", default=365)
RETENTION_ACCESS_RECORDS_DAYS = env.int("RETENTION_ACCESS_RECORDS_DAYS", default=5 * 365)
RETENTION_CANCELLED_DRAFTS_DAYS = env.int("RETENTION_CANCELLED_DRAFTS_DAYS", default=90)
RETENTION_COMPLAINT_IDENTITIES_DAYS = env.int("RETENTION_COMPLAINT_IDENTITIES_DAYS", default=730)
RETENTION_BOOKINGS_DAYS = env.int("RETENTION_BOOKINGS_DAYS", default=730)
RETENTION_REJECTED_UPLOADS_DAYS = env.int("RETENTION_REJECTED_UPLOADS_DAYS", default=365)
# Counted from the invitation's expiry, not from its sending.
RETENTION_SURVEY_INVITATIONS_DAYS = env.int("RETENTION_SURVEY_INVITATIONS_DAYS", default=30)

# Mail: EMAIL_URL smtp://user:pass@host:25, smtp+tls://... or smtps://...; without it (the
# demo) every email is written as a file into EMAIL_FILE_PATH.
EMAIL_URL = env.str("EMAIL_URL", default="")
if EMAIL_URL:
    _email = env.email_url_config(EMAIL_URL)
    _mailer = {
        "BACKEND": _email["EMAIL_BACKEND"],
        "OPTIONS": {
            "host": _email.get("EMAIL_HOST") or "localhost",
            "port": _email.get("EMAIL_PORT") or 25,
            "username": _email.get("EMAIL_HOST_USER") or "",
            "password": _email.get("EMAIL_HOST_PASSWORD") or "",
            "use_tls": bool(_email.get("EMAIL_USE_TLS")),
            "use_ssl": bool(_email.get("EMAIL_USE_SSL")),
            "timeout": env.int("EMAIL_TIMEOUT", default=10),
        },
    }
else:
    _mailer = {
        "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "OPTIONS": {
            "file_path": str(env.path("EMAIL_FILE_PATH", default=BASE_DIR / "var" / "mail"))
        },
    }
MAILERS = {"default": _mailer}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Satu Pintu <noreply@satupintu.id>")
EMAIL_MESSAGE_ID_DOMAIN = env.str("EMAIL_MESSAGE_ID_DOMAIN", default="satupintu.id")

# WhatsApp Business Cloud API. Without a phone number id, WhatsApp messages fall back.
WHATSAPP_API_URL = env.str("WHATSAPP_API_URL", default="https://graph.facebook.com/v21.0")
WHATSAPP_PHONE_NUMBER_ID = env.str("WHATSAPP_PHONE_NUMBER_ID", default="")
WHATSAPP_TOKEN = env.str("WHATSAPP_TOKEN", default="")
WHATSAPP_APP_SECRET = env.str("WHATSAPP_APP_SECRET", default="")
WHATSAPP_VERIFY_TOKEN = env.str("WHATSAPP_VERIFY_TOKEN", default="")
WHATSAPP_TIMEOUT = env.float("WHATSAPP_TIMEOUT", default=10)
# SMS gateway (JSON over HTTP). Without a URL, SMS messages fall back.
SMS_GATEWAY_URL = env.str("SMS_GATEWAY_URL", default="")
SMS_GATEWAY_TOKEN = env.str("SMS_GATEWAY_TOKEN", default="")
SMS_SENDER_ID = env.str("SMS_SENDER_ID", default="SATUPINTU")
SMS_GATEWAY_TIMEOUT = env.float("SMS_GATEWAY_TIMEOUT", default=10)
# Seconds a webhook receiver has to answer; no answer is a failed attempt (retried later).
WEBHOOK_TIMEOUT = env.float("WEBHOOK_TIMEOUT", default=10)
# Outside systems (satupintu/integrations): how long a call waits for an answer, and the Fernet
# key their stored credentials are encrypted with (default: one derived from SECRET_KEY).
INTEGRATIONS_TIMEOUT = env.float("INTEGRATIONS_TIMEOUT", default=10)
INTEGRATIONS_SECRET_KEY = env.str("INTEGRATIONS_SECRET_KEY", default="")

# Prometheus metrics at /metrics (README "Metrics"): answered to a bearer METRICS_TOKEN or to a
# client address (client_ip, the same as the throttles') in METRICS_ALLOWED_NETS; else a 404.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_NETS = env.list("METRICS_ALLOWED_NETS", default=["127.0.0.0/8", "::1/128"])
# Where every process (gunicorn workers, Celery workers of this machine) writes its counters,
# summed at scrape time; prometheus_client reads the variable itself. Empty: one process.
PROMETHEUS_MULTIPROC_DIR = env.str("PROMETHEUS_MULTIPROC_DIR", default="")

# Logs (README "Logs"): JSON lines in production, the human format elsewhere unless LOG_FORMAT
# says otherwise; every line carries the request id and has personal data masked.
LOG_FORMAT = env.str("LOG_FORMAT", default="json" if PRODUCTION else "text")
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured("LOG_FORMAT must be json or text")
LOGGING_CONFIG = "satupintu.logs.configure"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "satupintu.logs.RequestIdFilter"},
        "personal_data": {"()": "satupintu.logs.PersonalDataFilter"},
    },
    "formatters": {
        "json": {"()": "satupintu.logs.JsonFormatter"},
        "text": {"()": "satupintu.logs.TextFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id", "personal_data"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's own handlers (DEFAULT_LOGGING) would write past the filters: its loggers
        # go to the root's handler like every other.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": [], "level": "INFO", "propagate": True},
        # WeasyPrint tells every rendering step at INFO.
        "weasyprint.progress": {"level": "WARNING"},
        # Tasks run in-process without a broker (the demo): no worker to report each task done,
        # no broker whose missing host name is worth a warning.
        **(
            {"celery.app.trace": {"level": "WARNING"}, "kombu.connection": {"level": "ERROR"}}
            if CELERY_TASK_ALWAYS_EAGER
            else {}
        ),
    },
}
