"""Django settings, all taken from the environment (see webmail.config).

With nothing set, this is the embedded default: SQLite and blobs in ./data, an in-memory
channel layer and Celery tasks run in-process. DATABASE_URL and REDIS_URL select the
production path (Postgres, Redis as Celery broker and Channels layer).
"""

from __future__ import annotations

import os
import secrets
import warnings
from pathlib import Path

import dj_database_url

from mailcore.config import MailConfig

BASE_DIR = Path(__file__).resolve().parent.parent
MAIL = MailConfig.from_environ()
MAIL.data_dir.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """DJANGO_SECRET_KEY, or one made on first start and kept in the data dir."""
    if key := os.environ.get("DJANGO_SECRET_KEY", "").strip():
        return key
    path = MAIL.data_dir / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        key = secrets.token_urlsafe(50)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(key)
        return key


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("DJANGO_DEBUG", "").lower() in {"1", "true", "yes"}
ALLOWED_HOSTS = [MAIL.hostname, "localhost", "127.0.0.1", "[::1]"] + [
    h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if h.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "mailcore",
    "webmail.ui",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "webmail.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]
WSGI_APPLICATION = None
ASGI_APPLICATION = "webmail.asgi.application"


def _database() -> dict:
    db = dj_database_url.parse(MAIL.database_url, conn_max_age=0)
    if db["ENGINE"] == "django.db.backends.sqlite3":
        db["CONN_MAX_AGE"] = None  # a file handle per thread, kept (opening runs PRAGMAs)
        # Concurrent writers on SQLite: WAL lets readers go on while one writes, the busy
        # timeout waits instead of failing, and IMMEDIATE takes the write lock at BEGIN so
        # two transactions never deadlock upgrading read locks ("database is locked").
        # synchronous=FULL: a commit is on disk before we acknowledge anything.
        db["OPTIONS"] = {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
            ),
        }
        db.setdefault("TEST", {})["NAME"] = str(MAIL.data_dir / "test.sqlite3")
    elif db["ENGINE"] == "django.db.backends.postgresql":
        # Listeners run each store call in a worker thread and close its connection
        # afterwards; the pool turns that close into a cheap return instead of a new
        # connection per SMTP command.
        db.setdefault("OPTIONS", {})["pool"] = {"min_size": 1, "max_size": 16, "timeout": 30}
        # A statement run a fifth time on a connection is prepared there (psycopg's own
        # default, which Django turns off for the sake of external poolers): the hot
        # paths' fixed statements are then parsed and planned once per connection, not
        # on every execution (docs/decisions/0011-prepared-statements.md). DATABASE_URL
        # may say otherwise: "?prepare_threshold=off" (any word) turns it off.
        threshold = db["OPTIONS"].get("prepare_threshold", 5)
        db["OPTIONS"]["prepare_threshold"] = threshold if isinstance(threshold, int) else None
    return db


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = MAIL.data_dir / "static"
STATIC_ROOT.mkdir(exist_ok=True)
# WhiteNoise serves files with a sync iterator; under ASGI Django warns on every request.
warnings.filterwarnings("ignore", message="StreamingHttpResponse must consume synchronous")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MAIL.data_dir / "files")},
    },
    # Message and item bytes, content-addressed (mailcore.store.blobs). Point this at an
    # object-storage backend in a cluster; the store only uses the Storage API.
    "blobs": {
        "BACKEND": "mailcore.store.blobs.DurableFileSystemStorage",
        "OPTIONS": {"location": str(MAIL.data_dir / "blobs")},
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage",
    },
}
WHITENOISE_USE_FINDERS = True

LOGIN_URL = "/"

# Channels: push of store changes to IMAP IDLE, web sockets and EWS notifications.
if MAIL.redis_url:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [MAIL.redis_url]},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "mailcore.store.events.InProcessChannelLayer"}}

# The cache holds short-lived counters (authentication throttling); shared across
# processes through Redis in a cluster.
if MAIL.redis_url:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": MAIL.redis_url,
            "KEY_PREFIX": "webmail",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: with REDIS_URL it is the broker; without, tasks run in the calling process.
