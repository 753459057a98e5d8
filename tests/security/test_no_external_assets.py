"""Redoc, Swagger UI and every page reference nothing outside the app (STYLE.md: closed
networks): no src or href to another host. The browser half counts the requests actually made."""

import re
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.django_db

ATTRIBUTE = re.compile(r"""\b(?:src|href|action)\s*=\s*["']([^"']+)["']""", re.IGNORECASE)
STYLESHEET_URL = re.compile(r"""url\(\s*["']?([^"')]+)""", re.IGNORECASE)


def _external(body: str) -> list[str]:
    links = ATTRIBUTE.findall(body) + STYLESHEET_URL.findall(body)
    return [link for link in links if urlsplit(link).netloc not in ("", "testserver") or link.startswith("//")]


def _same_host_pages(client, start: str) -> set[str]:
    """``start`` and every page its navigation links to."""
    body = client.get(start).content.decode()
    links = {link for link in ATTRIBUTE.findall(body) if link.startswith("/") and not link.startswith("//")}
    return {start} | {link for link in links if not link.startswith("/static/")}


def test_api_docs_reference_nothing_outside(client):
    for path in ("/api/redoc/", "/api/docs/"):
        response = client.get(path)
        assert response.status_code == 200
        assert _external(response.content.decode()) == [], path
    assert "fonts.googleapis.com" not in client.get("/api/redoc/").content.decode()


def test_every_page_references_nothing_outside(client, user, facility):
    assert _external(client.get("/accounts/login/").content.decode()) == []
    client.force_login(user)
    pages = _same_host_pages(client, f"/f/{facility.slug}/")
    assert len(pages) >= 6  # the facility's sections, admin, sign-out…

    for path in sorted(pages):
        response = client.get(path)
        assert response.status_code in (200, 302, 405), path
        assert _external(response.content.decode()) == [], path
