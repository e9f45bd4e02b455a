"""The unassigned-stop queue, reason assignment (audited) and area scoping of KPIs."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from linewise.core.audit import AuditRecord
from tests.conftest import World
from tests.integration.performance.conftest import DAY

SINCE = {"since": "2026-11-20T00:00:00Z"}


def test_queue_is_scoped_newest_first_and_assignment_feeds_the_pareto(
    as_role: dict[str, TestClient], world: World, day_data: dict[str, int], db: Session
) -> None:
    pnp = world.machine_ids["SMT-1-PNP1"]
    everyone = as_role["manager"].get("/api/v1/downtime/unassigned", params=SINCE).json()
    assert [(i["machine_code"], i["start"]) for i in everyone["items"]] == [
        ("SMT-1-PNP1", "2026-11-23T07:00:00+00:00"),
        ("TEST-1-ICT", "2026-11-23T06:00:00+00:00"),
    ]
    first = everyone["items"][0]
    assert (first["duration_s"], first["minor"], first["ongoing"]) == (1800, False, False)
    mine = as_role["operator"].get("/api/v1/downtime/unassigned", params=SINCE).json()
    assert [i["machine_code"] for i in mine["items"]] == ["SMT-1-PNP1"]

    reasons = as_role["operator"].get("/api/v1/downtime/reasons", params={"machine_id": pnp})
    codes = {r["code"] for r in reasons.json()["reasons"]}
    assert codes == {"pnp_fault", "material"}

    operator = as_role["operator"]
    body = {"machine_id": pnp, "start": first["start"], "reason_code_id": day_data["pnp_fault"]}
    wrong_class = operator.post(
        "/api/v1/downtime/assignments", json={**body, "reason_code_id": day_data["fixture_fault"]}
    )
    assert wrong_class.status_code == 422
    assert wrong_class.json()["errors"][0]["field"] == "reason_code_id"
    scrap = operator.post(
        "/api/v1/downtime/assignments", json={**body, "reason_code_id": day_data["solder_bridge"]}
    )
    assert scrap.status_code == 422
    no_stop = operator.post(
        "/api/v1/downtime/assignments", json={**body, "start": "2026-11-23T07:00:01Z"}
    )
    assert no_stop.status_code == 422 and no_stop.json()["errors"][0]["field"] == "start"
    ict = world.machine_ids["TEST-1-ICT"]
    outside = operator.post(
        "/api/v1/downtime/assignments",
        json={"machine_id": ict, "start": "2026-11-23T06:00:00Z", "reason_code_id": 1},
    )
    assert outside.status_code == 403
    assert as_role["planner"].post("/api/v1/downtime/assignments", json=body).status_code == 403

    done = operator.post("/api/v1/downtime/assignments", json=body)
    assert done.status_code == 200, done.text
    assert done.json()["reason"] == "pnp_fault"
    assert done.json()["assigned_by"] == "user:operator"
    left = operator.get("/api/v1/downtime/unassigned", params=SINCE).json()
    assert left["items"] == []
    audit = db.scalars(
        select(AuditRecord).where(AuditRecord.entity == "downtime_assignments")
    ).all()
    assert [a.action for a in audit] == ["create"]
    assert audit[0].actor == "user:operator"

    pareto = (
        as_role["operator"].get(f"/api/v1/kpi/machine/{pnp}/pareto", params={"day": DAY}).json()
    )
    assert {r["key"]: r["duration_s"] for r in pareto["rows"]} == {
        "pnp_fault": 1800,
        "nozzle_jam": 60,
    }
    again = operator.post(
        "/api/v1/downtime/assignments", json={**body, "reason_code_id": day_data["material"]}
    )
    assert again.status_code == 200 and again.json()["version"] == 2
    db.rollback()  # end the test's read snapshot
    actions = db.scalars(
        select(AuditRecord.action)
        .where(AuditRecord.entity == "downtime_assignments")
        .order_by(AuditRecord.seq)
    ).all()
    assert list(actions) == ["create", "update"]


def test_kpis_are_area_scoped(
    as_role: dict[str, TestClient], world: World, day_data: dict[str, int]
) -> None:
    operator = as_role["operator"]
    test_area = world.area_ids["TEST"]
    assert operator.get(f"/api/v1/kpi/area/{test_area}", params={"day": DAY}).status_code == 403
    ict = world.machine_ids["TEST-1-ICT"]
    assert operator.get(f"/api/v1/kpi/machine/{ict}/explain").status_code == 403
    assert operator.get(f"/api/v1/kpi/line/{world.line_ids['TEST-1']}").status_code == 403
    site = operator.get(f"/api/v1/kpi/site/{world.site_id}", params={"day": DAY}).json()
    assert site["scope"]["restricted_to_areas"] == [world.area_ids["SMT"]]
    assert [m["code"] for m in site["machines"]] == ["SMT-1-PNP1"]
    smt = operator.get(f"/api/v1/kpi/area/{world.area_ids['SMT']}", params={"day": DAY})
    assert smt.status_code == 200
    manager_site = as_role["manager"].get(f"/api/v1/kpi/site/{world.site_id}")
    assert manager_site.json()["scope"]["restricted_to_areas"] is None
