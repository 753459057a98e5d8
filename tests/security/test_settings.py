"""Production is the default: DEBUG off, a key required, HTTPS redirect and HSTS on, each
changeable by environment; every answer carries a Content-Security-Policy."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings

ROOT = Path(__file__).resolve().parent.parent.parent
PRINT_SETTINGS = (
    "import django; from django.conf import settings; django.setup(); "
    "print(settings.DEBUG, settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS, "
    "settings.SESSION_COOKIE_SECURE, settings.SECURE_PROXY_SSL_HEADER, settings.ALLOWED_HOSTS)"
)


def _start(**env) -> subprocess.CompletedProcess:
    """The settings loaded the way gunicorn loads them, with only the given variables set."""
    base = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "config.settings"}
    return subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS], cwd=ROOT, env={**base, **env}, capture_output=True, text=True
    )


def test_without_debug_a_missing_secret_key_stops_start_up():
    started = _start()  # no DEBUG, no SECRET_KEY

    assert started.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is required when DEBUG is off." in started.stderr


def test_debug_is_off_by_default_with_https_hsts_and_secure_cookies():
    started = _start(SECRET_KEY="a-real-key-from-the-vault")

    assert started.returncode == 0, started.stderr
    assert started.stdout.strip() == "False True 31536000 True None []"


def test_https_settings_follow_the_environment():
    started = _start(
        SECRET_KEY="k",
        SECURE_SSL_REDIRECT="0",
        SECURE_HSTS_SECONDS="3600",
        SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto=https",
        ALLOWED_HOSTS="careslot.example.org",
    )

    assert started.returncode == 0, started.stderr
    assert started.stdout.strip() == (
        "False False 3600 True ('HTTP_X_FORWARDED_PROTO', 'https') ['careslot.example.org']"
    )


def test_a_malformed_proxy_header_stops_start_up():
    started = _start(SECRET_KEY="k", SECURE_PROXY_SSL_HEADER="https")

    assert started.returncode != 0
    assert "SECURE_PROXY_SSL_HEADER must look like 'X-Forwarded-Proto=https'" in started.stderr


def test_debug_on_is_for_local_use_with_plain_http():
    started = _start(DEBUG="1")

    assert started.returncode == 0, started.stderr
    assert started.stdout.strip() == "True False 0 False None ['localhost', '127.0.0.1', '[::1]']"


@pytest.mark.django_db
def test_plain_http_is_redirected_except_the_health_check(client):
    with override_settings(SECURE_SSL_REDIRECT=True, SECURE_HSTS_SECONDS=31536000):
        page = client.get("/accounts/login/")
        health = client.get("/healthz")
        secure = client.get("/accounts/login/", secure=True)

    assert page.status_code == 301
    assert page["Location"] == "https://testserver/accounts/login/"
    assert health.status_code == 200
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == "max-age=31536000"


@pytest.mark.django_db
def test_pages_carry_a_content_security_policy_with_a_fresh_nonce(client):
    first = client.get("/api/docs/")
    second = client.get("/api/docs/")

    policy = first["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "'unsafe-eval'" not in policy
    nonce = re.search(r"script-src 'self' 'nonce-([^']+)'", policy).group(1)
    # Swagger UI's inline start-up script runs only because it carries this response's nonce.
    assert f'<script nonce="{nonce}">' in first.content.decode()
    assert nonce not in second["Content-Security-Policy"]


@pytest.mark.django_db
def test_pages_use_no_inline_script_handlers_or_eval(client, user, facility):
    client.force_login(user)
    for path in (
        "/accounts/login/",
        f"/f/{facility.slug}/",
        f"/f/{facility.slug}/bookings/new/",
        f"/f/{facility.slug}/queue/",
        f"/f/{facility.slug}/availability/",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        body = response.content.decode()
        assert "hx-on" not in body, path
        assert re.search(r"\son[a-z]+=", body) is None, path  # no inline event handlers
        assert re.search(r"<script(?![^>]*\bsrc=)", body) is None, path  # every script is a file
        assert '"allowEval": false' in body, path
