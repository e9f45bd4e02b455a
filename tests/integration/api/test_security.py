"""Sign-in, CSRF, rate limiting, bearer tokens."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.conftest import PASSWORD, World, login


def test_session_cookie_is_httponly_and_csrf_is_enforced(app: FastAPI, world: World) -> None:
    with TestClient(app) as c:
        r = c.post("/api/v1/auth/login", json={"username": "planner", "password": PASSWORD})
        assert r.status_code == 200
        cookies = r.headers.get_list("set-cookie")
        session = next(h for h in cookies if h.startswith("lw_session="))
        assert "HttpOnly" in session and "SameSite=lax" in session
        csrf = r.json()["csrf_token"]
        body = {"code": "NEW", "name": "New product"}
        assert c.post("/api/v1/products", json=body).status_code == 403
        bad = c.post("/api/v1/products", json=body, headers={"X-CSRF-Token": "nope"})
        assert bad.status_code == 403
        ok = c.post("/api/v1/products", json=body, headers={"X-CSRF-Token": csrf})
        assert ok.status_code == 201
        # Reads need no token.
        assert c.get("/api/v1/products").status_code == 200


def test_logout_ends_the_session(app: FastAPI, world: World) -> None:
    with TestClient(app) as c:
        login(c, "planner")
        assert c.get("/api/v1/auth/me").json()["username"] == "planner"
        assert c.post("/api/v1/auth/logout").status_code == 204
        assert c.get("/api/v1/auth/me").status_code == 401


def test_failed_sign_ins_slow_the_failing_address_not_the_owner(app: FastAPI, world: World) -> None:
    with TestClient(app, client=("10.0.0.9", 40000)) as attacker:
        for _ in range(5):
            r = attacker.post("/api/v1/auth/login", json={"username": "admin", "password": "x"})
            assert r.status_code == 401
        r = attacker.post("/api/v1/auth/login", json={"username": "admin", "password": PASSWORD})
        assert r.status_code == 429
        assert r.headers["Retry-After"] == "1"
        assert r.headers["content-type"] == "application/problem+json"
    # Five wrong passwords used to lock the admin out everywhere for five minutes.
    with TestClient(app, client=("192.168.1.20", 40000)) as owner:
        r = owner.post("/api/v1/auth/login", json={"username": "admin", "password": PASSWORD})
        assert r.status_code == 200


def test_one_address_spraying_accounts_is_slowed(app: FastAPI, world: World) -> None:
    with TestClient(app, client=("10.0.0.9", 40000)) as c:
        for i in range(20):
            r = c.post("/api/v1/auth/login", json={"username": f"ghost{i}", "password": "x"})
            assert r.status_code == 401
        r = c.post("/api/v1/auth/login", json={"username": "planner", "password": PASSWORD})
        assert r.status_code == 429


def test_wrong_password_and_unknown_user_look_the_same(app: FastAPI, world: World) -> None:
    with TestClient(app) as c:
        a = c.post("/api/v1/auth/login", json={"username": "admin", "password": "x"})
        b = c.post("/api/v1/auth/login", json={"username": "ghost", "password": "x"})
        assert a.status_code == b.status_code == 401
        assert a.json()["detail"] == b.json()["detail"]


def test_integration_key_acts_with_its_role_until_revoked(
    app: FastAPI, as_role: dict[str, TestClient]
) -> None:
    admin = as_role["admin"]
    r = admin.post(
        "/api/v1/api-keys", json={"name": "erp", "scope": "integration", "role": "planner"}
    )
    assert r.status_code == 201
    key_id, token = r.json()["id"], r.json()["token"]
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as erp:
        # Bearer tokens need no CSRF token: no cookie is involved.
        assert erp.post("/api/v1/products", json={"code": "E1", "name": "E"}).status_code == 201
        assert erp.get("/api/v1/users").status_code == 403  # planner may not read users
        assert admin.delete(f"/api/v1/api-keys/{key_id}").status_code == 204
        assert erp.get("/api/v1/products").status_code == 401
    with TestClient(app, headers={"Authorization": "Bearer lw_nope_nope"}) as bad:
        assert bad.get("/api/v1/products").status_code == 401


def test_integration_key_needs_a_role(as_role: dict[str, TestClient]) -> None:
    r = as_role["admin"].post("/api/v1/api-keys", json={"name": "x", "scope": "integration"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "role"


def test_weak_password_refused(as_role: dict[str, TestClient]) -> None:
    r = as_role["admin"].post(
        "/api/v1/users", json={"username": "new", "password": "short", "role": "operator"}
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "password"


def test_area_scoped_roles_see_only_their_lines(
    as_role: dict[str, TestClient], world: World
) -> None:
    codes = [i["code"] for i in as_role["supervisor"].get("/api/v1/lines").json()["items"]]
    assert codes == ["SMT-1"]
    codes = [i["code"] for i in as_role["manager"].get("/api/v1/lines").json()["items"]]
    assert codes == ["SMT-1", "TEST-1"]


def test_me_tells_the_ui_what_the_user_may_do_and_names_their_areas(
    app: FastAPI, world: World
) -> None:
    """The UI shows a button only to a role that may use it: it asks /auth/me, which
    answers from the server's one policy; areas come by name, never as ids only."""
    with TestClient(app) as c:
        me = login(c, "operator").get("/api/v1/auth/me").json()
        assert "operations:execute" in me["permissions"]
        assert "orders:write" not in me["permissions"]
        assert me["areas"] == [{"id": world.area_ids["SMT"], "name": "SMT"}]
    with TestClient(app) as c:
        r = c.post("/api/v1/auth/login", json={"username": "planner", "password": PASSWORD})
        user = r.json()["user"]
        assert "orders:write" in user["permissions"] and "users:write" not in user["permissions"]
        assert user["areas"] == []
