"""Editing a record's nested parts is a change of the record (the browser's editors
send them whole): it bumps the version, so a stale copy gets 409 instead of silently
overwriting, and nested items keep their defaults when a PATCH leaves them out."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import World

API = "/api/v1"


def _calendar(c: TestClient, site_id: int) -> dict[str, object]:
    r = c.post(f"{API}/calendars", json={"code": "C1", "name": "Plant", "site_id": site_id})
    assert r.status_code == 201, r.text
    body: dict[str, object] = r.json()
    return body


def test_new_shifts_bump_the_calendar_version_and_a_stale_copy_gets_409(
    as_role: dict[str, TestClient], world: World
) -> None:
    c = as_role["planner"]
    cal = _calendar(as_role["admin"], world.site_id)
    shift = {"code": "EARLY", "start": "06:00", "end": "14:00"}
    r = c.patch(
        f"{API}/calendars/{cal['id']}", json={"version": cal["version"], "patterns": [shift]}
    )
    assert r.status_code == 200, r.text
    saved = r.json()
    assert saved["version"] == int(str(cal["version"])) + 1
    # Defaults of the nested item are kept although the PATCH did not send them.
    assert saved["patterns"][0]["name"] == ""
    assert saved["patterns"][0]["weekdays"] == [0, 1, 2, 3, 4]

    holiday = {"day": "2026-12-24", "name": "Christmas Eve"}
    stale = c.patch(
        f"{API}/calendars/{cal['id']}", json={"version": cal["version"], "holidays": [holiday]}
    )
    assert stale.status_code == 409, stale.text
    assert any(e["field"] == "version" for e in stale.json()["errors"])
    now = c.get(f"{API}/calendars/{cal['id']}").json()
    assert now["holidays"] == []
    assert [p["code"] for p in now["patterns"]] == ["EARLY"]


def test_new_areas_bump_the_operator_version(as_role: dict[str, TestClient], world: World) -> None:
    c = as_role["admin"]
    r = c.post(f"{API}/operators", json={"code": "OP-1", "name": "Ada", "skills": ["smt"]})
    assert r.status_code == 201, r.text
    op = r.json()
    moved = c.patch(
        f"{API}/operators/{op['id']}",
        json={"version": op["version"], "area_ids": [world.area_ids["SMT"]]},
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["version"] > op["version"]
    stale = c.patch(
        f"{API}/operators/{op['id']}",
        json={"version": op["version"], "area_ids": [world.area_ids["TEST"]]},
    )
    assert stale.status_code == 409, stale.text
    assert c.get(f"{API}/operators/{op['id']}").json()["area_ids"] == [world.area_ids["SMT"]]
