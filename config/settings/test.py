"""The test suite: SQLite in memory unless DATABASE_URL names PostgreSQL."""

import os

import dj_database_url

from config.settings.base import *  # noqa: F403
from config.settings.base import DATABASES

SECRET_KEY = "test-secret-key-not-for-production-use-0123456789abcdefghijklmnop"  # noqa: S105
DEBUG = False
if not os.environ.get("DATABASE_URL"):
    DATABASES["default"] = dj_database_url.parse("sqlite://:memory:")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
LANGUAGE_CODE = "zh-hans"
