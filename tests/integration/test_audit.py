"""The hash-chained audit log: every change recorded, tampering detected."""

from __future__ import annotations

from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from linewise.cli.main import main
from linewise.config import get_settings
from linewise.core.audit import AuditRecord, verify
from tests.conftest import World


def _change_things(c: TestClient) -> int:
    r = c.post("/api/v1/products", json={"code": "A1", "name": "Alpha"})
    pid = r.json()["id"]
    c.patch(f"/api/v1/products/{pid}", json={"name": "Alpha 2", "version": 1})
    c.delete(f"/api/v1/products/{pid}")
    return pid


def test_changes_are_recorded_with_actor_and_before_after(
    as_role: dict[str, TestClient], db: Session, world: World
) -> None:
    pid = _change_things(as_role["planner"])
    recs = (
        db.query(AuditRecord)
        .filter_by(entity="products", entity_id=str(pid))
        .order_by(AuditRecord.seq)
        .all()
    )
    assert [r.action for r in recs] == ["create", "update", "delete"]
    assert {r.actor for r in recs} == {"user:planner"}
    update = recs[1]
    assert update.before == {"name": "Alpha", "version": 1} or update.before["name"] == "Alpha"
    assert update.after["name"] == "Alpha 2"
    assert verify(db).ok


def test_password_hash_never_reaches_the_log(db: Session, world: World) -> None:
    recs = db.query(AuditRecord).filter_by(entity="users").all()
    assert recs
    assert all("password_hash" not in (r.after or {}) for r in recs)


def test_tampering_is_detected_at_the_edited_row(
    as_role: dict[str, TestClient], db: Session, engine: Engine, world: World, monkeypatch
) -> None:
    _change_things(as_role["planner"])
    total = verify(db)
    assert total.ok and total.checked > 5
    db.rollback()  # end the read transaction (on SQLite it holds the write lock)
    target = total.checked - 2
    with engine.begin() as conn:  # behind the service's back
        conn.execute(
            text("UPDATE audit_log SET actor = 'user:mallory' WHERE seq = :s"), {"s": target}
        )
    db.expire_all()
    result = verify(db)
    assert not result.ok
    assert result.first_bad_seq == target
    assert result.checked == target - 1
    db.rollback()

    monkeypatch.setenv("LINEWISE_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    try:
        out = CliRunner().invoke(main, ["audit", "verify"])
    finally:
        get_settings.cache_clear()
    assert out.exit_code == 1
    assert f"TAMPERED at record {target}" in out.output


def test_deleted_row_breaks_the_chain(
    as_role: dict[str, TestClient], db: Session, engine: Engine, world: World
) -> None:
    _change_things(as_role["planner"])
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq = 3"))
    db.expire_all()
    result = verify(db)
    assert (result.ok, result.first_bad_seq) == (False, 3)
