"""The audit log's filters (actor, entity, action, time range) and its list of entity types,
as the administration page uses them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from tests.conftest import World


def _seqs(c: TestClient, **params: str) -> list[int]:
    r = c.get("/api/v1/audit", params={"limit": 200, **params})
    assert r.status_code == 200, r.text
    return [item["seq"] for item in r.json()["items"]]


def test_filters_narrow_the_log(as_role: dict[str, TestClient], world: World) -> None:
    planner, admin = as_role["planner"], as_role["admin"]
    before = datetime.now(UTC) - timedelta(seconds=1)
    pid = planner.post("/api/v1/products", json={"code": "AF1", "name": "Audit"}).json()["id"]
    assert planner.delete(f"/api/v1/products/{pid}").status_code == 204

    everything = _seqs(admin)
    by_planner = _seqs(admin, actor="planner")
    assert by_planner and set(by_planner) < set(everything)
    products = admin.get(
        "/api/v1/audit", params={"entity": "products", "actor": "user:planner"}
    ).json()["items"]
    assert [(r["action"], r["entity_id"]) for r in products] == [
        ("delete", str(pid)),
        ("create", str(pid)),
    ]
    deletes = admin.get("/api/v1/audit", params={"action": "delete", "entity": "products"})
    assert [r["entity_id"] for r in deletes.json()["items"]] == [str(pid)]
    # The world's users were made before `before`: the range leaves them out.
    # From the product's creation on: the world's records before it are left out.
    created = datetime.fromisoformat(products[1]["ts"])
    since = admin.get("/api/v1/audit", params={"from": created.isoformat(), "limit": 200})
    stamps = [datetime.fromisoformat(r["ts"]) for r in since.json()["items"]]
    assert stamps and all(ts >= created for ts in stamps)
    assert products[1]["seq"] in [r["seq"] for r in since.json()["items"]]
    assert len(stamps) < len(everything)
    assert not _seqs(admin, to=before.isoformat(), entity="products", entity_id=str(pid))
    assert "products" in admin.get("/api/v1/audit/entities").json()["entities"]
    # The actor filter is a text match, not a pattern: "%" finds nothing.
    assert _seqs(admin, actor="%") == []


def test_hostile_filters_are_refused_naming_the_field(
    as_role: dict[str, TestClient], world: World
) -> None:
    admin = as_role["admin"]
    r = admin.get("/api/v1/audit", params={"action": "drop"})
    assert r.status_code == 422
    assert "action" in r.text
    now = datetime.now(UTC)
    r = admin.get(
        "/api/v1/audit",
        params={"from": now.isoformat(), "to": (now - timedelta(hours=1)).isoformat()},
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "to"
    r = admin.get("/api/v1/audit", params={"from": "2026-01-01T00:00:00"})  # no zone
    assert r.status_code == 422
    # Text no database column can hold is a refusal, not a server error (PostgreSQL).
    for field in ("actor", "entity", "entity_id"):
        r = admin.get("/api/v1/audit", params={field: "a\x00b"})
        assert r.status_code == 422, (field, r.status_code, r.text)
        assert field in r.text


def test_an_operator_may_not_read_the_log(as_role: dict[str, TestClient], world: World) -> None:
    assert as_role["operator"].get("/api/v1/audit").status_code == 403
    assert as_role["operator"].get("/api/v1/audit/entities").status_code == 403


def test_a_password_reset_is_recorded_and_ends_the_users_sessions(
    as_role: dict[str, TestClient], world: World
) -> None:
    admin = as_role["admin"]
    uid = world.user_ids["operator"]
    user = admin.get(f"/api/v1/users/{uid}").json()
    r = admin.patch(
        f"/api/v1/users/{uid}", json={"password": "a-new-password-42", "version": user["version"]}
    )
    assert r.status_code == 200, r.text
    records = admin.get(
        "/api/v1/audit", params={"entity": "users", "entity_id": str(uid), "action": "update"}
    ).json()["items"]
    resets = [rec for rec in records if (rec["after"] or {}).get("password_changed")]
    assert [rec["actor"] for rec in resets] == ["user:admin"]
    assert resets[0]["after"]["password_changed"] is True
    assert all("password_hash" not in (rec["after"] or {}) for rec in records)
    assert all("argon2" not in str(rec) for rec in records)
    assert admin.get("/api/v1/audit/verify").json()["ok"] is True
    # The operator's session, opened with the old password, ended with it; the admin's
    # own goes on.
    assert as_role["operator"].get("/api/v1/auth/me").status_code == 401
    assert admin.get("/api/v1/auth/me").status_code == 200
    # Only an admin may reset one: a manager reads users but may not change them.
    r = as_role["manager"].patch(
        f"/api/v1/users/{uid}", json={"password": "another-password-1", "version": 2}
    )
    assert r.status_code == 403
