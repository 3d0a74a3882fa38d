"""Settings for the chamber CRM. Everything that differs between machines comes from the
environment (see README.md, "Settings"); a bad value stops the process at start-up."""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from config.env import env_bool, env_int, env_list, env_rate, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", default=False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG and not env_bool("CRM_INSECURE_DEV_DEFAULTS", default=False):
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it (or SECRET_KEY_FILE) in the environment; "
            "for local development set DEBUG=true."
        )
    SECRET_KEY = "dev-only-insecure-secret-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "simple_history",
    "import_export",
    "django_tasks_db",
    "core",
    "crm",
    "events",
    "billing",
    "api",
    "webhooks",
    "outreach",
    "portal",
    "demo",
    "axes",
]

MIDDLEWARE = [
    "config.logging.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Turns a refused login (too many failures) into the lockout page; keep it last.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "django.template.context_processors.csp",
            ],
        },
    },
]

# SQLite in the project folder unless DATABASE_URL says otherwise (PostgreSQL in production).
DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
SQLITE_BUSY_TIMEOUT_SECONDS = env_int("SQLITE_BUSY_TIMEOUT_SECONDS", 20)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite behind a web server: one writer at a time, the others wait their turn instead of
    # failing with "database is locked". IMMEDIATE takes the write lock when a transaction
    # begins (a deferred one that reads first and writes later cannot wait for the lock: SQLite
    # fails it at once); WAL lets readers go on while someone writes; the busy timeout is how
    # long a writer waits.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_SECONDS * 1000}"
            ),
        }
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Statements a connection runs again and again (a list's page, the token's lookup) are
    # prepared after DATABASE_PREPARE_THRESHOLD runs: PostgreSQL then keeps their parsed form
    # and, where it holds for any values, their plan (planning a list's page took longer than
    # running it). That needs parameters bound by the server. 0 turns it off (a connection
    # pooler that cannot keep prepared statements: PgBouncer before 1.21, or in transaction
    # mode without max_prepared_statements).
    PREPARE_THRESHOLD = env_int("DATABASE_PREPARE_THRESHOLD", 5)
    if PREPARE_THRESHOLD > 0:
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            {"server_side_binding": True, "prepare_threshold": PREPARE_THRESHOLD}
        )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "America/New_York")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and env_bool("STATIC_MANIFEST", default=True)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Mail: EMAIL_URL (smtp://user:pass@host:587, smtps://..., console:, locmem:) or the usual
# EMAIL_BACKEND (smtp, console), EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD,
# EMAIL_USE_TLS and EMAIL_USE_SSL.
# Acknowledgements of public submissions (join, invest, register, newsletter confirmation) go
# to whatever address was typed: at most this many a day to one address, the rest logged as
# suppressed (0: no limit). Counted in the cache (CACHES: Redis when REDIS_URL is set).
MAIL_PER_RECIPIENT_PER_DAY = env_int("MAIL_PER_RECIPIENT_PER_DAY", 5)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "MetroHartford Alliance <members@example.org>")
SERVER_EMAIL = env_str("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
# The model every sent mail is logged in (core.mail names no app).
EMAIL_LOG_MODEL = "crm.EmailLog"
MEMBERSHIP_STAFF_EMAILS = env_list("MEMBERSHIP_STAFF_EMAILS")
# Plans a person joins as themself: the join form asks for no organization nor employees.
INDIVIDUAL_PLANS = env_list("INDIVIDUAL_PLANS", ["individual"])
_email_url = env_str("EMAIL_URL")
_SMTP = "django.core.mail.backends.smtp.EmailBackend"
if _email_url:
    from urllib.parse import unquote, urlsplit

    _parts = urlsplit(_email_url)
    _scheme = _parts.scheme.lower()
    if _scheme in {"smtp", "smtps", "submission"}:
        _mailer: dict = {
            "BACKEND": _SMTP,
            "OPTIONS": {
                "host": _parts.hostname or "localhost",
                "port": _parts.port or (465 if _scheme == "smtps" else 587),
                "username": unquote(_parts.username or ""),
                "password": unquote(_parts.password or ""),
                "use_ssl": _scheme == "smtps",
                "use_tls": _scheme != "smtps",
                "timeout": 20,
            },
        }
    elif _scheme in {"console", "locmem"}:
        _mailer = {"BACKEND": f"django.core.mail.backends.{_scheme}.EmailBackend"}
    else:
        raise ImproperlyConfigured(
            f"EMAIL_URL scheme {_scheme!r} is not smtp, smtps, console or locmem."
        )
else:
    _backend = env_str("EMAIL_BACKEND", "console" if DEBUG else "smtp")
    if _backend == "smtp" or _backend == _SMTP:
        _mailer = {
            "BACKEND": _SMTP,
            "OPTIONS": {
                "host": env_str("EMAIL_HOST", "localhost"),
                "port": env_int("EMAIL_PORT", 25),
                "username": env_str("EMAIL_HOST_USER"),
                "password": env_str("EMAIL_HOST_PASSWORD"),
                "use_tls": env_bool("EMAIL_USE_TLS", default=False),
                "use_ssl": env_bool("EMAIL_USE_SSL", default=False),
                "timeout": 20,
            },
        }
    elif _backend in {"console", "locmem", "dummy"}:
        _mailer = {"BACKEND": f"django.core.mail.backends.{_backend}.EmailBackend"}
    else:
        _mailer = {"BACKEND": _backend}
MAILERS = {"default": _mailer}

# Stripe. With no secret key the system records payments by staff and says so in the public flow.
STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY")
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET")
STRIPE_API_BASE = env_str("STRIPE_API_BASE", "https://api.stripe.com")
STRIPE_API_VERSION = "2026-10-28.endive"
# Seconds one Stripe request may take, and how many times the library retries a timeout or a 5xx
# (same idempotency key) before the call fails; a failed step is retried by `stripe_retry`. A
# join waits at most about timeout x (retries + 1) for a Stripe that hangs: keep it well under
# the web server's own timeout (gunicorn's is 30 s).
STRIPE_TIMEOUT = env_int("STRIPE_TIMEOUT", 8)
STRIPE_MAX_NETWORK_RETRIES = env_int("STRIPE_MAX_NETWORK_RETRIES", 1)
INVOICE_DAYS_UNTIL_DUE = env_int("INVOICE_DAYS_UNTIL_DUE", 30)
# The daily job invoices a pledge installment this many days before it is due.
PLEDGE_INVOICE_LEAD_DAYS = env_int("PLEDGE_INVOICE_LEAD_DAYS", 30)
# Members at risk: renewing within this many days with an engagement score below the threshold
# (0 to 100; crm/engagement.py explains the score).
ENGAGEMENT_RISK_DAYS = env_int("ENGAGEMENT_RISK_DAYS", 90)
ENGAGEMENT_RISK_THRESHOLD = env_int("ENGAGEMENT_RISK_THRESHOLD", 50)
if ENGAGEMENT_RISK_DAYS < 1:
    raise ImproperlyConfigured(f"ENGAGEMENT_RISK_DAYS={ENGAGEMENT_RISK_DAYS} is not at least 1.")
if not 0 <= ENGAGEMENT_RISK_THRESHOLD <= 100:
    raise ImproperlyConfigured(
        f"ENGAGEMENT_RISK_THRESHOLD={ENGAGEMENT_RISK_THRESHOLD} is not between 0 and 100."
    )
# Reminders of an open pledge-installment invoice, in days from its due date (before it when
# negative), once per invoice and day: "-7, 7, 21" reminds a week before, then a week and three
# weeks late. Empty: no installment reminders.
PLEDGE_REMINDER_DAYS = sorted(
    int(day) for day in env_str("PLEDGE_REMINDER_DAYS", "-7, 7, 21").split(",") if day.strip()
)
# The daily run proposes a pledge's renewal to the investor this many days before the due date of
# its last installment.
PLEDGE_RENEWAL_LEAD_DAYS = env_int("PLEDGE_RENEWAL_LEAD_DAYS", 60)
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Who prints the documents (invoices, receipts, statements) and the charitable foundation that
# acknowledges investments given through it.
CHAMBER_NAME = env_str("CHAMBER_NAME", "MetroHartford Alliance")
CHAMBER_ADDRESS = env_str("CHAMBER_ADDRESS", "185 Asylum St., Ste. 111, Hartford, CT 06103")
FOUNDATION_NAME = env_str("FOUNDATION_NAME", "MetroHartford Alliance Foundation")
# How an invoice tells a payer to pay when Stripe is not configured ({number}: the invoice's).
BILLING_PAYMENT_INSTRUCTIONS = env_str(
    "BILLING_PAYMENT_INSTRUCTIONS",
    "Pay by check to the MetroHartford Alliance, 185 Asylum St., Ste. 111, Hartford, CT 06103, "
    "writing invoice {number} on the check, or ask finance for ACH or wire instructions.",
)
# The general ledger accounts of the money path (revenue accounts live on plans, levels, events).
BILLING_GL_ACCOUNTS = {
    "receivable": env_str("GL_ACCOUNTS_RECEIVABLE", "1200"),
    "stripe_clearing": env_str("GL_STRIPE_CLEARING", "1050"),
    "undeposited_funds": env_str("GL_UNDEPOSITED_FUNDS", "1010"),
    "processing_fees": env_str("GL_PROCESSING_FEES", "6150"),
    # Stripe's fee for a dispute (chargeback), less any fee it returns when the dispute is won.
    "dispute_fees": env_str("GL_DISPUTE_FEES", "6160"),
    "bank": env_str("GL_BANK", "1000"),
    "deferred_revenue": env_str("GL_DEFERRED_REVENUE", "2400"),
    # Money received over what was invoiced, owed back to the organization until refunded or
    # applied to another invoice (a liability).
    "customer_credits": env_str("GL_CUSTOMER_CREDITS", "2450"),
    # Invoices written off on the accrual basis (what was owed and will not be collected).
    "bad_debt": env_str("GL_BAD_DEBT", "6170"),
}
# The journal's basis: "accrual" books an invoice when issued (receivable and revenue, or
# deferred revenue for the months to come) and a payment as clearing the receivable; "cash"
# books revenue when the money reaches the bank.
JOURNAL_BASIS = env_str("JOURNAL_BASIS", "accrual")
if JOURNAL_BASIS not in {"accrual", "cash"}:
    raise ImproperlyConfigured(f"JOURNAL_BASIS={JOURNAL_BASIS!r} is not accrual or cash.")
# The names the accounting system knows the accounts by ("1000=Checking,4010=Dues - Small
# Business"): QuickBooks Online imports journal lines by account name. Unnamed accounts go as
# their number.
BILLING_GL_ACCOUNT_NAMES = {
    number.strip(): name.strip()
    for number, _, name in (item.partition("=") for item in env_list("GL_ACCOUNT_NAMES"))
    if name.strip()
}

# Background work: Django's tasks API. Immediate unless TASKS_BACKEND=database (then run
# `manage.py db_worker`).
_tasks_backend = env_str("TASKS_BACKEND", "immediate")
if _tasks_backend not in {"immediate", "database"}:
    raise ImproperlyConfigured(f"TASKS_BACKEND={_tasks_backend!r} is not immediate or database.")
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend"
        if _tasks_backend == "database"
        else "django.tasks.backends.immediate.ImmediateBackend",
        "QUEUES": ["default"],
    }
}

