"""What the audit log keeps beyond columns, and what the checkpoint adds to the chain.

Before: an operator's or a user's areas changed without a trace (the user's change was
logged as ``updated_at`` alone, the operator's not at all, and its version stayed), and
deleting the last records, or editing one and computing every hash after it again,
still passed ``linewise audit verify``.
"""

from __future__ import annotations

import json
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from linewise.cli.main import main
from linewise.config import Settings, get_settings
from linewise.core import audit_checkpoint
from linewise.core.audit import AuditRecord, record_hash, verify, verify_with_checkpoint
from tests.conftest import World


def _records(db: Session, entity: str, entity_id: int) -> list[AuditRecord]:
    db.expire_all()
    stmt = select(AuditRecord).where(
        AuditRecord.entity == entity, AuditRecord.entity_id == str(entity_id)
    )
    return list(db.scalars(stmt.order_by(AuditRecord.seq)).all())


def test_an_operators_area_change_is_audited_and_versioned(
    as_role: dict[str, TestClient], world: World, db: Session
) -> None:
    smt, test = world.area_ids["SMT"], world.area_ids["TEST"]
    manager = as_role["manager"]
    r = manager.post("/api/v1/operators", json={"code": "OP-1", "name": "Ann", "area_ids": [smt]})
    op = r.json()
    r = manager.patch(f"/api/v1/operators/{op['id']}", json={"area_ids": [test], "version": 1})
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 2 and r.headers["ETag"] == '"2"'
    # a client holding the old version is told the operator changed
    r = manager.patch(f"/api/v1/operators/{op['id']}", json={"name": "x", "version": 1})
    assert r.status_code == 409, r.text
    create, update = _records(db, "operators", op["id"])
    assert create.action == "create" and create.after is not None
    assert create.after["area_ids"] == [smt]
    assert update.action == "update"
    assert update.before is not None and update.after is not None
    assert (update.before["area_ids"], update.after["area_ids"]) == ([smt], [test])


def test_a_users_area_change_is_audited_with_the_areas(
    as_role: dict[str, TestClient], world: World, db: Session
) -> None:
    smt, test = world.area_ids["SMT"], world.area_ids["TEST"]
    uid = world.user_ids["supervisor"]
    r = as_role["admin"].get(f"/api/v1/users/{uid}")
    r = as_role["admin"].patch(
        f"/api/v1/users/{uid}", json={"area_ids": [smt, test], "version": r.json()["version"]}
    )
    assert r.status_code == 200, r.text
    last = _records(db, "users", uid)[-1]
    assert last.action == "update" and last.before is not None and last.after is not None
    assert (last.before["area_ids"], last.after["area_ids"]) == ([smt], [smt, test])


def _change_things(client: TestClient, n: int = 3) -> None:
    for i in range(n):
        r = client.post("/api/v1/products", json={"code": f"P{i}", "name": f"Product {i}"})
        assert r.status_code == 201, r.text


def _head(db: Session) -> int:
    db.expire_all()
    seq = db.scalar(select(AuditRecord.seq).order_by(AuditRecord.seq.desc()).limit(1))
    db.rollback()  # end the read: on SQLite it would hold the write lock
    assert seq is not None
    return seq


def test_the_server_keeps_the_checkpoint_at_the_head(
    as_role: dict[str, TestClient], db: Session, settings: Settings, world: World
) -> None:
    _change_things(as_role["planner"])
    path = settings.audit_checkpoint
    assert path is not None
    checkpoint = audit_checkpoint.load(path)
    assert checkpoint is not None and checkpoint.seq == _head(db)
    assert verify_with_checkpoint(db, path).ok
    r = as_role["admin"].get("/api/v1/audit/verify")
    assert r.json()["ok"] and r.json()["checkpoint_seq"] == checkpoint.seq


def test_removing_the_last_records_is_detected(
    as_role: dict[str, TestClient], db: Session, engine: Engine, settings: Settings, world: World
) -> None:
    _change_things(as_role["planner"])
    head = _head(db)
    with engine.begin() as conn:  # behind the service's back
        conn.execute(text("DELETE FROM audit_log WHERE seq > :s"), {"s": head - 2})
    db.expire_all()
    assert verify(db).ok  # the chain alone cannot tell: this passed before
    db.rollback()
    result = verify_with_checkpoint(db, settings.audit_checkpoint)
    assert (result.ok, result.first_bad_seq, result.checkpoint_seq) == (False, head - 1, head)
    assert result.reason is not None and "missing" in result.reason
    r = as_role["manager"].get("/api/v1/audit/verify")
    assert r.json()["ok"] is False and r.json()["first_bad_seq"] == head - 1


