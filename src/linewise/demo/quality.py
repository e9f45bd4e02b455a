"""The demo's quality data: an IPC-A-610-style defect code tree per product family, an
inspection plan at each product's test step (a measured supply voltage with the Nelson
rules, a boundary-scan pass/fail, and the IPC-9261A defect opportunities of its board),
and a past of simulated ICT results written through the real ingest path, drifting at
the end so that the control chart shows Nelson rules broken."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from linewise.domains.production.models import Product
from linewise.domains.quality.models import Characteristic, DefectCode, InspectionPlan
from linewise.ingest.events import decode
from linewise.ingest.store import References, write_events
from linewise.server.projections import ingest_projections, order_references
from linewise.simulation.inspections import InspectionStream, inspection_events
from linewise.simulation.spec import FactorySpec

# IPC-A-610 style: category -> defects (code, name).
DEFECT_TREE: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = (
    ("SOLDER", "Soldering (IPC-A-610 ch. 5)", (
        ("BRIDGE", "Solder bridge"),
        ("INSUFFICIENT", "Insufficient solder"),
        ("COLD", "Cold / disturbed joint"),
        ("VOID", "Voids"),
    )),
    ("COMPONENT", "Component placement (ch. 8)", (
        ("MISSING", "Missing component"),
        ("TOMBSTONE", "Tombstoning"),
        ("MISALIGNED", "Side overhang / misaligned"),
        ("POLARITY", "Wrong polarity"),
        ("WRONG_PART", "Wrong component"),
    )),
    ("BOARD", "Printed board (ch. 10)", (
        ("SCRATCH", "Scratch / damage"),
        ("DELAMINATION", "Delamination"),
    )),
    ("CLEAN", "Cleanliness (ch. 10.6)", (("FLUX_RESIDUE", "Flux residue"),)),
)  # fmt: skip
# Terminations per part for the IPC-9261A opportunity count.
TERMINATIONS = {"R-0402": 2, "C-0402": 2, "IC-MCU": 48, "IC-PMIC": 16, "CONN-HDR": 10, "C-ELKO": 2}
SOURCE = "demo:quality"


def opportunities(bom: dict[str, float]) -> int:
    """IPC-9261A: components + placements + terminations of the board's parts."""
    parts = {m: q for m, q in bom.items() if m in TERMINATIONS}
    components = int(sum(parts.values()))
    terminations = int(sum(q * TERMINATIONS[m] for m, q in parts.items()))
    return components + components + terminations


def test_step(spec: FactorySpec, product: str) -> int | None:
    for ps in spec.products:
        if ps.code == product:
            return next((st.seq for st in ps.steps if st.work_center_type == "TEST"), None)
    return None


def add_quality(db: Session, spec: FactorySpec) -> None:
    """Defect codes per family and a test-step plan per product, in the caller's
    transaction (after the products are flushed)."""
    for family in sorted({ps.family for ps in spec.products}):
        for code, name, children in DEFECT_TREE:
            parent = DefectCode(family=family, code=code, name=name)
            db.add(parent)
            db.flush()
            db.add_all(
                DefectCode(family=family, code=c, name=n, parent_id=parent.id) for c, n in children
            )
    products = {p.code: p for p in db.scalars(select(Product))}
    for ps in spec.products:
        step = test_step(spec, ps.code)
        if step is None:
            continue
        plan = InspectionPlan(
            product_id=products[ps.code].id,
            step_seq=step,
            name="ICT",
            sampling="every",
            opportunities_per_unit=opportunities(ps.bom),
        )
        db.add(plan)
        db.flush()
        db.add_all(
            [
                Characteristic(
                    plan_id=plan.id, name="Supply voltage", kind="variable", nominal=5.0,
                    lsl=4.75, usl=5.25, unit="V", chart="imr", subgroup_size=1,
                    center=5.0, sigma=0.03,
                    rules=[f"nelson{i}" for i in range(1, 9)],
                ),
                Characteristic(
                    plan_id=plan.id, name="Boundary scan", kind="attribute", chart="p",
                    subgroup_size=12, rules=["we1"],
                ),
            ]
        )  # fmt: skip


def inspection_streams(
    spec: FactorySpec, *, drift_from: datetime | None, **options: Any
) -> list[InspectionStream]:
    """One ICT stream per test line (one product each, in turn), with ``options`` of
    :class:`InspectionStream` (the drift's cycle, a serial prefix)."""
    streams = []
    tests = [ls for ls in spec.lines if ls.type == "TEST"]
    with_test = [ps.code for ps in spec.products if test_step(spec, ps.code) is not None]
    for i, line in enumerate(tests):
        ict = next((m for m in line.machines if m.kind == "ict"), None)
        if ict is None or not with_test:
            continue
        product = with_test[i % len(with_test)]
        streams.append(
            InspectionStream(
                machine=ict.code,
                product=product,
                step=test_step(spec, product) or 1,
                drift_from=drift_from,
                **options,
            )
        )
    return streams


def backfill_inspections(
    engine: Engine, spec: FactorySpec, end: datetime, *, days: float = 2.0, seed: int = 1
) -> int:
    """ICT results of the last ``days`` on every test line (one product each), the last
    six hours drifting; stored through ingest like a machine's. Returns how many."""
    streams = inspection_streams(spec, drift_from=end - timedelta(hours=6))
    start = end - timedelta(days=days)
    raw = [e for s in streams for e in inspection_events(s, start, end, seed=seed)]
    events, rejects = decode(raw, now=end)
    refs = References(order_references())
    with engine.begin() as conn:
        result = write_events(conn, refs, events, rejects, SOURCE, projections=ingest_projections())
    return result.accepted