CELERY_BROKER_URL = MAIL.redis_url or "memory://"
CELERY_TASK_ALWAYS_EAGER = MAIL.redis_url is None
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Celery beat (one per cluster) sweeps the queue: messages accepted but never delivered
# (a worker died mid-task) and remote recipients due for another try. Without a broker,
# `serve` runs the same sweep in-process.
CELERY_BEAT_SCHEDULE = {
    "sweep-queue": {"task": "mailcore.delivery.tasks.sweep_queue", "schedule": 30.0},
}

# The mail listeners `serve` and `runmail` start (factories taking MailConfig, SSLContext).
MAIL_LISTENERS = [
    "mailcore.smtp.server.mta",
    "mailcore.smtp.server.submission",
    "mailcore.smtp.server.smtps",
    "mailcore.pop3.server.pop3",
    "mailcore.pop3.server.pop3s",
    "mailcore.imap.server.imap",
    "mailcore.imap.server.imaps",
]

# Mail store limits.
MAIL_MAX_MESSAGE_SIZE = int(os.environ.get("MAIL_MAX_MESSAGE_SIZE", str(50 * 1024 * 1024)))
MAIL_DEFAULT_QUOTA = int(os.environ.get("MAIL_DEFAULT_QUOTA", "0"))  # 0: unlimited
# Message bytes up to this size live in the database row of their blob (committed with
# the message, one commit per batch); larger ones in the "blobs" storage. 0: all files.
MAIL_INLINE_BLOB_MAX = int(os.environ.get("MAIL_INLINE_BLOB_MAX", str(64 * 1024)))

# Outbound relay (mailcore.delivery.policy parses the durations: 300, 5m, 4h, 5d).
# MAIL_RELAY_HOST ("host" or "host:port") sends everything through a smarthost instead
# of looking up MX; MAIL_RELAY_PORT is the port of MX hosts (25; tests use a fake MTA).
MAIL_RELAY_HOST = os.environ.get("MAIL_RELAY_HOST", "").strip() or None
MAIL_RELAY_PORT = int(os.environ.get("MAIL_RELAY_PORT", "25"))
MAIL_RETRY_SCHEDULE = os.environ.get("MAIL_RETRY_SCHEDULE", "").strip() or "5m,10m,30m,1h,2h,4h"
MAIL_MAX_QUEUE_LIFETIME = os.environ.get("MAIL_MAX_QUEUE_LIFETIME", "").strip() or "5d"
MAIL_DELAY_DSN_AFTER = os.environ.get("MAIL_DELAY_DSN_AFTER", "").strip() or "4h"
MAIL_RELAY_TIMEOUT = os.environ.get("MAIL_RELAY_TIMEOUT", "").strip() or "60"
# Without a broker: relay on background threads of this process (tests turn it off to
# relay inline, deterministically).
MAIL_RELAY_IN_BACKGROUND = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("MAIL_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # aiosmtpd logs every command at INFO; keep its warnings and errors only.
        "mail.log": {"level": "WARNING"},
    },
}

if os.environ.get("MAIL_SECURE_COOKIES", "").lower() in {"1", "true", "yes"}:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# ---- Web UI (webmail.ui) -------------------------------------------------------------
# A sign-in lasts MAIL_SESSION_AGE seconds (8 hours by default, like a working day) and
# ends when the browser closes if MAIL_SESSION_BROWSER=1.
SESSION_COOKIE_AGE = int(os.environ.get("MAIL_SESSION_AGE", str(8 * 3600)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = os.environ.get("MAIL_SESSION_BROWSER", "") in {"1", "true"}
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto: trust it, and send cookies
# only over HTTPS (MAIL_SECURE_COOKIES above does the latter on its own).
if os.environ.get("MAIL_BEHIND_HTTPS_PROXY", "").lower() in {"1", "true", "yes"}:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# ---- end of Web UI ----------------------------------------------------------------------
