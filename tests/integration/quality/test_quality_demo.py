"""The demo's quality data: IPC-A-610-style defect codes per family, an ICT plan per
product with a test step, and a day of simulated ICT results through ingest whose
final drift breaks Nelson rules on the control chart and marks the characteristic."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from linewise.core.security import Role
from linewise.demo.factory import build_factory
from linewise.demo.live_feed import DRIFT_CYCLE, DRIFT_EPOCH, DRIFT_LENGTH, run_live_feed
from linewise.demo.load import load_factory
from linewise.demo.quality import backfill_inspections, opportunities
from linewise.domains.accounts.models import User
from linewise.domains.equipment.models import Line
from linewise.domains.quality import service
from linewise.domains.quality.events import SpcViolation
from linewise.domains.quality.models import (
    Characteristic,
    Defect,
    DefectCode,
    Inspection,
    InspectionPlan,
    Measurement,
    SpcSignal,
)
from linewise.ingest.models import QuarantinedEvent
from tests.conftest import login

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def test_demo_quality_history_breaks_nelson_rules_at_the_drift(engine: Engine, db: Session) -> None:
    spec = build_factory(NOW, around_the_clock=True)
    load_factory(db, spec, with_users=False)
    db.commit()
    families = {ps.family for ps in spec.products}
    assert db.scalar(select(func.count(DefectCode.id))) == len(families) * (4 + 12)
    bridge = db.scalars(
        select(DefectCode).where(DefectCode.family == "ctrl", DefectCode.code == "BRIDGE")
    ).one()
    assert db.get(DefectCode, bridge.parent_id).code == "SOLDER"  # type: ignore[union-attr]
    plans = db.scalars(select(InspectionPlan)).all()
    assert len(plans) == len(spec.products)
    # CTRL-100: 40 R + 32 C + 1 MCU + 2 headers + 2 electrolytics = 77 parts;
    # terminations 80 + 64 + 48 + 20 + 4 = 216; 77 + 77 + 216 = 370
    ctrl = next(ps for ps in spec.products if ps.code == "CTRL-100")
    assert opportunities(ctrl.bom) == 370

    stored = backfill_inspections(engine, spec, NOW, days=1.0)
    tests = [ls for ls in spec.lines if ls.type == "TEST"]
    assert stored == len(tests) * 24 * 12  # one unit every 5 minutes
    db.rollback()  # end the read transaction begun before the backfill wrote
    assert db.scalar(select(func.count(QuarantinedEvent.id))) == 0
    assert db.scalar(select(func.count(Inspection.id))) == stored
    volt = db.scalars(
        select(Characteristic).where(
            Characteristic.name == "Supply voltage",
            Characteristic.id.in_(select(SpcSignal.characteristic_id)),
        )
    ).first()
    assert volt is not None and volt.out_of_control_since is not None
    # The drift began 6 hours (72 units) before the end. Eight rules on an in-control
    # process raise a false alarm now and then; during the drift nearly every reading
    # breaks one.
    drift = NOW - timedelta(hours=6)
    signals = db.execute(
        select(SpcSignal.at, SpcSignal.rule).where(SpcSignal.characteristic_id == volt.id)
    ).all()
    during = {at for at, _ in signals if at >= drift}
    before = {at for at, _ in signals if at < drift}
    assert len(during) / 72 > 0.5
    assert len(before) / (288 - 72) < 0.1
    rules = {rule for at, rule in signals if at >= drift}
    assert {"nelson1", "nelson2"} <= rules, rules
    chart = service.chart_for(db, volt.id)
    assert chart["points"][-1]["violations"]
    fig = service.figures(db, NOW - timedelta(days=1), NOW)
    assert 0.9 < fig["fpy"] < 1.0 and fig["dpmo"] is not None
    # The boundary scan's verdicts (a short or open fails it) draw a p chart in hourly
    # samples of 12 units: its nonconforming units are the units with such defects.
    scans = db.scalars(
        select(Characteristic).where(
            Characteristic.name == "Boundary scan",
            Characteristic.id.in_(select(Measurement.characteristic_id)),
        )
    ).all()
    assert scans
    for scan in scans:
        p_chart = service.chart_for(db, scan.id)
        assert p_chart["kind"] == "p" and len(p_chart["points"]) == 24
        plan = db.get(InspectionPlan, scan.plan_id)
        assert plan is not None
        shorts_or_opens = db.scalar(
            select(func.count(func.distinct(Defect.inspection_id)))
            .join(Inspection, Inspection.id == Defect.inspection_id)
            .where(
                Inspection.product_id == plan.product_id,
                Defect.code.in_(["BRIDGE", "MISSING", "POLARITY"]),
            )
        )
        assert sum(x["nonconforming"] for x in p_chart["samples"]) == shorts_or_opens


def test_live_feed_sends_results_whose_drift_reaches_the_terminal(
    app: FastAPI, db: Session, password_hash: str
) -> None:
    """The live demo feed (``linewise demo --serve``) sends the test machines' results
    through the recorder like the history does; a wear episode breaks a Nelson rule and
    the operator terminal's banner (``/quality/out-of-control`` of its line) shows it."""
    spec = build_factory(around_the_clock=True)
    load_factory(db, spec, with_users=False)
    db.commit()
    seen: list[SpcViolation] = []

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        drifted = asyncio.Event()

        def on_violation(event: SpcViolation) -> None:
            into = (event.at - DRIFT_EPOCH) % DRIFT_CYCLE
            # the voltage during a wear episode (not a false alarm, nor the boundary scan)
            if into < DRIFT_LENGTH and event.characteristic == "Supply voltage":
                seen.append(event)
                loop.call_soon_threadsafe(drifted.set)

        app.state.bus.subscribe(on_violation, SpcViolation)
        app.state.recorder.start()
        # The past (at least the last 8 hours) is replayed at once, as the demo does.
        feed = asyncio.create_task(run_live_feed(app, speed=600.0, catch_up=timedelta(seconds=2)))
        try:
            await asyncio.wait_for(drifted.wait(), 120)
        finally:
            feed.cancel()
            await asyncio.gather(feed, return_exceptions=True)
            app.state.recorder.stop()

    asyncio.run(scenario())
    db.rollback()
    assert db.scalar(select(func.count(QuarantinedEvent.id))) == 0
    results = db.scalars(select(Inspection)).all()
    assert results and all(r.source == "machine" and r.event_id for r in results)
    # New units, not the history's serials again: the serials carry the feed's start.
    assert all(r.serial and r.serial.count("-") == 3 for r in results)
    signal = seen[0]
    assert signal.characteristic == "Supply voltage" and signal.line_id is not None
    assert set(signal.rules) & {"nelson1", "nelson2", "nelson3", "nelson5", "nelson6"}
    volt = db.get(Characteristic, signal.characteristic_id)
    assert volt is not None and volt.out_of_control_since is not None

    # An operator of that line's area sees it on the terminal's banner.
    line = db.get(Line, signal.line_id)
    assert line is not None
    operator = User(
        username="ict-operator",
        full_name="ICT operator",
        password_hash=password_hash,
        role=Role.OPERATOR.value,
    )
    operator.areas = [line.area]
    db.add(operator)
    db.commit()
    with TestClient(app) as client:
        login(client, "ict-operator")
        r = client.get("/api/v1/quality/out-of-control", params={"line_id": line.id})
        assert r.status_code == 200, r.text
        banner = [c for c in r.json() if c["characteristic_id"] == volt.id]
        assert banner and banner[0]["line_id"] == line.id and banner[0]["rules"]