# The member portal (/members/, portal/): a sign-in link is good for PORTAL_LINK_MINUTES and
# once (django-sesame's single-use tokens); a typed address may ask for
# PORTAL_LINK_REQUESTS_PER_ADDRESS links an hour and one client address for
# PORTAL_LINK_REQUESTS_PER_CLIENT (counted in the cache: set REDIS_URL to share the count).
PORTAL_LINK_MINUTES = env_int("PORTAL_LINK_MINUTES", 15)
PORTAL_LINK_REQUESTS_PER_ADDRESS = env_int("PORTAL_LINK_REQUESTS_PER_ADDRESS", 3)
PORTAL_LINK_REQUESTS_PER_CLIENT = env_int("PORTAL_LINK_REQUESTS_PER_CLIENT", 20)
if (
    not 1 <= PORTAL_LINK_MINUTES <= 24 * 60
    or PORTAL_LINK_REQUESTS_PER_ADDRESS < 1
    or PORTAL_LINK_REQUESTS_PER_CLIENT < 1
):
    raise ImproperlyConfigured(
        "PORTAL_LINK_MINUTES must be 1 to 1440 and PORTAL_LINK_REQUESTS_PER_ADDRESS and "
        "PORTAL_LINK_REQUESTS_PER_CLIENT 1 or more."
    )
