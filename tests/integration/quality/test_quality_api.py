"""The quality API on SQLite and PostgreSQL: plans and characteristics, results by serial
and by count, SPC on each reading, first pass yield and DPMO from known inputs, the defect
Pareto, nonconformances with holds and dispositions; hostile input writes nothing."""

from __future__ import annotations

import itertools
import math
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from linewise.core.time import utcnow
from linewise.domains.quality.models import Inspection, Measurement
from tests.conftest import World

API = "/api/v1"


def _ok(r: Any, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    return r.json()


def _setup(world: World, planner: TestClient) -> dict[str, int]:
    root = _ok(
        planner.post(
            f"{API}/quality/defect-codes",
            json={"family": "ctrl", "code": "SOLDER", "name": "Soldering"},
        ),
        201,
    )["id"]
    _ok(
        planner.post(
            f"{API}/quality/defect-codes",
            json={"family": "ctrl", "code": "BRIDGE", "name": "Solder bridge", "parent_id": root},
        ),
        201,
    )
    plan = _ok(
        planner.post(
            f"{API}/quality/plans",
            json={
                "product_id": world.product_id,
                "step_seq": 2,
                "name": "ICT",
                "sampling": "every",
                "opportunities_per_unit": 200,
            },
        ),
        201,
    )["id"]
    volt = _ok(
        planner.post(
            f"{API}/quality/characteristics",
            json={
                "plan_id": plan,
                "name": "U_out",
                "kind": "variable",
                "nominal": 5.0,
                "lsl": 4.7,
                "usl": 5.3,
                "unit": "V",
                "chart": "imr",
                "rules": ["nelson1", "nelson2", "nelson3"],
            },
        ),
        201,
    )["id"]
    return {"plan": plan, "volt": volt}


def test_results_spc_figures_and_pareto(
    as_role: dict[str, TestClient], world: World, db: Session
) -> None:
    ids = _setup(world, as_role["planner"])
    op = as_role["operator"]
    t0 = utcnow() - timedelta(hours=2)
    base = [4.99, 5.01, 5.00, 5.02, 4.98, 5.00, 5.01, 4.99, 5.00, 5.02]
    for i, v in enumerate(base * 2):
        out = _ok(
            op.post(
                f"{API}/quality/inspections",
                json={
                    "product_id": world.product_id,
                    "step_seq": 2,
                    "plan_id": ids["plan"],
                    "machine_id": world.machine_ids["SMT-1-PNP1"],
                    "method": "aoi",
                    "serial": f"SN-{i:03d}",
                    "inspected_at": (t0 + timedelta(minutes=i)).isoformat(),
                    "measurements": [{"characteristic_id": ids["volt"], "value": v}],
                },
            ),
            201,
        )
        assert out["passed"] and out["first_pass"] and out["violations"] == []
    # a reading inside the specification but far outside the control limits
    out = _ok(
        op.post(
            f"{API}/quality/inspections",
            json={
                "product_id": world.product_id,
                "step_seq": 2,
                "plan_id": ids["plan"],
                "serial": "SN-020",
                "inspected_at": (t0 + timedelta(minutes=20)).isoformat(),
                "measurements": [{"characteristic_id": ids["volt"], "value": 5.25}],
                "defects": [
                    {"code": "BRIDGE", "ref_designator": "U7"},
                    {"code": "BRIDGE", "ref_designator": "U7"},
                    {"code": "TOMBSTONE", "ref_designator": "C12"},
                ],
            },
        ),
        201,
    )
    assert out["violations"] == ["nelson1"]
    assert not out["passed"]  # defects make the unit fail though the value is in spec
    assert [d["defect_code_id"] is not None for d in out["defects"]] == [True, True, False]
    # the retest after repair is not a first pass
    retest = _ok(
        op.post(
            f"{API}/quality/inspections",
            json={
                "product_id": world.product_id,
                "step_seq": 2,
                "serial": "SN-020",
                "passed": True,
                "inspected_at": (t0 + timedelta(minutes=30)).isoformat(),
            },
        ),
        201,
    )
    assert retest["first_pass"] is False

    char = _ok(op.get(f"{API}/quality/characteristics/{ids['volt']}"))
    assert char["out_of_control_since"] is not None
    chart = _ok(op.get(f"{API}/quality/characteristics/{ids['volt']}/chart"))
    assert len(chart["points"]) == 21 and len(chart["secondary"]) == 20
    assert chart["points"][-1]["violations"] == ["nelson1"]
    assert chart["points"][-1]["value"] > chart["ucl"]
    assert chart["capability"]["pp"] is not None
    # capability over all 21 values: Pp = 0.6 / (6 s)
    values = [*base * 2, 5.25]
    mean = sum(values) / 21
    s = (sum((v - mean) ** 2 for v in values) / 20) ** 0.5
    assert abs(chart["capability"]["pp"] - 0.6 / (6 * s)) < 1e-9

    fig = _ok(
        op.get(f"{API}/quality/figures", params={"from": (t0 - timedelta(hours=1)).isoformat()})
    )
    # 21 units first inspected, 20 good first time
    assert (fig["inspected"], fig["first_pass_good"]) == (21, 20)
    assert abs(fig["fpy"] - 20 / 21) < 1e-12
    assert fig["steps"][0]["basis"] == "serials"
    # DPMO: 3 defects over 21 units x 200 opportunities (the retest has no plan)
    assert fig["defects"] == 3
    assert fig["opportunities"] == 21 * 200
    assert abs(fig["dpmo"] - 3 / (21 * 200) * 1e6) < 1e-6

    par = _ok(op.get(f"{API}/quality/pareto", params={"by": "ref", "from": t0.isoformat()}))
    assert [(r["key"], r["count"]) for r in par["rows"]] == [("U7", 2), ("C12", 1)]
    assert abs(par["rows"][0]["share"] - 2 / 3) < 1e-12
    par = _ok(op.get(f"{API}/quality/pareto", params={"by": "machine", "from": t0.isoformat()}))
    assert par["rows"][0]["key"] == "unassigned"  # the failing result named no machine

    history = _ok(op.get(f"{API}/quality/inspections", params={"serial": "SN-020"}))
    assert history["total"] == 2
    # the operator may not clear the mark, the supervisor may
    assert op.post(f"{API}/quality/characteristics/{ids['volt']}/acknowledge").status_code == 403
    cleared = _ok(
        as_role["supervisor"].post(f"{API}/quality/characteristics/{ids['volt']}/acknowledge")
    )
    assert cleared["out_of_control_since"] is None


def test_counts_without_serials(as_role: dict[str, TestClient], world: World) -> None:
    op = as_role["operator"]
    for qty, good, step in ((100, 95, 1), (50, 45, 2)):
        _ok(
            op.post(
                f"{API}/quality/inspections",
                json={
                    "product_id": world.product_id,
                    "step_seq": step,
                    "quantity": qty,
                    "passed_quantity": good,
                    "passed": False,
                },
            ),
            201,
        )
    fig = _ok(op.get(f"{API}/quality/figures"))
    assert [(s["basis"], s["fpy"]) for s in fig["steps"]] == [("counts", 0.95), ("counts", 0.9)]
    assert abs(fig["rty"] - 0.95 * 0.9) < 1e-12
    assert fig["dpmo"] is None


def test_nonconformance_hold_and_disposition(as_role: dict[str, TestClient], world: World) -> None:
    op, mgr = as_role["operator"], as_role["supervisor"]
    _ok(
        op.post(
            f"{API}/quality/inspections",
            json={
                "product_id": world.product_id,
                "step_seq": 2,
                "quantity": 40,
                "passed_quantity": 40,
            },
        ),
        201,
    )
    ncr = _ok(
        op.post(
            f"{API}/quality/nonconformances",
            json={
                "product_id": world.product_id,
                "description": "cracked housings",
                "quantity": 4,
                "serial_from": "SN-100",
                "serial_to": "SN-199",
            },
        ),
        201,
    )
    assert ncr["hold"] and ncr["status"] == "open"
    assert _ok(op.get(f"{API}/quality/holds", params={"serial": "SN-150"}))["held"] is True
    assert _ok(op.get(f"{API}/quality/holds", params={"serial": "SN-200"}))["held"] is False
    body = {"disposition": "scrap", "version": ncr["version"]}
    r = op.post(f"{API}/quality/nonconformances/{ncr['id']}/disposition", json=body)
    assert r.status_code == 403
    stale = mgr.post(
        f"{API}/quality/nonconformances/{ncr['id']}/disposition", json={**body, "version": 99}
    )
    assert stale.status_code == 409
    done = _ok(mgr.post(f"{API}/quality/nonconformances/{ncr['id']}/disposition", json=body))
    assert (done["status"], done["disposition"], done["hold"]) == ("closed", "scrap", False)
    assert _ok(op.get(f"{API}/quality/holds", params={"serial": "SN-150"}))["held"] is False
    again = mgr.post(
        f"{API}/quality/nonconformances/{ncr['id']}/disposition",
        json={**body, "version": done["version"]},
    )
    assert again.status_code == 409
    fig = _ok(op.get(f"{API}/quality/figures"))
    assert fig["scrap_quantity"] == 4 and abs(fig["scrap_ratio"] - 4 / 40) < 1e-12
    # a hold needs something to hold
    r = op.post(
        f"{API}/quality/nonconformances",
        json={"product_id": world.product_id, "description": "x", "hold": True},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "hold"


def test_hostile_results_write_nothing(
    as_role: dict[str, TestClient], world: World, db: Session
) -> None:
    ids = _setup(world, as_role["planner"])
    op = as_role["operator"]
    cases = [
        (
            {"measurements": [{"characteristic_id": 999999, "value": 1.0}]},
            "measurements.0.characteristic_id",
        ),
        ({"measurements": [{"characteristic_id": ids["volt"]}]}, "measurements.0.value"),
        ({"plan_id": 999999}, "plan_id"),
        ({"serial": "A", "quantity": 2}, "quantity"),
        ({"quantity": 2, "passed_quantity": 3}, "passed_quantity"),
    ]
    for extra, field in cases:
        r = op.post(
            f"{API}/quality/inspections",
            json={"product_id": world.product_id, "step_seq": 2, **extra},
        )
        assert r.status_code == 422, (extra, r.text)
        assert field in [e["field"] for e in r.json()["errors"]], r.json()
    r = op.post(
        f"{API}/quality/inspections",
        json={
            "product_id": world.product_id,
            "step_seq": 2,
            "measurements": [{"characteristic_id": ids["volt"], "value": "NaN"}],
        },
    )
    assert r.status_code == 422
    db.expire_all()
    assert db.scalar(select(func.count(Inspection.id))) == 0
    assert db.scalar(select(func.count(Measurement.id))) == 0
    # planners keep plans; operators may not
    assert (
        op.post(
            f"{API}/quality/plans",
            json={"product_id": world.product_id, "step_seq": 1, "name": "x"},
        ).status_code
        == 403
    )
    assert (
        as_role["planner"]
        .post(f"{API}/quality/inspections", json={"product_id": world.product_id, "step_seq": 1})
        .status_code
        == 403
    )
    bad = as_role["planner"].post(
        f"{API}/quality/characteristics",
        json={"plan_id": ids["plan"], "name": "L", "kind": "variable", "lsl": 2.0, "usl": 1.0},
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "usl"


def test_an_spc_violation_raises_an_alert_until_the_mark_is_cleared(
    as_role: dict[str, TestClient], world: World, db: Session
) -> None:
    from linewise.domains.alerts import service as alerts

    ids = _setup(world, as_role["planner"])
    _ok(
        as_role["manager"].post(
            f"{API}/alert-rules",
            json={"name": "SPC", "kind": "spc_violation", "severity": "high",
                  "threshold_minutes": 0},
        ),
        201,
    )  # fmt: skip
    t0 = utcnow() - timedelta(hours=1)
    values = [5.0, 5.01, 4.99, 5.0, 5.02, 4.98, 5.0, 5.01, 4.99, 5.0, 5.28]
    out: dict[str, Any] = {}
    for i, v in enumerate(values):
        out = _ok(
            as_role["operator"].post(
                f"{API}/quality/inspections",
                json={
                    "product_id": world.product_id,
                    "step_seq": 2,
                    "machine_id": world.machine_ids["SMT-1-PNP1"],
                    "serial": f"A{i}",
                    "inspected_at": (t0 + timedelta(minutes=i)).isoformat(),
                    "measurements": [{"characteristic_id": ids["volt"], "value": v}],
                },
            ),
            201,
        )
    assert out["violations"] == ["nelson1"]
    db.expire_all()
    [alert] = alerts.evaluate(db, [])
    db.commit()
    assert alert.machine_id == world.machine_ids["SMT-1-PNP1"]
    assert alert.area_id == world.area_ids["SMT"]
    assert alert.message == "Out of control: U_out (nelson1)"
    # the operator of the area sees it
    seen = _ok(as_role["operator"].get(f"{API}/alerts"))
    assert [a["kind"] for a in seen] == ["spc_violation"]
    _ok(as_role["supervisor"].post(f"{API}/quality/characteristics/{ids['volt']}/acknowledge"))
    db.expire_all()
    assert alerts.evaluate(db, []) == []
    db.commit()
    seen = _ok(as_role["operator"].get(f"{API}/alerts", params={"state": "resolved"}))
    assert [a["kind"] for a in seen] == ["spc_violation"]


def test_a_held_lot_cannot_move_until_dispositioned(
    as_role: dict[str, TestClient], world: World
) -> None:
    planner, mgr = as_role["planner"], as_role["supervisor"]
    paste = _ok(planner.post(f"{API}/materials", json={"code": "PASTE", "name": "Paste"}), 201)
    store = _ok(planner.post(f"{API}/stock-locations", json={
        "site_id": world.site_id, "code": "ST", "name": "Store",
        "kind": "store"}), 201)  # fmt: skip
    side = _ok(planner.post(f"{API}/stock-locations", json={
        "site_id": world.site_id, "code": "LS", "name": "Line side", "kind": "line_side",
        "line_id": world.line_ids["SMT-1"]}), 201)  # fmt: skip
    _ok(as_role["admin"].post(f"{API}/stock-movements/receipts", json={
        "material_id": paste["id"], "qty": 100, "lot": "PASTE-7",
        "location_id": store["id"]}), 201)  # fmt: skip
    ncr = _ok(mgr.post(f"{API}/quality/nonconformances", json={
        "product_id": world.product_id, "description": "paste past its shelf life",
        "lot": "PASTE-7"}), 201)  # fmt: skip
    move = {"material_id": paste["id"], "qty": 10, "lot": "PASTE-7",
            "from_location_id": store["id"], "to_location_id": side["id"]}  # fmt: skip
    r = planner.post(f"{API}/stock-movements/transfers", json=move)
    assert r.status_code == 409, r.text
    assert r.json()["errors"][0]["field"] == "lot"
    _ok(mgr.post(f"{API}/quality/nonconformances/{ncr['id']}/disposition",
                 json={"disposition": "use_as_is", "version": ncr["version"]}))  # fmt: skip
    _ok(planner.post(f"{API}/stock-movements/transfers", json=move), 201)


def test_frozen_limits_keep_the_chart_of_a_drift(
    as_role: dict[str, TestClient], world: World
) -> None:
    """Phase I limits widen with a drift; frozen (phase II) ones stay where the stable
    process put them, and the drift breaks them."""
    ids = _setup(world, as_role["planner"])
    op, planner = as_role["operator"], as_role["planner"]
    t0 = utcnow() - timedelta(hours=3)
    stable = [5.0, 5.01, 4.99, 5.0, 5.02, 4.98, 5.0, 5.01, 4.99, 5.0]

    def record(i: int, v: float) -> dict[str, Any]:
        return _ok(op.post(f"{API}/quality/inspections", json={
            "product_id": world.product_id, "step_seq": 2, "serial": f"F{i}",
            "inspected_at": (t0 + timedelta(minutes=i)).isoformat(),
            "measurements": [{"characteristic_id": ids["volt"], "value": v}]}), 201)  # fmt: skip

    for i, v in enumerate(stable):
        record(i, v)
    frozen = _ok(planner.post(f"{API}/quality/characteristics/{ids['volt']}/freeze-limits"))
    mr = [abs(b - a) for a, b in itertools.pairwise(stable)]
    sigma = sum(mr) / len(mr) / (2 / math.pi**0.5)  # MR-bar / d2(2)
    assert abs(frozen["center"] - sum(stable) / 10) < 1e-12
    assert abs(frozen["sigma"] - sigma) < 1e-12
    chart = _ok(op.get(f"{API}/quality/characteristics/{ids['volt']}/chart"))
    before_ucl = chart["ucl"]
    # a drift of 0.02 per unit: phase II limits stay, the tenth drifted point is far out
    fired = [record(10 + i, 5.0 + 0.02 * (i + 1))["violations"] for i in range(10)]
    chart = _ok(op.get(f"{API}/quality/characteristics/{ids['volt']}/chart"))
    assert chart["ucl"] == before_ucl
    assert "nelson1" in fired[-1]
    assert any("nelson3" in f for f in fired)  # six points steadily increasing
    now = _ok(planner.get(f"{API}/quality/characteristics/{ids['volt']}"))
    bad = planner.patch(
        f"{API}/quality/characteristics/{ids['volt']}",
        json={"center": 5.0, "sigma": None},
        headers={"If-Match": f'"{now["version"]}"'},
    )
    assert bad.status_code == 422, bad.text


def _verdict(
    op: TestClient, world: World, plan: int, char: int, serial: str | None, **result: Any
) -> Any:
    passed = result.pop("verdict")
    return _ok(
        op.post(
            f"{API}/quality/inspections",
            json={
                "product_id": world.product_id,
                "step_seq": 2,
                "plan_id": plan,
                "serial": serial,
                "measurements": [{"characteristic_id": char, "passed": passed}],
                **result,
            },
        ),
        201,
    )


def test_attribute_characteristics_draw_p_np_and_u_charts(
    as_role: dict[str, TestClient], world: World
) -> None:
    """Pass/fail verdicts in samples of ``subgroup_size`` feed a p chart (np, u on
    request); limits and the violation checked against the textbook formulas."""
    planner, op = as_role["planner"], as_role["operator"]
    ids = _setup(world, planner)
    plan = ids["plan"]
    # an attribute is charted as p, np or u; a variable is not
    bad = planner.post(
        f"{API}/quality/characteristics",
        json={"plan_id": plan, "name": "Visual", "kind": "attribute", "chart": "imr"},
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "chart"
    bad = planner.patch(
        f"{API}/quality/characteristics/{ids['volt']}", json={"chart": "p", "version": 1}
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "chart"
    visual = _ok(
        planner.post(
            f"{API}/quality/characteristics",
            json={
                "plan_id": plan,
                "name": "Visual",
                "kind": "attribute",
                "subgroup_size": 5,
                "rules": ["nelson1"],
            },
        ),
        201,
    )
    assert visual["chart"] == "p"  # the default of an attribute
    # ten samples of five units; the failed units carry one defect each, the last
    # sample's first failure three
    fails = [1, 0, 0, 1, 0, 1, 0, 0, 1, 4]
    t0 = utcnow() - timedelta(hours=3)
    unit = itertools.count()
    for sample, bad_units in enumerate(fails):
        for k in range(5):
            i = next(unit)
            failed = k < bad_units
            qty = 3 if (sample == 9 and k == 0) else 1
            out = _verdict(
                op, world, plan, visual["id"], f"V-{i:03d}",
                verdict=not failed,
                inspected_at=(t0 + timedelta(minutes=i)).isoformat(),
                defects=[{"code": "SCRATCH", "quantity": qty}] if failed else [],
            )  # fmt: skip
            last_of_last = sample == 9 and k == 4
            assert out["violations"] == (["nelson1"] if last_of_last else []), (sample, k)
    # a verdict of the next sample: not charted until its sample is complete
    _verdict(op, world, plan, visual["id"], "V-050", verdict=False)

    p_bar = 8 / 50
    s = math.sqrt(p_bar * (1 - p_bar) / 5)
    chart = _ok(op.get(f"{API}/quality/characteristics/{visual['id']}/chart"))
    assert chart["kind"] == "p" and chart["statistic"] == "fraction_nonconforming"
    assert [p["value"] for p in chart["points"]] == [f / 5 for f in fails]
    assert abs(chart["center"] - p_bar) < 1e-12
    assert abs(chart["ucl"] - (p_bar + 3 * s)) < 1e-12 and chart["lcl"] == 0.0
    assert [p["violations"] for p in chart["points"]] == [[]] * 9 + [["nelson1"]]
    assert [x["units"] for x in chart["samples"]] == [5] * 10
    assert chart["points"][-1]["at"] is not None and chart["capability"] is None
    marked = _ok(op.get(f"{API}/quality/out-of-control"))
    assert [c["rules"] for c in marked if c["characteristic_id"] == visual["id"]] == [["nelson1"]]

    visual = _ok(op.get(f"{API}/quality/characteristics/{visual['id']}"))  # marked: new version
    visual = _ok(
        planner.patch(
            f"{API}/quality/characteristics/{visual['id']}",
            json={"chart": "np", "version": visual["version"]},
        )
    )
    chart = _ok(op.get(f"{API}/quality/characteristics/{visual['id']}/chart"))
    np_s = math.sqrt(5 * p_bar * (1 - p_bar))
    assert chart["kind"] == "np" and [p["value"] for p in chart["points"]] == fails
    assert abs(chart["center"] - 5 * p_bar) < 1e-12
    assert abs(chart["ucl"] - (5 * p_bar + 3 * np_s)) < 1e-12

    visual = _ok(
        planner.patch(
            f"{API}/quality/characteristics/{visual['id']}",
            json={"chart": "u", "version": visual["version"]},
        )
    )
    chart = _ok(op.get(f"{API}/quality/characteristics/{visual['id']}/chart"))
    counts = [1, 0, 0, 1, 0, 1, 0, 0, 1, 6]
    u_bar = 10 / 50
    assert chart["kind"] == "u" and [x["nonconformities"] for x in chart["samples"]] == counts
    assert [p["value"] for p in chart["points"]] == [c / 5 for c in counts]
    assert abs(chart["center"] - u_bar) < 1e-12
    assert abs(chart["ucl"] - (u_bar + 3 * math.sqrt(u_bar / 5))) < 1e-12
    assert chart["points"][-1]["violations"] == ["nelson1"]

    # counts without serials: a sample per result, of its quantity (p with limits per
    # sample); an np chart needs samples of one size and says so
    label = _ok(
        planner.post(
            f"{API}/quality/characteristics",
            json={"plan_id": plan, "name": "Label", "kind": "attribute", "rules": []},
        ),
        201,
    )
    _verdict(op, world, plan, label["id"], None, verdict=False, quantity=10, passed_quantity=7)
    _verdict(op, world, plan, label["id"], None, verdict=True, quantity=20)
    chart = _ok(op.get(f"{API}/quality/characteristics/{label['id']}/chart"))
    assert [(x["units"], x["nonconforming"]) for x in chart["samples"]] == [(10, 3), (20, 0)]
    assert abs(chart["points"][0]["ucl"] - (0.1 + 3 * math.sqrt(0.09 / 10))) < 1e-12
    assert abs(chart["points"][1]["ucl"] - (0.1 + 3 * math.sqrt(0.09 / 20))) < 1e-12
    label = _ok(
        planner.patch(
            f"{API}/quality/characteristics/{label['id']}",
            json={"chart": "np", "version": label["version"]},
        )
    )
    chart = _ok(op.get(f"{API}/quality/characteristics/{label['id']}/chart"))
    assert chart["points"] == [] and "one size" in chart["note"]


def test_plans_and_characteristics_with_readings_are_not_deleted(
    as_role: dict[str, TestClient], world: World, db: Session
) -> None:
    """Deleting a characteristic would delete its readings (the database cascades): a
    plan or characteristic with readings is refused (409), one without is deleted; only
    roles with quality:plans edit them."""
    planner, op = as_role["planner"], as_role["operator"]
    ids = _setup(world, planner)
    spare = _ok(
        planner.post(
            f"{API}/quality/characteristics",
            json={"plan_id": ids["plan"], "name": "Spare", "kind": "attribute"},
        ),
        201,
    )
    denied = op.post(
        f"{API}/quality/plans",
        json={"product_id": world.product_id, "step_seq": 1, "name": "AOI"},
    )
    assert denied.status_code == 403
    assert op.delete(f"{API}/quality/characteristics/{spare['id']}").status_code == 403
    _ok(
        op.post(
            f"{API}/quality/inspections",
            json={
                "product_id": world.product_id,
                "step_seq": 2,
                "plan_id": ids["plan"],
                "serial": "SN-1",
                "measurements": [{"characteristic_id": ids["volt"], "value": 5.0}],
            },
        ),
        201,
    )
    for path in (f"quality/plans/{ids['plan']}", f"quality/characteristics/{ids['volt']}"):
        r = planner.delete(f"{API}/{path}")
        assert r.status_code == 409, r.text
        assert "readings" in r.json()["detail"]
    assert db.scalar(select(func.count(Measurement.id))) == 1
    assert planner.delete(f"{API}/quality/characteristics/{spare['id']}").status_code == 204
    assert planner.get(f"{API}/quality/characteristics/{spare['id']}").status_code == 404


def test_an_xbar_chart_keeps_its_subgroups_beyond_the_chart_window(
    as_role: dict[str, TestClient], world: World
) -> None:
    """Subgroups are counted from the first reading: past the chart's window (125
    readings) a new reading does not regroup the older ones, and the reading that
    completes a subgroup is evaluated (it used to be never, once the window was full and
    its size not a multiple of the subgroup size)."""
    planner, op = as_role["planner"], as_role["operator"]
    ids = _setup(world, planner)
    char = _ok(
        planner.post(
            f"{API}/quality/characteristics",
            json={"plan_id": ids["plan"], "name": "Height", "kind": "variable",
                  "chart": "xbar_r", "subgroup_size": 4, "rules": ["nelson1"]},
        ),
        201,
    )["id"]  # fmt: skip
    t0 = utcnow() - timedelta(hours=3)
    values = [5.0 + 0.01 * ((i * 7) % 5 - 2) for i in range(128)] + [5.3] * 4 + [5.0]
    for i, v in enumerate(values):
        out = _ok(
            op.post(
                f"{API}/quality/inspections",
                json={
                    "product_id": world.product_id,
                    "step_seq": 2,
                    "plan_id": ids["plan"],
                    "inspected_at": (t0 + timedelta(minutes=i)).isoformat(),
                    "measurements": [{"characteristic_id": char, "value": v}],
                },
            ),
            201,
        )
        assert out["violations"] == (["nelson1"] if i == 131 else []), i
    chart = _ok(op.get(f"{API}/quality/characteristics/{char}/chart"))
    # 124 readings (31 subgroups) ending with the 132nd; the 133rd waits for its subgroup
    assert len(chart["points"]) == 31
    assert abs(chart["points"][-1]["value"] - 5.3) < 1e-12
    assert chart["points"][-1]["violations"] == ["nelson1"]
    first = values[8:12]  # the window starts at the 9th reading, a subgroup's first
    assert abs(chart["points"][0]["value"] - sum(first) / 4) < 1e-12


def test_figures_of_one_line(as_role: dict[str, TestClient], world: World) -> None:
    """The KPI page's line cards and explain panel: FPY and DPMO of the results recorded
    on one line, with the units and defects behind them."""
    ids = _setup(world, as_role["planner"])
    mgr = as_role["manager"]  # sees every line
    t0 = utcnow() - timedelta(hours=1)
    results = [
        # SMT-1: 4 units, 3 good first time, one with 2 defects, then its retest
        ("SMT-1-PNP1", "S-1", True, []),
        ("SMT-1-PNP1", "S-2", True, []),
        ("SMT-1-PNP1", "S-3", False, [{"code": "BRIDGE", "ref_designator": "U7", "quantity": 2}]),
        ("SMT-1-PNP1", "S-4", True, []),
        ("SMT-1-PNP1", "S-3", True, []),
        # TEST-1: 2 units, both good, one defect recorded on a passed unit (cosmetic)
        ("TEST-1-ICT", "T-1", True, []),
        ("TEST-1-ICT", "T-2", True, [{"code": "SCRATCH"}]),
    ]
    for i, (machine, serial, passed, defects) in enumerate(results):
        _ok(
            mgr.post(
                f"{API}/quality/inspections",
                json={
                    "product_id": world.product_id,
                    "step_seq": 2,
                    "plan_id": ids["plan"],
                    "machine_id": world.machine_ids[machine],
                    "serial": serial,
                    "passed": passed,
                    "inspected_at": (t0 + timedelta(minutes=i)).isoformat(),
                    "defects": defects,
                },
            ),
            201,
        )
    window = {"from": (t0 - timedelta(minutes=5)).isoformat()}
    smt = _ok(
        mgr.get(f"{API}/quality/figures", params={**window, "line_id": world.line_ids["SMT-1"]})
    )
    assert (smt["inspected"], smt["first_pass_good"]) == (4, 3)
    assert smt["fpy"] == 3 / 4 and smt["rty"] == 3 / 4
    # the retest's units count for DPMO (units x 200 opportunities), its first pass not
    assert (smt["defects"], smt["opportunities"]) == (2, 5 * 200)
    assert abs(smt["dpmo"] - 2 / (5 * 200) * 1e6) < 1e-9 and smt["dpmo_defects"] == 2
    assert smt["scrap_ratio"] is None and smt["rework_ratio"] is None  # no line on an NC
    test = _ok(
        mgr.get(f"{API}/quality/figures", params={**window, "line_id": world.line_ids["TEST-1"]})
    )
    assert (test["inspected"], test["first_pass_good"], test["fpy"]) == (2, 2, 1.0)
    assert (test["defects"], test["opportunities"]) == (1, 2 * 200)
    assert abs(test["dpmo"] - 1 / (2 * 200) * 1e6) < 1e-9
    site = _ok(mgr.get(f"{API}/quality/figures", params=window))
    assert (site["inspected"], site["first_pass_good"], site["defects"]) == (6, 5, 3)
    # an operator (SMT area) sees nothing of the test line, asked by its id
    op = as_role["operator"]
    hidden = _ok(
        op.get(f"{API}/quality/figures", params={**window, "line_id": world.line_ids["TEST-1"]})
    )
    assert (hidden["inspected"], hidden["fpy"], hidden["dpmo"]) == (0, None, None)
    seen = _ok(
        op.get(f"{API}/quality/figures", params={**window, "line_id": world.line_ids["SMT-1"]})
    )
    assert seen["inspected"] == 4
    # the defects behind them, by code, of one line
    par = _ok(
        mgr.get(f"{API}/quality/pareto", params={**window, "line_id": world.line_ids["TEST-1"]})
    )
    assert [(r["key"], r["count"]) for r in par["rows"]] == [("SCRATCH", 1)]
    par = _ok(
        mgr.get(f"{API}/quality/pareto", params={**window, "line_id": world.line_ids["SMT-1"]})
    )
    assert [(r["key"], r["count"]) for r in par["rows"]] == [("BRIDGE", 2)]


def test_first_pass_yield_by_machine_and_by_area(
    as_role: dict[str, TestClient], world: World
) -> None:
    """FPY per machine and per area in the figures, from hand-counted results, and the
    figures of one area (SQLite and PostgreSQL)."""
    ids = _setup(world, as_role["planner"])
    mgr = as_role["manager"]
    t0 = utcnow() - timedelta(hours=1)
    results: list[dict[str, Any]] = [
        # SMT-1's placer: 4 units, 3 good first time (S-3's retest is no first pass)
        {"machine": "SMT-1-PNP1", "serial": "S-1", "passed": True},
        {"machine": "SMT-1-PNP1", "serial": "S-2", "passed": True},
        {"machine": "SMT-1-PNP1", "serial": "S-3", "passed": False},
        {"machine": "SMT-1-PNP1", "serial": "S-4", "passed": True},
        {"machine": "SMT-1-PNP1", "serial": "S-3", "passed": True},
        # the test line's ICT: 3 units, 2 good first time
        {"machine": "TEST-1-ICT", "serial": "T-1", "passed": True},
        {"machine": "TEST-1-ICT", "serial": "T-2", "passed": False},
        {"machine": "TEST-1-ICT", "serial": "T-3", "passed": True},
        # a count of 10 on SMT-1 by hand (no machine): 7 good first time
        {"line": "SMT-1", "quantity": 10, "passed_quantity": 7},
    ]
    for i, r in enumerate(results):
        body: dict[str, Any] = {
            "product_id": world.product_id,
            "step_seq": 2,
            "plan_id": ids["plan"],
            "inspected_at": (t0 + timedelta(minutes=i)).isoformat(),
        }
        if "machine" in r:
            body |= {"machine_id": world.machine_ids[r["machine"]], "serial": r["serial"],
                     "passed": r["passed"]}  # fmt: skip
        else:
            body |= {"line_id": world.line_ids[r["line"]], "quantity": r["quantity"],
                     "passed_quantity": r["passed_quantity"]}  # fmt: skip
        _ok(mgr.post(f"{API}/quality/inspections", json=body), 201)
    window = {"from": (t0 - timedelta(minutes=5)).isoformat()}
    site = _ok(mgr.get(f"{API}/quality/figures", params=window))
    assert (site["inspected"], site["first_pass_good"]) == (17, 12)
    by_machine = {
        m["code"]: (m["inspected"], m["first_pass_good"], m["fpy"]) for m in site["machines"]
    }
    assert by_machine == {"SMT-1-PNP1": (4, 3, 3 / 4), "TEST-1-ICT": (3, 2, 2 / 3)}
    by_area = {a["code"]: (a["inspected"], a["first_pass_good"], a["fpy"]) for a in site["areas"]}
    assert by_area == {"SMT": (14, 10, 10 / 14), "TEST": (3, 2, 2 / 3)}
    assert {a["code"]: a["id"] for a in site["areas"]} == world.area_ids
    # One area: its lines' results only, no scrap ratio (a nonconformance names no line).
    smt = _ok(
        mgr.get(f"{API}/quality/figures", params={**window, "area_id": world.area_ids["SMT"]})
    )
    assert (smt["inspected"], smt["first_pass_good"], smt["fpy"]) == (14, 10, 10 / 14)
    assert [a["code"] for a in smt["areas"]] == ["SMT"]
    assert [m["code"] for m in smt["machines"]] == ["SMT-1-PNP1"]
    assert smt["scrap_ratio"] is None
    # An SMT operator asking for the test area gets nothing; their own area as the manager.
    op = as_role["operator"]
    hidden = _ok(
        op.get(f"{API}/quality/figures", params={**window, "area_id": world.area_ids["TEST"]})
    )
    assert (hidden["inspected"], hidden["machines"], hidden["areas"]) == (0, [], [])
    mine = _ok(op.get(f"{API}/quality/figures", params=window))
    assert [(a["code"], a["inspected"]) for a in mine["areas"]] == [("SMT", 14)]
