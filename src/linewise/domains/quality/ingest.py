"""Inspection results from test and inspection machines (AOI, SPI, ICT, FCT), as an
ingest projection registered in ``server/projections.py``.

``check_inspection`` runs before the event is stored: an unknown product, a step the
product's routing lacks, a named plan that does not exist, or a value (a verdict) for a
characteristic no active plan of that product and step has as a variable (an attribute)
is refused with the field, and the event goes
to quarantine. ``apply`` records each newly stored event through the same service as the
terminal (first pass, measurements, defects, SPC on each reading) in the recorder's
transaction. SPC violations found here are stored as signals, mark the characteristic,
and their ``SpcViolation`` events go on the batch for the recorder to publish after its
commit (in this process: the alert evaluator wakes at once).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from linewise.domains.production.models import Product, RoutingStep
from linewise.domains.quality import service
from linewise.domains.quality.models import Characteristic, InspectionPlan
from linewise.ingest.projections import StoredBatch


def _plan_characteristics(
    conn: Connection, product_id: int, step: int, plan: str | None
) -> tuple[int | None, dict[str, tuple[int, int, str]]] | str:
    """(first plan id, characteristic name -> (id, plan id, kind)) of the active plans of
    a product's step (only the named plan when one is named), or the refusal."""
    q = select(InspectionPlan.id, InspectionPlan.name).where(
        InspectionPlan.product_id == product_id,
        InspectionPlan.step_seq == step,
        InspectionPlan.active.is_(True),
    )
    if plan is not None:
        q = q.where(InspectionPlan.name == plan)
    plans = conn.execute(q.order_by(InspectionPlan.id)).all()
    if plan is not None and not plans:
        return f"plan: no active inspection plan '{plan}' for this product and step"
    ids = [p.id for p in plans]
    chars = conn.execute(
        select(Characteristic.name, Characteristic.id, Characteristic.plan_id, Characteristic.kind)
        .where(Characteristic.plan_id.in_(ids))
        .order_by(Characteristic.plan_id, Characteristic.id)
    ).all()
    by_name: dict[str, tuple[int, int, str]] = {}
    for c in chars:
        by_name.setdefault(c.name, (c.id, c.plan_id, c.kind))
    return (ids[0] if ids else None), by_name


class InspectionResults:
    name = "quality-inspections"

    def __init__(self) -> None:
        self.products: dict[str, int] = {}

    def _product(self, conn: Connection, code: str) -> int | None:
        if code not in self.products:
            pid = conn.scalar(select(Product.id).where(Product.code == code))
            if pid is None:
                return None
            self.products[code] = pid
        return self.products[code]

    def check_inspection(self, conn: Connection, payload: dict[str, Any]) -> str | None:
        product_id = self._product(conn, payload["product"])
        if product_id is None:
            return f"product: no product '{payload['product']}'"
        has_step = conn.scalar(
            select(RoutingStep.id).where(
                RoutingStep.product_id == product_id, RoutingStep.seq == payload["step"]
            )
        )
        if has_step is None:
            return f"step: product '{payload['product']}' has no routing step {payload['step']}"
        found = _plan_characteristics(conn, product_id, payload["step"], payload.get("plan"))
        if isinstance(found, str):
            return found
        _plan, chars = found
        for name in payload.get("values") or {}:
            if name not in chars:
                return (
                    f"values.{name}: no characteristic '{name}' in the active inspection "
                    f"plans of this product and step"
                )
            if abs(payload["values"][name]) > 1e12:
                return f"values.{name}: must lie within ±1e12"
            if chars[name][2] != "variable":
                return f"values.{name}: '{name}' is an attribute (pass/fail), not a value"
        for name in payload.get("verdicts") or {}:
            if name not in chars:
                return (
                    f"verdicts.{name}: no characteristic '{name}' in the active inspection "
                    f"plans of this product and step"
                )
            if chars[name][2] != "attribute":
                return f"verdicts.{name}: '{name}' is a variable (measured), not pass/fail"
        if payload.get("serial") is not None and payload.get("quantity", 1) != 1:
            return "quantity: must be 1 for a unit with a serial"
        pq = payload.get("passed_quantity")
        if pq is not None and pq > payload.get("quantity", 1):
            return "passed_quantity: must not exceed quantity"
        return None

    def apply(self, conn: Connection, batch: StoredBatch) -> None:
        if not batch.inspections:
            return
        # A savepoint inside the recorder's transaction: committing the session releases
        # it and leaves the outer transaction to the recorder (closing a session joined
        # without one would roll the recorder's transaction back).
        with Session(bind=conn, join_transaction_mode="create_savepoint") as db:
            for ev in sorted(batch.inspections, key=lambda e: (e.ts, e.event_id)):
                p = ev.payload
                product_id = self._product(conn, p["product"])
                assert product_id is not None  # checked before it was stored
                found = _plan_characteristics(conn, product_id, p["step"], p.get("plan"))
                plan_id, chars = found if not isinstance(found, str) else (None, {})
                values: dict[str, float] = p.get("values") or {}
                verdicts: dict[str, bool] = p.get("verdicts") or {}
                plans = {chars[name][1] for name in (*values, *verdicts)}
                if len(plans) == 1:
                    plan_id = plans.pop()
                elif plans:
                    plan_id = None  # values from several plans: the result names none
                data = service.InspectionData(
                    product_id=product_id,
                    step_seq=p["step"],
                    plan_id=plan_id,
                    machine_id=ev.machine_id,
                    line_id=ev.line_id,
                    method=p["method"],
                    serial=p.get("serial"),
                    lot=p.get("lot"),
                    quantity=p.get("quantity", 1),
                    passed_quantity=p.get("passed_quantity"),
                    passed=p["passed"],
                    inspected_at=ev.ts,
                    measurements=(
                        *(
                            service.MeasurementData(chars[name][0], value, None)
                            for name, value in values.items()
                        ),
                        *(
                            service.MeasurementData(chars[name][0], None, bool(ok))
                            for name, ok in verdicts.items()
                        ),
                    ),
                    defects=tuple(
                        service.DefectData(d["code"], d.get("ref"), d.get("quantity", 1))
                        for d in p.get("defects") or ()
                    ),
                )
                rec = service.record_inspection(
                    db, data, actor=f"machine:{ev.machine_id}", source="machine",
                    event_id=ev.event_id,
                )  # fmt: skip
                batch.events += rec.events
            db.commit()
