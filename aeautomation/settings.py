"""Settings for aeautomation, read from environment variables (12-factor).

Every value has a default that runs the embedded set-up (SQLite in WAL mode and django-q2's
ORM broker, files under ``data/``); production sets at least ``SECRET_KEY``, ``DEBUG=0``,
``ALLOWED_HOSTS`` and ``DATABASE_URL``. The README lists every variable.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use 1/0, true/false).")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None


def env_list(name: str, default: list[str], sep: str = ",") -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(sep) if item.strip()]


def env_path(name: str, default: Path) -> Path:
    return Path(os.environ.get(name) or default).expanduser().resolve()


DATA_DIR = env_path("DATA_DIR", BASE_DIR / "data")

# --- Core ------------------------------------------------------------------------------------

DEBUG = env_bool("DEBUG", False)


def _secret_key() -> str:
    """``SECRET_KEY`` from the environment, else one generated once and kept in DATA_DIR."""
    if env("SECRET_KEY"):
        return env("SECRET_KEY")
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_q",
    "ninja",
    "jobs.apps.JobsConfig",
    "batches.apps.BatchesConfig",
    "review.apps.ReviewConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "aeautomation.middleware.ContentSecurityPolicyMiddleware",
    # Before anything reads the request: refuses NUL characters (400), keeps /api/ errors JSON.
    "aeautomation.middleware.RequestGuardMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# Sent with every answer (aeautomation/middleware.py). The pages load their scripts from files
# (none inline); the admin and django-q2's pages use inline styles; previews are images and,
# for motion, media from this site.
CONTENT_SECURITY_POLICY = env(
    "CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'",
)

ROOT_URLCONF = "aeautomation.urls"
WSGI_APPLICATION = "aeautomation.wsgi.application"

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

# --- Database --------------------------------------------------------------------------------
# Embedded default: a SQLite file in WAL mode. IMMEDIATE transactions make a transaction that
# reads then writes wait for the lock (busy timeout) instead of failing with "database is
# locked" at once (engineering notes).

DATABASE_URL = env("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'aeautomation.sqlite3'}"
# Connections are kept for a minute: opening one per request costs more than an approval.
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("CONN_MAX_AGE", 60))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not memory, so that real qcluster processes started by tests see the test data;
    # one per test run, so that two runs on one machine do not share it.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / f"test-{os.getpid()}.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth, i18n, static ----------------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"
# Django's ModelBackend, a user's permissions read in one query (aeautomation/auth_backends.py).
AUTHENTICATION_BACKENDS = ["aeautomation.auth_backends.ModelBackend"]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env_path("STATIC_ROOT", DATA_DIR / "static")
# whitenoise serves static files (run `manage.py collectstatic` before serving with DEBUG=0);
# hashed, compressed names in production, plain files in development and tests.
STATIC_MANIFEST = env_bool("STATIC_MANIFEST", not DEBUG)
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    # MEDIA_ROOT, content-addressed (jobs/storage.py): a file's bytes are stored once.
    "default": {"BACKEND": "jobs.storage.ContentAddressedStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_URL = "media/"
MEDIA_ROOT = env_path("MEDIA_ROOT", DATA_DIR / "media")
# Stored files get the process umask's permissions (0644 under the usual 022): render nodes
# read MEDIA_ROOT and DEPLOY_ROOT from a share, often as another user.
FILE_UPLOAD_PERMISSIONS = None

# --- Security (production: DEBUG=0) ----------------------------------------------------------

PRODUCTION = not DEBUG

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY") else None
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", PRODUCTION)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", PRODUCTION)
# Production (DEBUG=0) defaults to HTTPS only; each is an environment variable to relax.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", PRODUCTION)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", PRODUCTION)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Uploads: Django's limits bound in-memory request data only; the CSV size is checked by the
# importer itself (AEA_CSV_MAX_BYTES), and should be bounded in the web server too.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- The pipeline ----------------------------------------------------------------------------

# Directories job files may come from (os.pathsep-separated). Paths in a CSV are relative to one
# of them or absolute inside one; anything that resolves outside every root is refused.
INPUT_ROOTS = [
    Path(p).expanduser().resolve()
    for p in env_list("INPUT_ROOTS", [str(BASE_DIR / "fixtures")], sep=os.pathsep)
]
# Replacement PSDs and templates uploaded on a job's page (a resubmit, jobs/resubmit.py) are stored
# here, one folder per job id: an input root of its own, added to INPUT_ROOTS (uploads are refused
# when it is not inside one). Each upload is bounded by AEA_MAX_FILE_BYTES.
AEA_UPLOAD_ROOT = env_path("AEA_UPLOAD_ROOT", DATA_DIR / "uploads")
if not any(AEA_UPLOAD_ROOT.is_relative_to(root) for root in INPUT_ROOTS):
    INPUT_ROOTS.append(AEA_UPLOAD_ROOT)
DEPLOY_ROOT = env_path("DEPLOY_ROOT", DATA_DIR / "deploy")

AEA_MAX_FILE_BYTES = env_int("AEA_MAX_FILE_BYTES", 20 * 1024 * 1024)  # each PSD / template
AEA_MAX_ROWS = env_int("AEA_MAX_ROWS", 50_000)
AEA_MAX_FIELD_BYTES = env_int("AEA_MAX_FIELD_BYTES", 64 * 1024)
AEA_CSV_MAX_BYTES = env_int("AEA_CSV_MAX_BYTES", 64 * 1024 * 1024)
AEA_MAX_ALLOC_BYTES = env_int("AEA_MAX_ALLOC_BYTES", 768 * 1024 * 1024)  # psd-tools budget
AEA_MAX_PIXELS = env_int("AEA_MAX_PIXELS", 64_000_000)

# Fonts the render machines have (PostScript names, comma-separated). Empty: not checked.
AEA_FONTS = env_list("AEA_FONTS", [])
# A folder of .ttf/.otf files used to draw previews with the design's fonts.
AEA_FONT_DIR = env("AEA_FONT_DIR", "")
# Matches below this confidence are flagged for the reviewer.
AEA_MATCH_REVIEW_THRESHOLD = float(env("AEA_MATCH_REVIEW_THRESHOLD", "0.6"))

# Stage 3: the After Effects script and render command line.
# Paths on this machine -> paths on the render machines: "local=remote" pairs, ";"-separated,
# e.g. "/srv/aea/deploy=Z:\\aea\\deploy".
AEA_PATH_MAPPINGS = [
    tuple(pair.split("=", 1)) for pair in env_list("AEA_PATH_MAPPINGS", [], sep=";") if "=" in pair
]
AEA_AERENDER_PATH = env("AEA_AERENDER_PATH", "aerender")
AEA_RENDER_SETTINGS = env("AEA_RENDER_SETTINGS", "Best Settings")
AEA_OUTPUT_MODULE = env("AEA_OUTPUT_MODULE", "Lossless")
AEA_RENDER_EXTENSION = env("AEA_RENDER_EXTENSION", ".mov")
# The render machines' platform, for the command lines shown in the bundle: windows or macos
# (empty: from AEA_AERENDER_PATH, a path with backslashes or .exe meaning Windows).
AEA_RENDER_PLATFORM = env("AEA_RENDER_PLATFORM", "")
# The After Effects application AppleScript's DoScriptFile talks to on macOS render machines.
AEA_AFTER_EFFECTS_APP = env("AEA_AFTER_EFFECTS_APP", "Adobe After Effects 2025")
AEA_PREVIEW_TIME = float(env("AEA_PREVIEW_TIME")) if env("AEA_PREVIEW_TIME") else None
# Threads per preview (decode and encode beside the painting). 1: each worker uses one core, the
# right thing when Q_WORKERS matches the cores; more only where cores sit idle.
AEA_PREVIEW_THREADS = env_int("AEA_PREVIEW_THREADS", 1)
# The motion preview (jobs/stages/motion.py): the render composition rendered over its duration
# at AEA_MOTION_FPS frames per second, at most AEA_MOTION_WIDTH pixels wide, with the design
# video and the side-by-side video beside it. A composition longer than AEA_MOTION_MAX_FRAMES
# frames is rendered at the frame rate that fits (not below 1 fps; longer ones get no motion
# preview). Frames are held in memory: 600 frames of 480x600 are about 520 MB at most.
AEA_MOTION_PREVIEW = env_bool("AEA_MOTION_PREVIEW", True)
AEA_MOTION_FPS = float(env("AEA_MOTION_FPS", "10"))
AEA_MOTION_WIDTH = env_int("AEA_MOTION_WIDTH", 480)
AEA_MOTION_MAX_FRAMES = env_int("AEA_MOTION_MAX_FRAMES", 600)
if not (0 < AEA_MOTION_FPS <= 60 and 16 <= AEA_MOTION_WIDTH <= 3840 and 1 <= AEA_MOTION_MAX_FRAMES <= 1200):
    raise ImproperlyConfigured(
        f"AEA_MOTION_FPS={AEA_MOTION_FPS:g} must be in (0, 60], AEA_MOTION_WIDTH={AEA_MOTION_WIDTH} in 16..3840 "
        f"and AEA_MOTION_MAX_FRAMES={AEA_MOTION_MAX_FRAMES} in 1..1200 (the motion renderer's limit)."
    )


# --- Dashboard and API -----------------------------------------------------------------------

# The staff dashboard: seconds between looks for changes of its counts and cards (a look when
# nothing changed is one cheap query answered 304); cards per stage column.
DASHBOARD_REFRESH_SECONDS = env_int("DASHBOARD_REFRESH_SECONDS", 3)
DASHBOARD_CARDS_PER_STAGE = env_int("DASHBOARD_CARDS_PER_STAGE", 50)
# The API's list endpoints: the largest page a client may ask for.
API_MAX_PAGE_SIZE = env_int("API_MAX_PAGE_SIZE", 200)


# Stage 4: where deploy bundles go. "folder" (default) leaves them under DEPLOY_ROOT for the
# render side to pick up; "nexrender" also submits the job to a nexrender server. A batch may
# override it.
AEA_DEPLOY_TARGET = env("AEA_DEPLOY_TARGET", "folder")
NEXRENDER_URL = env("NEXRENDER_URL", "")
NEXRENDER_SECRET = env("NEXRENDER_SECRET", "")
# Where nexrender copies a finished render (its postrender copy action, a path on the nexrender
# worker); empty: the job's bundle folder, "<bundle>/delivery/", mapped by AEA_PATH_MAPPINGS.
AEA_NEXRENDER_DELIVERY = env("AEA_NEXRENDER_DELIVERY", "")
# Webhooks: each batch's optional URL gets a JSON POST on every stage change, signed the Standard
# Webhooks way (jobs/webhooks.py) with a secret of their own, never SECRET_KEY: AEA_WEBHOOK_SECRET,
# else one generated once and kept in DATA_DIR/webhook_secret (mode 0600), as the secret key is.


def _whsec(value: str, source: str) -> str:
    """``value`` if it is a Standard Webhooks secret, ``whsec_`` and base64 of 24 to 64 bytes."""
    import base64
    import binascii

    encoded = value.removeprefix("whsec_")
    try:
        key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if not value.startswith("whsec_") or not 24 <= len(key) <= 64:
        raise ImproperlyConfigured(
            f"{source} must be a webhook secret of the form whsec_<base64 of 24 to 64 random bytes>, e.g. "
            "whsec_ followed by the output of: python -c \"import base64, secrets; "
            "print(base64.b64encode(secrets.token_bytes(32)).decode())\""
        )
    return value


def _webhook_secret() -> str:
    if env("AEA_WEBHOOK_SECRET"):
        return _whsec(env("AEA_WEBHOOK_SECRET"), "AEA_WEBHOOK_SECRET")
    secret_file = DATA_DIR / "webhook_secret"
    if not secret_file.exists():
        import base64
        import tempfile

        # Written whole under a temporary name (mkstemp: mode 0600), then linked into place: of
        # two processes starting at once (web and worker), both end up reading the winner's secret.
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=DATA_DIR, prefix=".webhook_secret.")
        try:
            with os.fdopen(fd, "w") as f:
                f.write("whsec_" + base64.b64encode(secrets.token_bytes(32)).decode())
            os.link(tmp, secret_file)
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    return _whsec(secret_file.read_text().strip(), str(secret_file))


AEA_WEBHOOK_SECRET = _webhook_secret()
AEA_WEBHOOK_ATTEMPTS = env_int("AEA_WEBHOOK_ATTEMPTS", 5)

# --- django-q2 -------------------------------------------------------------------------------
# The ORM broker acknowledges tasks (at-least-once delivery); Redis (Q_BROKER=redis) is faster
# but loses a task in flight when its worker dies, so the Job row stays the record of work and
# the reaper re-queues what a lost task left behind. timeout < retry, always.

Q_TIMEOUT = env_int("Q_TIMEOUT", 900)
Q_CLUSTER = {
    "name": env("Q_NAME", "aeautomation"),
    "workers": env_int("Q_WORKERS", 2),
    "timeout": Q_TIMEOUT,
    "retry": Q_TIMEOUT + env_int("Q_RETRY_MARGIN", 300),
    "max_attempts": 1,  # the Job's own attempt counter decides retries (see AEA_MAX_ATTEMPTS)
    "ack_failures": True,
    "save_limit": 1000,
    "catch_up": False,
    "recycle": 200,
    "max_rss": env_int("Q_MAX_RSS_KB", 1_500_000),  # KiB: recycle a worker above this
    # Tasks a cluster holds beyond those at work: few, so that few wait in a cluster's memory
    # (where a kill -9 strands them until the reaper hands them out again).
    "queue_limit": env_int("Q_QUEUE_LIMIT", env_int("Q_WORKERS", 2)),
    "poll": 0.5,
    "sync": env_bool("Q_SYNC", False),
    "label": "Background tasks",
}
# Lease on a claimed job, renewed by the worker every quarter of it while the work runs
# (jobs/lease.py); the reaper re-queues jobs whose lease expired (their worker died), and fails
# a job after AEA_MAX_ATTEMPTS claims (a worker killed by a poison file must not loop forever).
AEA_LEASE_SECONDS = env_int("AEA_LEASE_SECONDS", 60)
# A queued job whose task a cluster took and has not started for this long gets it handed out
# again (jobs/reaper.py); each cluster reaps from its poll at most every AEA_REAP_SECONDS.
AEA_STRANDED_SECONDS = env_int("AEA_STRANDED_SECONDS", 60)
AEA_REAP_SECONDS = env_int("AEA_REAP_SECONDS", 15)
# Address-space cap of each worker process (MB; 0 = none): a hostile file fails its job with a
# MemoryError instead of exhausting the machine. Workers are also recycled above Q_MAX_RSS_KB.
AEA_WORKER_MAX_MEMORY_MB = env_int("AEA_WORKER_MAX_MEMORY_MB", 4096)
# Freed heap (MB) each worker keeps for its next task instead of handing it back to the kernel
# and faulting it in again (glibc only; 0 = glibc's defaults). See jobs/worker_memory.py.
AEA_WORKER_HEAP_KEEP_MB = env_int("AEA_WORKER_HEAP_KEEP_MB", 256)
AEA_MAX_ATTEMPTS = env_int("AEA_MAX_ATTEMPTS", 3)
# Completed jobs unchanged for this many days are archived by a daily schedule (0: never), off the
# dashboard and its counts, found again with the "archived" filter and restorable (jobs/archive_schedule.py).
AEA_ARCHIVE_COMPLETED_AFTER_DAYS = env_int("AEA_ARCHIVE_COMPLETED_AFTER_DAYS", 90)
if AEA_ARCHIVE_COMPLETED_AFTER_DAYS < 0:
    raise ImproperlyConfigured(
        f"AEA_ARCHIVE_COMPLETED_AFTER_DAYS={AEA_ARCHIVE_COMPLETED_AFTER_DAYS} is negative: a number of days, or 0 "
        "to never archive completed jobs."
    )

if env("Q_BROKER", "orm") == "redis":
    Q_CLUSTER["redis"] = env("REDIS_URL", "redis://127.0.0.1:6379/0")
    Q_CLUSTER["broker_class"] = "jobs.broker.ReapingRedis"
else:
    Q_CLUSTER["orm"] = "default"
    Q_CLUSTER["broker_class"] = "jobs.broker.ReapingORM"

# --- Email and digests (review/notifications.py) ---------------------------------------------
# Django's email settings. The console backend (the default) prints each email to the terminal
# that runs the worker (`make run` shows the digests there); production sets
# EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend and its server.
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)  # seconds: a silent SMTP server must not hold a worker
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "aeautomation <aeautomation@localhost>")
# The people whose queue got work get one digest per this many minutes at most (0: no digests).
AEA_DIGEST_MINUTES = env_int("AEA_DIGEST_MINUTES", 15)
# The site as the digests' readers reach it: their links are absolute.
AEA_SITE_URL = env("AEA_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# --- End of email and digests ----------------------------------------------------------------

# --- Logging ---------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django": {"level": env("DJANGO_LOG_LEVEL", "WARNING")}},
}
