"""Settings for the CRM workstation, read from environment variables.

DATABASE_URL (default: SQLite file in the project), SECRET_KEY, DEBUG, ALLOWED_HOSTS.
"""

import datetime as dt
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", False)
# A publicly known key signs nothing outside a developer's machine: without SECRET_KEY the
# project starts only in debug mode (with a key `manage.py check --deploy` flags as insecure).
# run.sh keeps a random key of its own in .run-state/; the test suite sets one in tests/settings.py.
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY.strip():
    if not DEBUG:
        raise ImproperlyConfigured(
            "Не задан SECRET_KEY: задайте переменную окружения SECRET_KEY (длинная случайная "
            "строка, например из `python -c 'import secrets; print(secrets.token_urlsafe(50))'`) "
            "или включите режим разработки DEBUG=1."
        )
    SECRET_KEY = "django-insecure-development-key-set-SECRET_KEY"

ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "django_filters",
    "simple_history",
    "csp",
    # Before django_tasks_db: its `db_worker` command is replaced by one that outlives a
    # database outage (crm_workstation/management/commands/db_worker.py).
    "crm_workstation",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "client_history",
    "worksheets",
    "tasks",
    "selections",
    "analytics",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "csp.middleware.CSPMiddleware",
    "crm_workstation.middleware.IdleSessionMiddleware",
    "crm_workstation.middleware.NoStoreMiddleware",
    "crm_workstation.middleware.DatabaseUnavailableMiddleware",
    # Last, as django-axes asks: it answers a locked-out login itself.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "crm_workstation.urls"
WSGI_APPLICATION = "crm_workstation.wsgi.application"

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
                "crm_workstation.context_processors.workstation",
            ],
        },
    },
]

DATABASES = {
    # An empty DATABASE_URL (`DATABASE_URL= ./run.sh`) means the default, as an unset one.
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        # A kept connection is checked before a request reuses it: after a database restart
        # the first request of each worker gets a new one instead of failing on the dead one.
        conn_health_checks=env_bool("CONN_HEALTH_CHECKS", True),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while a writer writes; IMMEDIATE makes a transaction take the
    # write lock up front, so two concurrent saves queue instead of failing half-way.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Room for the hash of a set of ids per query (PG_WORK_MEM, default 64MB): «Этапы сделок»
    # counts its sections against sets of a manager's tasks; at seed L (300,000 finished tasks
    # of one manager) they overflow PostgreSQL's default 4MB, and it then rescans the set for
    # every worksheet — minutes instead of a tenth of a second.
    # JIT off: the pages' plans (sets of tasks, correlated subqueries) are estimated far above
    # jit_above_cost, and compiling them costs more than running them: «Этапы сделок» spent
    # 10 ms per list query compiling, «Аналитика» and the selection rules 0.3 s (seed M).
    # Options given in DATABASE_URL come after, so they win.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    work_mem = os.environ.get("PG_WORK_MEM", "64MB")
    options["options"] = f"-c work_mem={work_mem} -c jit=off {options.get('options', '')}".strip()
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# SQLite, the embedded default, builds covering indexes without their included columns (what
# PostgreSQL reads them for); the warning that says so would greet every command.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # Counts failed logins and refuses a locked-out one before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login throttling (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one user name
# from one address, that pair is refused for AXES_COOLOFF_MINUTES; a right password clears it.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "crm_workstation.lockout.locked_out"
AXES_VERBOSE = False
# Its admin pages are English and read-only lists of attempts; IT lets a locked-out user in with
# `manage.py axes_reset_username <login>` (README, Production).
AXES_ENABLE_ADMIN = False

# A session ends after SESSION_IDLE_MINUTES without the user's activity, and when the browser
# closes. IdleSessionMiddleware slides the expiry, saving the session at most once a minute.
SESSION_COOKIE_AGE = 60 * int(os.environ.get("SESSION_IDLE_MINUTES", "480"))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_TOUCH_SECONDS = 60

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", "Русский")]
TIME_ZONE = "Europe/Moscow"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates are shown as ДД.ММ.ГГГГ everywhere.
FORMAT_MODULE_PATH = ["crm_workstation.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Production sets STATIC_MANIFEST=1 and runs collectstatic: hashed, compressed files served by
# WhiteNoise with far-future caching. Otherwise (run.sh, tests) files are served from static/.
STATIC_MANIFEST = env_bool("STATIC_MANIFEST", False)
# Uploaded importer files. A worker on another machine reads them too: point MEDIA_ROOT at a
# shared folder, or IMPORTER_FILES_STORAGE at another storage backend.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "importer_files": {
        "BACKEND": os.environ.get(
            "IMPORTER_FILES_STORAGE", "django.core.files.storage.FileSystemStorage"
        )
    },
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if STATIC_MANIFEST
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
    }
}

SESSION_COOKIE_HTTPONLY = True
# HTTPS=1 behind a TLS-terminating proxy (nginx): the proxy's header tells Django the request was
# HTTPS; plain-HTTP requests are redirected (except /healthz, which the balancer asks directly),
# cookies are sent over HTTPS only, and browsers are told to keep to HTTPS (HSTS).
HTTPS = env_bool("HTTPS", False)
SESSION_COOKIE_SECURE = HTTPS or env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", True)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# Upload limits: a request body over this is refused by Django before it reaches a view.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Importer files: an upload over this size is refused before it is read (and not stored);
# the archive's limits stop zip bombs; a file of up to IMPORTER_INLINE_MAX_ROWS rows is read
# in the request, a larger one by the background worker.
IMPORTER_MAX_UPLOAD_BYTES = int(os.environ.get("IMPORTER_MAX_UPLOAD_BYTES", 20 * 1024 * 1024))
IMPORTER_MAX_ZIP_ENTRIES = 1000
IMPORTER_MAX_UNCOMPRESSED_BYTES = 150 * 1024 * 1024
IMPORTER_MAX_COMPRESSION_RATIO = 200
# The reader holds the sheet as a grid from A1 to its farthest value: rows × columns over this
# are refused before reading (one value in XFD1048576 would ask for 550 GB).
IMPORTER_MAX_CELLS = 5_000_000
IMPORTER_EMPTY_ROWS_END = 1000
IMPORTER_INLINE_MAX_ROWS = int(os.environ.get("IMPORTER_INLINE_MAX_ROWS", 2000))

# «Аналитика»: a repair order for the booked vehicle opened from the booking day up to this many
# days after the desired date (a booking result without a request: after the call) is its arrival.
ANALYTICS_ARRIVAL_DAYS = int(os.environ.get("ANALYTICS_ARRIVAL_DAYS", 14))

# Pagination size used by every list.
CRM_PAGE_SIZE = 25

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