# The directory listing members keep in the portal: with DIRECTORY_CHANGES_NEED_REVIEW their
# changes wait for staff to approve them (admin, Member portal, Directory changes); a logo is
# at most DIRECTORY_LOGO_MAX_BYTES, stored in the default storage (MEDIA_ROOT on disk).
DIRECTORY_CHANGES_NEED_REVIEW = env_bool("DIRECTORY_CHANGES_NEED_REVIEW", default=False)
DIRECTORY_LOGO_MAX_BYTES = env_int("DIRECTORY_LOGO_MAX_BYTES", 512 * 1024)
if not 1024 <= DIRECTORY_LOGO_MAX_BYTES <= 10 * 1024 * 1024:
    raise ImproperlyConfigured("DIRECTORY_LOGO_MAX_BYTES must be 1024 to 10485760 (10 MB).")
MEDIA_ROOT = env_str("MEDIA_ROOT", str(BASE_DIR / "media"))
MEDIA_URL = "/media/"

# django-sesame signs the links (portal/links.py); it is no authentication backend here, so a
# link never logs anyone into Django (nor the admin, nor the staff API).
SESAME_MAX_AGE = PORTAL_LINK_MINUTES * 60
SESAME_ONE_TIME = True
SESAME_SALT = "portal.sign-in"

