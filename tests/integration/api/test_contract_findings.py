"""Defects the schemathesis run found (issue 16), each kept fixed by a plain example."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from tests.conftest import World

API = "/api/v1"


def test_an_update_keeps_the_constraints_of_a_create(
    as_role: dict[str, TestClient], world: World
) -> None:
    # The update models were built from the bare annotations: a PATCH stored what a POST
    # refuses (a negative speed factor, an empty name, a code with spaces).
    admin = as_role["admin"]
    url = f"{API}/machines/{world.machine_ids['SMT-1-PNP1']}"
    version = admin.get(url).json()["version"]
    for body, field in (
        ({"speed_factor": -1.0}, "speed_factor"),
        ({"name": ""}, "name"),
        ({"code": "has spaces"}, "code"),
    ):
        r = admin.patch(url, json={**body, "version": version})
        assert r.status_code == 422, (body, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert [e["field"] for e in r.json()["errors"]] == [field]
    machine = admin.get(url).json()
    assert machine["speed_factor"] > 0 and machine["name"] and machine["version"] == version


def test_a_minor_stop_threshold_is_bounded_and_kpis_stay_answered(
    as_role: dict[str, TestClient], world: World
) -> None:
    # A threshold of 1e12 s was stored, and then every KPI of the machine's area answered
    # 500 (the rollup's closing day overflowed the date arithmetic).
    admin = as_role["admin"]
    body = {
        "line_id": world.line_ids["SMT-1"],
        "code": "SMT-1-AOI",
        "name": "AOI",
        "kind": "aoi",
        "minor_stop_threshold_s": 1e12,
    }
    r = admin.post(f"{API}/machines", json=body)
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == ["minor_stop_threshold_s"]
    url = f"{API}/machines/{world.machine_ids['SMT-1-PNP1']}"
    version = admin.get(url).json()["version"]
    r = admin.patch(url, json={"minor_stop_threshold_s": 1e12, "version": version})
    assert r.status_code == 422, r.text
    r = admin.get(f"{API}/kpi/area/{world.area_ids['SMT']}")
    assert r.status_code == 200, r.text


def test_an_unreadable_body_is_a_documented_400(
    as_role: dict[str, TestClient], world: World
) -> None:
    admin = as_role["admin"]
    r = admin.post(
        f"{API}/sites", content=b"K>\xff\xfeM", headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 400, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    doc = admin.get("/api/v1/openapi.json").json()
    assert "400" in doc["paths"]["/api/v1/sites"]["post"]["responses"]
    # An id in the body or query that names nothing answers 404, and says so.
    assert "404" in doc["paths"]["/api/v1/schedules"]["post"]["responses"]
    assert "404" in doc["paths"]["/api/v1/downtime/reasons"]["get"]["responses"]


def test_text_no_database_can_store_is_a_422_naming_the_field(
    as_role: dict[str, TestClient], world: World
) -> None:
    # A NUL reached PostgreSQL (500: text cannot hold it) and was stored on SQLite; a lone
    # surrogate cannot be encoded at all.
    admin = as_role["admin"]
    for name, message in (("tape\x00reel", "U+0000"), ("tape\ud800reel", "unicode")):
        body = {"line_id": world.line_ids["SMT-1"], "code": "AOI-1", "name": "AOI", "kind": name}
        r = admin.post(  # as JSON escapes: a lone surrogate has no UTF-8 to send raw
            f"{API}/machines",
            content=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        assert r.status_code == 422, r.text
        [error] = r.json()["errors"]
        assert error["field"] == "kind" and message in error["message"]
    r = admin.get(f"{API}/machines", params={"q": "AOI"})
    assert r.json()["total"] == 0
