"""pytest's settings (pyproject.toml), stated here rather than left to the shell or the defaults:
production's (DEBUG off), with a fixed key, plain HTTP (the test client and the live server speak
no TLS) and static files served from their sources, so nothing depends on collectstatic."""

import os

# The base settings refuse to load without a key when DEBUG is off.
os.environ.setdefault("SECRET_KEY", "pytest-only-key-never-used-to-serve")

from config.settings import *  # noqa: E402,F401,F403
from config.settings import REST_FRAMEWORK  # noqa: E402

DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
WHITENOISE_USE_FINDERS = True
# Tests that count writes set their own rate; the rest should never meet the limit.
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"write": "100000/min"}}
