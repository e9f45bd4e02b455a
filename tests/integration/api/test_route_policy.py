"""Every route × every role against the declared policy.

A route without a declared policy fails this test, so no route can be added unguarded.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from linewise.core.security import AUTHENTICATED, PUBLIC, Role, roles_for
from tests.conftest import World, login

# FastAPI's own documentation routes carry no dependency; they are public by design.
DOC_ROUTES = {"/api/v1/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}


def _permission(route: APIRoute) -> str | None:
    found = getattr(route.endpoint, "permission", None)
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        perm = getattr(dep.call, "permission", None)
        if perm is not None:
            found = perm
        stack.extend(dep.dependencies)
    return found


def all_routes(app: FastAPI) -> list[tuple[str, str, str | None]]:
    out = []
    for ctx in iter_route_contexts(app.routes):
        for method in sorted(ctx.methods or []):
            if method == "HEAD":
                continue
            route = ctx.original_route
            perm = _permission(route) if isinstance(route, APIRoute) else None
            if ctx.path in DOC_ROUTES:
                perm = PUBLIC
            out.append((method, ctx.path, perm))
    # Signing out ends the session the rest of the test uses: last (and signed in again).
    return sorted(out, key=lambda r: r[1] in SIGNING_OUT)


# Routes that end sessions: after each, every role signs in again.
SIGNING_OUT = (
    "/api/v1/auth/logout",
    "/api/v1/auth/logout-everywhere",
    "/api/v1/users/{user_id}/sessions",  # an admin ends user 1's sessions
    "/api/v1/users/{user_id}/mfa",  # an MFA reset ends them too
)


def _call(client: TestClient, method: str, path: str) -> Any:
    url = re.sub(r"\{[^}]+\}", "1", path)
    kwargs: dict[str, Any] = {}
    if method in ("POST", "PUT", "PATCH"):
        kwargs["json"] = {}
    return client.request(method, url, **kwargs)


def test_every_route_declares_a_policy(app: FastAPI) -> None:
    undeclared = [f"{m} {p}" for m, p, perm in all_routes(app) if perm is None]
    assert undeclared == [], f"routes without a permission: {undeclared}"
    assert len(all_routes(app)) > 40


def test_every_role_on_every_route(
    app: FastAPI, as_role: dict[str, TestClient], world: World
) -> None:
    mismatches = []
    checked = 0
    for method, path, perm in all_routes(app):
        assert perm is not None
        if perm == PUBLIC:
            continue
        for role in Role:
            r = _call(as_role[role.value], method, path)
            allowed = role in roles_for(perm) or perm == AUTHENTICATED
            denied = r.status_code == 403
            if r.status_code == 401:
                mismatches.append(f"{role} {method} {path}: unexpectedly signed out")
            elif allowed == denied:
                mismatches.append(f"{role} {method} {path}: {r.status_code} ({perm})")
            checked += 1
        if path in SIGNING_OUT:
            for role in Role:
                login(as_role[role.value], role.value)
    assert mismatches == []
    assert checked > 150


def test_anonymous_is_refused_everywhere_but_public(app: FastAPI, world: World) -> None:
    with TestClient(app) as anon:
        for method, path, perm in all_routes(app):
            if perm == PUBLIC:
                continue
            r = _call(anon, method, path)
            assert r.status_code == 401, f"{method} {path} -> {r.status_code}"


def test_device_key_may_only_ingest(app: FastAPI, as_role: dict[str, TestClient]) -> None:
    r = as_role["admin"].post("/api/v1/api-keys", json={"name": "pp1", "scope": "device"})
    assert r.status_code == 201, r.text
    token = r.json()["token"]
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as device:
        for method, path, perm in all_routes(app):
            if perm in (PUBLIC, "ingest"):
                continue
            r = _call(device, method, path)
            assert r.status_code == 403, f"device key reached {method} {path}: {r.status_code}"
