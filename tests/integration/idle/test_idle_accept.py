"""Accepting an idle suggestion over the API, on SQLite and PostgreSQL: the suggestion
sees the board's stations, one accept moves the operator on the allocation board (a new
version with the reason, audited); a conflicting or stale one is refused and nothing
changes; an operator may not, nor a supervisor outside their areas."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from linewise.core.audit import AuditRecord
from linewise.core.time import utcnow
from linewise.domains.idle import service
from linewise.ingest.models import StateInterval
from tests.conftest import World

API = "/api/v1"


def _ok(r: Any, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    return r.json()


def _setup(db: Session, world: World, mgr: TestClient) -> tuple[int, dict[str, Any]]:
    """SMT-1 stands idle with nobody on it; Ada (SMT and TEST) is on TEST-1 on the board."""
    now = utcnow()
    db.add(
        StateInterval(
            machine_id=world.machine_ids["SMT-1-PNP1"],
            start=now - timedelta(minutes=30),
            state="idle",
            reason="no_assignment",
        )
    )
    db.commit()
    service.refresh(db, now)
    db.commit()
    ada = _ok(
        mgr.post(
            f"{API}/operators",
            json={
                "code": "OP-1",
                "name": "Ada",
                "skills": ["smt_operator", "test_technician"],
                "area_ids": [world.area_ids["SMT"], world.area_ids["TEST"]],
            },
        ),
        201,
    )["id"]
    board = _ok(mgr.get(f"{API}/allocation/board", params={"which": "current"}))
    body = {
        "site_id": board["site_id"],
        "shift_key": board["shift"]["key"],
        "base_version": 0,
        "action": "assign",
        "operator_id": ada,
        "line_id": world.line_ids["TEST-1"],
        "reason": "start on test",
    }
    _ok(mgr.post(f"{API}/allocation/changes", json=body))
    return ada, board


def _accept_body(move: dict[str, Any], version: int) -> dict[str, Any]:
    return {
        "operator_id": move["operator_id"],
        "from_station": move["from_station"],
        "to_station": move["to_station"],
        "base_version": version,
        "gain_min": move["gain_min"],
    }


def test_an_accepted_suggestion_moves_the_operator_on_the_board(
    db: Session, world: World, as_role: dict[str, TestClient]
) -> None:
    mgr = as_role["manager"]
    ada, board = _setup(db, world, mgr)
    sug = _ok(mgr.get(f"{API}/idle/suggestions"))
    assert sug["accept_available"] is True
    assert sug["board_version"] == 1 and sug["shift_key"] == board["shift"]["key"]
    # Ada's station comes from the board, no longer unknown
    [move] = sug["moves"]
    assert (move["operator_id"], move["from_station"], move["to_station"]) == (
        ada,
        "TEST-1",
        "SMT-1",
    )
    assert move["gain_min"] > 0
    # planners read suggestions but may not accept them; operators neither
    assert _ok(as_role["planner"].get(f"{API}/idle/suggestions"))["accept_available"] is False
    body = _accept_body(move, sug["board_version"])
    r = as_role["operator"].post(f"{API}/idle/suggestions/accept", json=body)
    assert r.status_code == 403, r.text
    # a supervisor of SMT may not take Ada off TEST-1 (the board's area rule)
    r = as_role["supervisor"].post(f"{API}/idle/suggestions/accept", json=body)
    assert r.status_code == 403 and "TEST-1 is outside your areas" in r.json()["detail"]
    out = _ok(mgr.post(f"{API}/idle/suggestions/accept", json=body))
    reason = f"idle suggestion: +{round(move['gain_min'])} min"
    assert out == {
        "version": 2,
        "shift_key": board["shift"]["key"],
        "operator_id": ada,
        "line_id": world.line_ids["SMT-1"],
        "line_code": "SMT-1",
        "reason": reason,
    }
    after = _ok(mgr.get(f"{API}/allocation/board", params={"which": "current"}))
    assert after["version"] == 2
    assert after["assignments"] == [
        {"operator_id": ada, "line_id": world.line_ids["SMT-1"], "machine_id": None}
    ]
    history = _ok(mgr.get(f"{API}/allocation/history", params={"shift_key": board["shift"]["key"]}))
    assert [(h["version"], h["action"], h["reason"], h["actor"]) for h in history] == [
        (2, "move", reason, "user:manager"),
        (1, "assign", "start on test", "user:manager"),
    ]
    audited = db.scalars(
        select(AuditRecord).where(AuditRecord.entity == "allocation_versions")
    ).all()
    assert len(audited) == 2
    # the same suggestion again is stale: the board moved on (and Ada with it)
    r = mgr.post(f"{API}/idle/suggestions/accept", json=body)
    assert r.status_code == 409 and r.headers["content-type"].startswith("application/problem")
    # now Ada stands on SMT-1: nothing more to suggest
    assert _ok(mgr.get(f"{API}/idle/suggestions"))["moves"] == []


def test_a_conflicting_or_stale_suggestion_is_refused_and_nothing_changes(
    db: Session, world: World, as_role: dict[str, TestClient]
) -> None:
    mgr = as_role["manager"]
    ada, _board = _setup(db, world, mgr)
    sug = _ok(mgr.get(f"{API}/idle/suggestions"))
    [move] = sug["moves"]
    body = _accept_body(move, sug["board_version"])
    # stale: the version it was computed against is not the board's
    r = mgr.post(f"{API}/idle/suggestions/accept", json={**body, "base_version": 0})
    assert r.status_code == 409, r.text
    assert r.json()["errors"][0]["field"] == "base_version"
    # Ada falls ill after the suggestion: refused in words, as on the board
    now = utcnow()
    _ok(
        mgr.post(
            f"{API}/labour/absences",
            json={
                "operator_id": ada,
                "starts_at": (now - timedelta(hours=1)).isoformat(),
                "ends_at": (now + timedelta(hours=4)).isoformat(),
                "reason": "sick",
            },
        ),
        201,
    )
    r = mgr.post(f"{API}/idle/suggestions/accept", json=body)
    assert r.status_code == 409, r.text
    assert "absent (sick)" in r.json()["detail"]
    # an unknown line names the field
    r = mgr.post(f"{API}/idle/suggestions/accept", json={**body, "to_station": "NOPE"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "to_station"
    after = _ok(mgr.get(f"{API}/allocation/board", params={"which": "current"}))
    assert after["version"] == 1
    assert after["assignments"] == [
        {"operator_id": ada, "line_id": world.line_ids["TEST-1"], "machine_id": None}
    ]
