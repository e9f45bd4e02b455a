"""Security headers, the offline API explorer and 405's Allow header."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient


def test_api_answers_are_not_cached_framed_or_sniffed(app: FastAPI) -> None:
    with TestClient(app) as c:
        r = c.get("/api/v1/health")
    assert r.headers["cache-control"] == "no-store"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert r.headers["referrer-policy"] == "same-origin"


def test_the_ui_may_load_only_from_its_own_origin(app: FastAPI) -> None:
    with TestClient(app) as c:
        r = c.get("/orders")
    policy = r.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "script-src 'self';" in policy
    assert "unsafe-inline" not in policy.split("script-src", 1)[1].split(";", 1)[0]
    assert "no-store" not in r.headers.get("cache-control", "")


def test_api_explorer_is_served_from_the_package(app: FastAPI) -> None:
    with TestClient(app) as c:
        page = c.get("/docs")
        assert page.status_code == 200
        assert "cdn" not in page.text.lower()
        assert "/docs-assets/swagger-ui-bundle.js" in page.text
        assert "/api/v1/openapi.json" in page.text
        script = c.get("/docs-assets/swagger-ui-bundle.js")
        assert script.status_code == 200 and len(script.content) > 100_000
        # Swagger UI 5 is needed for the OpenAPI 3.1 document FastAPI writes.
        assert b"OpenAPI31" in script.content


def test_method_not_allowed_says_what_is(app: FastAPI) -> None:
    with TestClient(app) as c:
        r = c.delete("/api/v1/health")
    assert r.status_code == 405
    assert r.headers["allow"] == "GET"
    assert r.headers["content-type"] == "application/problem+json"