# The largest body the public API reads (its forms are a few kilobytes); anything else stops at
# Django's DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB). Over either: 413 in the API's error shape.
PUBLIC_API_MAX_BODY_BYTES = env_int("PUBLIC_API_MAX_BODY_BYTES", 64 * 1024)

CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS")
CORS_URLS_REGEX = r"^/api/v1/public/.*$"
# The website retries POSTs safely with an Idempotency-Key (docs/public-api.md), so preflights
# allow it.
CORS_ALLOW_HEADERS = (
    "accept",
    "content-type",
    "idempotency-key",
    "x-request-id",
)
CORS_EXPOSE_HEADERS = ["Idempotent-Replayed", "X-Request-ID"]

# Staff lists count this many matching rows exactly; past it the count is PostgreSQL's estimate
# (api/pagination.py), so a page costs the same at any size.
STAFF_API_EXACT_COUNT_LIMIT = env_int("STAFF_API_EXACT_COUNT_LIMIT", 1000)
# A list searched on its own text (organizations, contacts) sorts its matches for the page when
# PostgreSQL expects at most this many, rather than walking its order's index (crm/pagination.py).
STAFF_API_SORT_MATCHES_UP_TO = env_int("STAFF_API_SORT_MATCHES_UP_TO", 25_000)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.StaffTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.StaffModelPermissions"],
    "DEFAULT_FILTER_BACKENDS": [
        "api.filters.backends.ListFilterBackend",
        "api.filters.search.IndexedSearchFilter",
        "api.filters.ordering.StableOrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.StaffPageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {
        "public": env_rate("PUBLIC_API_THROTTLE", "60/minute"),
        "staff": env_rate("STAFF_API_THROTTLE", "1000/minute"),
    },
    "EXCEPTION_HANDLER": "api.exceptions.exception_handler",
    # JSON (nested at most 64 deep: deeper is a 400, not a RecursionError), forms for the
    # browsable API's login and uploads.
    "DEFAULT_PARSER_CLASSES": [
        "api.parsers.DepthLimitedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "COERCE_DECIMAL_TO_STRING": True,
    # How many proxies (load balancer, CDN) stand in front: the client address for per-address
    # throttling is read from X-Forwarded-For only that deep, so a caller cannot forge it.
    "NUM_PROXIES": env_int("NUM_PROXIES", 0),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Chamber CRM API",
    "DESCRIPTION": "Staff API (/api/v1/) and the website's public API (/api/v1/public/).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Both have a "status" field: name their choice sets so the schema says which is which.
    "ENUM_NAME_OVERRIDES": {
        "MembershipStatusEnum": "crm.models.memberships.Membership.Status",
        "PledgeStatusEnum": "crm.models.investors.Pledge.Status",
        "InvoiceStatusEnum": "billing.models.Invoice.Status",
        "PaymentStatusEnum": "billing.models.Payment.Status",
        "RefundStatusEnum": "billing.models.Refund.Status",
        "PaymentMethodEnum": "billing.models.Payment.Method",
        "OfflinePaymentMethodEnum": "api.serializers.billing.OFFLINE_METHOD_CHOICES",
        "EventStatusEnum": "events.models.Event.Status",
        "RegistrationStatusEnum": "events.models.Registration.Status",
        "PayoutStatusEnum": "billing.models.Payout.Status",
        "ProspectStageEnum": "crm.models.pipeline.Prospect.Stage",
        "InteractionKindEnum": "crm.models.pipeline.Interaction.Kind",
        "InquiryKindEnum": "crm.models.pipeline.Inquiry.Kind",
        "BenefitKindEnum": "crm.models.benefits.Benefit.Kind",
    },
}

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env_str("REDIS_URL"),
    }
    if env_str("REDIS_URL")
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

LOGIN_URL = "admin:login"

