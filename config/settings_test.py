"""The test suite's settings: the real ones, with mail kept in memory and fast password hashing.
DATABASE_URL still chooses the database."""

import os
import tempfile

os.environ.setdefault("CRM_INSECURE_DEV_DEFAULTS", "true")
for _name in ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"):
    os.environ.pop(_name, None)  # tests opt in to Stripe explicitly with override_settings

from config.settings import *  # noqa: E402,F403

MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
MEMBERSHIP_STAFF_EMAILS = ["membership@example.org"]
# Uploaded files (directory logos) go to a folder of this run's own, removed with /tmp.
MEDIA_ROOT = tempfile.mkdtemp(prefix="crm-test-media-")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# The test client and the live server speak plain HTTP.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