def _rewrite_from(engine: Engine, seq: int) -> None:
    """Edit record ``seq`` and compute every hash after it again, as a forger would."""
    with engine.begin() as conn:
        rows = conn.execute(
            select(AuditRecord.__table__).where(AuditRecord.seq >= seq).order_by(AuditRecord.seq)
        ).all()
        prev = conn.execute(select(AuditRecord.hash).where(AuditRecord.seq == seq - 1)).scalar()
        for row in rows:
            actor = "user:mallory" if row.seq == seq else row.actor
            ts = row.ts if row.ts.tzinfo else row.ts.replace(tzinfo=UTC)
            digest = record_hash(
                seq=row.seq,
                ts=ts.isoformat(),
                actor=actor,
                action=row.action,
                entity=row.entity,
                entity_id=row.entity_id,
                before=row.before,
                after=row.after,
                prev_hash=prev,
            )
            conn.execute(
                text("UPDATE audit_log SET actor = :a, prev_hash = :p, hash = :h WHERE seq = :s"),
                {"a": actor, "p": prev, "h": digest, "s": row.seq},
            )
            prev = digest


def test_rewriting_a_record_and_the_hashes_after_it_is_detected(
    as_role: dict[str, TestClient], db: Session, engine: Engine, settings: Settings, world: World
) -> None:
    _change_things(as_role["planner"])
    head = _head(db)
    _rewrite_from(engine, head - 3)
    db.expire_all()
    assert verify(db).ok  # a consistent forgery: the chain alone passed it before
    db.rollback()
    result = verify_with_checkpoint(db, settings.audit_checkpoint)
    assert (result.ok, result.first_bad_seq) == (False, head)
    assert result.reason is not None and "rewritten" in result.reason


def test_a_missing_checkpoint_fails_verification(
    as_role: dict[str, TestClient], db: Session, settings: Settings, world: World
) -> None:
    _change_things(as_role["planner"])
    assert settings.audit_checkpoint is not None
    settings.audit_checkpoint.unlink()
    result = verify_with_checkpoint(db, settings.audit_checkpoint)
    assert not result.ok and result.reason is not None and "no checkpoint" in result.reason


@pytest.fixture
def cli_env(engine: Engine, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("LINEWISE_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("LINEWISE_AUDIT_CHECKPOINT", str(settings.audit_checkpoint))
    get_settings.cache_clear()

    def run(*args: str) -> Any:
        return CliRunner().invoke(main, ["audit", *args])

    yield run
    get_settings.cache_clear()


def test_cli_verify_and_checkpoint(
    as_role: dict[str, TestClient], db: Session, engine: Engine, world: World, cli_env: Any
) -> None:
    _change_things(as_role["planner"])
    head = _head(db)
    out = cli_env("verify")
    assert out.exit_code == 0, out.output
    assert f"up to checkpoint record {head}" in out.output
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq = :s"), {"s": head})
    out = cli_env("verify")
    assert out.exit_code == 1 and f"TAMPERED at record {head}" in out.output, out.output
    # the checkpoint never moves back by itself ...
    out = cli_env("checkpoint")
    assert out.exit_code == 1 and "--reset" in out.output, out.output
    # ... only when someone decides to trust the log as it is
    out = cli_env("checkpoint", "--reset")
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["seq"] == head - 1
    assert cli_env("verify").exit_code == 0


def test_the_checkpoint_only_moves_forward_on_its_own_chain(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "checkpoint.json"
    assert audit_checkpoint.advance(path, "g", 5, "h5")
    assert not audit_checkpoint.advance(path, "g", 4, "h4")  # an older head: kept
    assert audit_checkpoint.advance(path, "g", 6, "h6")
    assert not audit_checkpoint.advance(path, "other", 9, "x")  # another chain: kept
    current = audit_checkpoint.load(path)
    assert current is not None and (current.genesis, current.seq, current.hash) == ("g", 6, "h6")
    assert audit_checkpoint.advance(path, "other", 2, "x", reset=True)
    current = audit_checkpoint.load(path)
    assert current is not None and (current.genesis, current.seq) == ("other", 2)