# Brute-force protection of the admin login (config/login_guard.py, django-axes): after
# LOGIN_FAILURE_LIMIT failures for one user name from one client address, or
# LOGIN_USERNAME_FAILURE_LIMIT for one user name from anywhere, that user name is refused (even
# with the right password) until LOGIN_COOLOFF_MINUTES pass without another failure. The
# superuser sees and clears the attempts in the admin ("Axes").
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_USERNAME_FAILURE_LIMIT = env_int("LOGIN_USERNAME_FAILURE_LIMIT", 20)
LOGIN_COOLOFF_MINUTES = env_int("LOGIN_COOLOFF_MINUTES", 15)
if not 1 <= LOGIN_FAILURE_LIMIT <= LOGIN_USERNAME_FAILURE_LIMIT or LOGIN_COOLOFF_MINUTES < 1:
    raise ImproperlyConfigured(
        "LOGIN_FAILURE_LIMIT must be 1 or more and at most LOGIN_USERNAME_FAILURE_LIMIT; "
        "LOGIN_COOLOFF_MINUTES must be 1 or more."
    )
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out user name before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, a user's permissions read in one query rather than two.
    "core.auth_backends.ModelBackendOneQuery",
    # Django's own, kept so that sessions signed in through it stay signed in (a session names
    # its backend); it answers from the permissions the one above has already read.
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "config.login_guard.TieredLimitDatabaseHandler"
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username"]
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_COOLOFF_MINUTES)
AXES_CLIENT_IP_CALLABLE = "config.login_guard.client_ip"
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_ENABLE_ADMIN = False  # api/admin.py registers axes' admin pages itself
AXES_LOCKOUT_TEMPLATE = "admin/login_locked_out.html"

# Events: seats held for an unpaid registration are released after EVENT_HOLD_MINUTES
# (`manage.py expire_event_holds`); someone promoted from a waitlist has EVENT_WAITLIST_OFFER_HOURS
# to pay.
EVENT_HOLD_MINUTES = env_int("EVENT_HOLD_MINUTES", 30)
# Minutes a website registration claiming member terms waits for the confirmation link mailed
# to the address on file (the link's lifetime and the seats' hold).
MEMBER_CONFIRM_MINUTES = env_int("MEMBER_CONFIRM_MINUTES", 60)
EVENT_WAITLIST_OFFER_HOURS = env_int("EVENT_WAITLIST_OFFER_HOURS", 48)
# Unpaid seats of someone paying by invoice or check (no Stripe, or "invoice my organization")
# are held EVENT_INVOICE_HOLD_DAYS, or until the invoice is due if sooner, never past the start.
EVENT_INVOICE_HOLD_DAYS = env_int("EVENT_INVOICE_HOLD_DAYS", 7)
# Seats one person (one email address) may hold or wait for at one event, across registrations,
# through the website; staff may register more through the admin or the staff API.
EVENT_MAX_SEATS_PER_PERSON = env_int("EVENT_MAX_SEATS_PER_PERSON", 10)
if EVENT_INVOICE_HOLD_DAYS < 1 or EVENT_MAX_SEATS_PER_PERSON < 1:
    raise ImproperlyConfigured(
        "EVENT_INVOICE_HOLD_DAYS and EVENT_MAX_SEATS_PER_PERSON must be 1 or more."
    )
if EVENT_HOLD_MINUTES < 1 or EVENT_WAITLIST_OFFER_HOURS < 1 or MEMBER_CONFIRM_MINUTES < 1:
    raise ImproperlyConfigured(
        "EVENT_HOLD_MINUTES, EVENT_WAITLIST_OFFER_HOURS and MEMBER_CONFIRM_MINUTES must be 1 or "
        "more."
    )

# Outbound webhooks (docs/webhooks.md): seconds an endpoint has to answer one delivery.
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 5)
# Newsletters: days a confirmation link stays valid; the mailbox named in List-Unsubscribe's
# mailto (its requests are handled by staff; the https link works on its own).
NEWSLETTER_CONFIRM_DAYS = env_int("NEWSLETTER_CONFIRM_DAYS", 7)
NEWSLETTER_UNSUBSCRIBE_EMAIL = env_str("NEWSLETTER_UNSUBSCRIBE_EMAIL")
if not 1 <= WEBHOOK_TIMEOUT_SECONDS <= 30 or NEWSLETTER_CONFIRM_DAYS < 1:
    raise ImproperlyConfigured(
        "WEBHOOK_TIMEOUT_SECONDS must be 1 to 30 and NEWSLETTER_CONFIRM_DAYS 1 or more."
    )

LOG_FORMAT = env_str("LOG_FORMAT", "plain" if DEBUG else "json")
if LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured(f"LOG_FORMAT={LOG_FORMAT!r} is not plain or json.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "config.logging.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s %(message)s"},
        "json": {"()": "config.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    # The load balancer's health probe speaks plain HTTP inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
# Django's own content security policy: scripts only from this host or carrying the request's
# nonce (templates write <script nonce="{{ csp_nonce }}">), nothing from another host at all.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
