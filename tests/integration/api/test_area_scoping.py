"""Supervisors stay in their areas: operators they manage, quarantined events they read.

The supervisor of the fixture world has SMT only; TEST is another area. Before, a
supervisor could create an operator in another area, rename one, move one into their
own area, and read every area's quarantined payloads.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from linewise.core.time import utcnow
from linewise.ingest.models import QuarantinedEvent
from tests.conftest import World

OPS = "/api/v1/operators"


def _operator(client: TestClient, code: str, area_ids: list[int]) -> dict[str, Any]:
    r = client.post(OPS, json={"code": code, "name": code, "area_ids": area_ids})
    assert r.status_code == 201, r.text
    return dict(r.json())


def _fields(r: Any) -> list[str]:
    return [e["field"] for e in r.json().get("errors", [])]


def test_supervisor_cannot_touch_operators_of_other_areas(
    as_role: dict[str, TestClient], world: World
) -> None:
    smt, test = world.area_ids["SMT"], world.area_ids["TEST"]
    manager, sup = as_role["manager"], as_role["supervisor"]
    theirs = _operator(manager, "T-1", [test])
    shared = _operator(manager, "S-1", [smt, test])

    r = sup.post(OPS, json={"code": "X-1", "name": "x", "area_ids": [test]})
    assert r.status_code == 403 and "area_ids" in _fields(r), r.text
    r = sup.post(OPS, json={"code": "X-2", "name": "x", "area_ids": [smt, test]})
    assert r.status_code == 403, r.text
    r = sup.post(OPS, json={"code": "X-3", "name": "x"})  # no area: out of their sight
    assert r.status_code == 403, r.text
    for target in (theirs, shared):
        url = f"{OPS}/{target['id']}"
        r = sup.patch(url, json={"name": "renamed", "version": target["version"]})
        assert r.status_code == 403, r.text
        r = sup.patch(url, json={"area_ids": [smt], "version": target["version"]})
        assert r.status_code == 403, r.text
        r = sup.delete(url)
        assert r.status_code == 403, r.text
    r = manager.get(f"{OPS}/{theirs['id']}")
    assert r.json()["name"] == "T-1" and r.json()["area_ids"] == [test]
    assert manager.get(f"{OPS}/{shared['id']}").json()["area_ids"] == [smt, test]
    assert manager.get(OPS, params={"q": "X-"}).json()["total"] == 0


def test_supervisor_manages_operators_of_their_areas(
    as_role: dict[str, TestClient], world: World
) -> None:
    smt, test = world.area_ids["SMT"], world.area_ids["TEST"]
    sup = as_role["supervisor"]
    mine = _operator(sup, "M-1", [smt])
    url = f"{OPS}/{mine['id']}"
    r = sup.patch(url, json={"name": "renamed", "version": mine["version"]})
    assert r.status_code == 200, r.text
    # ... but cannot send their operator to another area, nor to none
    for areas in ([test], [smt, test], []):
        r = sup.patch(url, json={"area_ids": areas, "version": r.json()["version"]})
        assert r.status_code == 403, (areas, r.text)
        r = sup.get(url)
    assert sup.delete(url).status_code == 204
    # a manager is not area-scoped
    moved = _operator(as_role["manager"], "M-2", [smt])
    r = as_role["manager"].patch(
        f"{OPS}/{moved['id']}", json={"area_ids": [test], "version": moved["version"]}
    )
    assert r.status_code == 200 and r.json()["area_ids"] == [test]


def _quarantine(db: Session, source: str, payload: str) -> int:
    row = QuarantinedEvent(
        received_at=utcnow(), source=source, payload=payload, reason="test", field="ts"
    )
    db.add(row)
    db.commit()
    return row.id


def test_quarantine_is_read_within_areas(
    as_role: dict[str, TestClient], world: World, db: Session
) -> None:
    smt_event = _quarantine(db, "http:device:a", '{"id":"1","machine":"SMT-1-PNP1","ts":"x"}')
    test_event = _quarantine(db, "http:device:a", '{"id":"2","machine":"TEST-1-ICT","ts":"x"}')
    by_topic = _quarantine(db, "mqtt:linewise/v1/P1/TEST-1/TEST-1-ICT/state", '{"id":"3"}')
    smt_topic = _quarantine(db, "mqtt:linewise/v1/P1/SMT-1/SMT-1-PNP1/count", '{"id":"4"}')
    # the payload says one machine, the topic another: both must be the reader's
    mixed = _quarantine(
        db, "mqtt:linewise/v1/P1/TEST-1/TEST-1-ICT/state", '{"id":"5","machine":"SMT-1-PNP1"}'
    )
    unknown = _quarantine(db, "http:device:a", '[{"broken": ')
    nobody = _quarantine(db, "http:device:a", '{"id":"6","machine":"NO-SUCH"}')

    def ids(client: TestClient, **params: int) -> list[int]:
        r = client.get("/api/v1/ingest/quarantine", params=params)
        assert r.status_code == 200, r.text
        return [i["id"] for i in r.json()["items"]]

    everything = [nobody, unknown, mixed, smt_topic, by_topic, test_event, smt_event]
    assert ids(as_role["manager"]) == everything
    assert ids(as_role["admin"]) == everything
    assert ids(as_role["supervisor"]) == [smt_topic, smt_event]
    assert ids(as_role["supervisor"], limit=1) == [smt_topic]
    assert ids(as_role["supervisor"], limit=1, offset=1) == [smt_event]
    assert ids(as_role["supervisor"], offset=2) == []
