"""Settings shared by every environment; everything that varies comes from the environment.

Every variable is documented in `.env.example`.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parents[2]

env = environ.Env()

DATA_DIR = Path(env.str("REGION27_DATA_DIR", default="var")).expanduser().resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """Take the key from the environment, else keep one in the data folder."""
    from_env = env.str("REGION27_SECRET_KEY", default="")
    if from_env:
        return from_env
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env.bool("REGION27_DEBUG", default=False)
ALLOWED_HOSTS: list[str] = env.list("REGION27_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS: list[str] = env.list("REGION27_CSRF_TRUSTED_ORIGINS", default=[])

SITE_NAME = env.str("REGION27_SITE_NAME", default="La 27e région")
SITE_URL = env.str("REGION27_SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "region27.core",
    "region27.accounts",
    "region27.territories",
    "region27.catalog",
    "region27.validation",
    "region27.evaluation",
    "region27.journal",
    "region27.search",
    "region27.web",
]

MIDDLEWARE = [
    # Outermost: every error under /api/1/ is a problem document, whoever answered it.
    "region27.api.v1.problems.ProblemMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "region27.web.middleware.NulCookieMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "region27.web.middleware.FrenchFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "region27.web.middleware.NulCharacterMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "region27.web.middleware.NotAllowedMiddleware",
]

ROOT_URLCONF = "region27.config.urls"
WSGI_APPLICATION = "region27.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "region27.web.context_processors.site",
            ],
        },
    }
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'region27.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # WAL lets readers work while one writer writes; IMMEDIATE avoids
            # "database is locked" upgrades inside transactions.
            "init_command": (
                "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;"
                "PRAGMA foreign_keys=ON;PRAGMA busy_timeout=5000;"
            ),
            "transaction_mode": "IMMEDIATE",
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("REGION27_CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["region27.accounts.backends.EmailBackend"]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:account"
LOGOUT_REDIRECT_URL = "web:home"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Uploads: the limit of one file, in bytes (default 100 MB).
REGION27_MAX_UPLOAD_SIZE = env.int("REGION27_MAX_UPLOAD_SIZE", default=100 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "region27.core.uploads.SizeLimitUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# Largest CSV of indicator values imported at once (uploaded or taken from the catalog).
REGION27_INDICATOR_IMPORT_MAX_BYTES = env.int(
    "REGION27_INDICATOR_IMPORT_MAX_BYTES", default=20 * 1024 * 1024
)

# Search: the matches of clauses found in at least this many entries are kept in each
# process's memory (one byte per indexed entry each), within this many bytes
# (region27.search.clausecache).
REGION27_SEARCH_CLAUSE_MIN_MATCHES = env.int("REGION27_SEARCH_CLAUSE_MIN_MATCHES", default=10_000)
REGION27_SEARCH_CLAUSE_CACHE_BYTES = env.int(
    "REGION27_SEARCH_CLAUSE_CACHE_BYTES", default=64 * 1024 * 1024
)

# Validation of tables against référentiels (region27.validation).
# Errors kept in one report: validation stops there and says so (0 = no cap).
REGION27_VALIDATION_MAX_ERRORS = env.int("REGION27_VALIDATION_MAX_ERRORS", default=10_000)
# Public page /valider/: validations per minute and per IP address.
REGION27_VALIDATION_PUBLIC_RATE = env.int("REGION27_VALIDATION_PUBLIC_RATE", default=10)
# Seconds allowed to download a schema given by its address.
REGION27_VALIDATION_FETCH_TIMEOUT = env.float("REGION27_VALIDATION_FETCH_TIMEOUT", default=10.0)
# Schema addresses on private, loopback or link-local networks are refused at every
# redirect (no server-side request forgery); allow them all (development) or some ranges.
REGION27_VALIDATION_ALLOW_PRIVATE_URLS = env.bool(
    "REGION27_VALIDATION_ALLOW_PRIVATE_URLS", default=False
)
REGION27_VALIDATION_ALLOWED_NETWORKS: list[str] = env.list(
    "REGION27_VALIDATION_ALLOWED_NETWORKS", default=[]
)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Refuse logging in with demonstration accounts (true in production settings).
REGION27_REFUSE_DEMO_ACCOUNTS = env.bool("REGION27_REFUSE_DEMO_ACCOUNTS", default=False)

EMAIL_BACKEND = env.str(
    "REGION27_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = env.str("REGION27_EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("REGION27_EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("REGION27_EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("REGION27_EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("REGION27_EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("REGION27_DEFAULT_FROM_EMAIL", default="ne-pas-repondre@localhost")
EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "

# A database cache by default, so that every process counts rate limits alike
# (its table is created by `region27 migrate`); Redis with REGION27_CACHE_URL=redis://...
CACHES = {"default": env.cache_url("REGION27_CACHE_URL", default="dbcache://region27_cache")}

# Public journal: seconds between signed checkpoints (0: whenever the tree has grown).
REGION27_JOURNAL_CHECKPOINT_INTERVAL = env.int("REGION27_JOURNAL_CHECKPOINT_INTERVAL", default=0)

# Background tasks (validation of large files, evaluations, reindex): stored in the
# database, run by `region27 worker` (started beside the web server by `region27 serve`).
TASKS = {
    "default": {
        "BACKEND": env.str("REGION27_TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}
# Every job holds a lease its worker renews (at each progress step and every HEARTBEAT
# seconds); a job whose lease expired (its worker died) is retried once from the start,
# then marked failed. The worker looks for expired leases when it starts and every REAP
# seconds. See core/jobs.py and docs/operations.md.
REGION27_JOB_LEASE_SECONDS = env.float("REGION27_JOB_LEASE_SECONDS", default=120.0)
REGION27_JOB_HEARTBEAT_SECONDS = env.float("REGION27_JOB_HEARTBEAT_SECONDS", default=20.0)
REGION27_JOB_REAP_SECONDS = env.float("REGION27_JOB_REAP_SECONDS", default=30.0)

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("REGION27_LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# JSON API /api/1/: requests per window (REGION27_API_RATE_WINDOW seconds) per client IP
# address without a valid token, and per token; 0 disables. Counted in the cache named
# by REGION27_API_RATE_CACHE (a shared cache, database or Redis, when several processes serve).
REGION27_API_RATE_IP = env.int("REGION27_API_RATE_IP", default=120)
REGION27_API_RATE_TOKEN = env.int("REGION27_API_RATE_TOKEN", default=600)
REGION27_API_RATE_WINDOW = env.int("REGION27_API_RATE_WINDOW", default=60)
REGION27_API_RATE_CACHE = env.str("REGION27_API_RATE_CACHE", default="default")
# Sign-in: wrong passwords allowed per account and per client address within the window
# (seconds, from the first failure); then refused until it ends. Password reset: links
# asked per typed address and per client address per window. 0 disables a limit. Counted
# in the same cache as the API's limits. See accounts/throttle.py, docs/operations.md.
REGION27_LOGIN_FAILURES_PER_ACCOUNT = env.int("REGION27_LOGIN_FAILURES_PER_ACCOUNT", default=5)
REGION27_LOGIN_FAILURES_PER_ADDRESS = env.int("REGION27_LOGIN_FAILURES_PER_ADDRESS", default=20)
REGION27_LOGIN_WINDOW = env.int("REGION27_LOGIN_WINDOW", default=900)
REGION27_PASSWORD_RESET_PER_ACCOUNT = env.int("REGION27_PASSWORD_RESET_PER_ACCOUNT", default=3)
REGION27_PASSWORD_RESET_PER_ADDRESS = env.int("REGION27_PASSWORD_RESET_PER_ADDRESS", default=10)
REGION27_PASSWORD_RESET_WINDOW = env.int("REGION27_PASSWORD_RESET_WINDOW", default=3600)
# Behind a reverse proxy that appends the client address to X-Forwarded-For.
REGION27_API_TRUST_X_FORWARDED_FOR = env.bool("REGION27_API_TRUST_X_FORWARDED_FOR", default=False)
