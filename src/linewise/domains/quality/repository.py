"""Reads of the quality domain that other domains use: out-of-control characteristics
(alerts, the terminal) and holds (inventory refuses to move a held lot)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from linewise.core.errors import Conflict, FieldError
from linewise.domains.quality.models import (
    Characteristic,
    Inspection,
    Measurement,
    Nonconformance,
    SpcSignal,
)


@dataclass(frozen=True)
class OutOfControl:
    characteristic_id: int
    name: str
    since: datetime
    rules: tuple[str, ...]  # the rules of the latest signal
    machine_id: int | None  # of the reading that broke the rule
    line_id: int | None


def out_of_control(db: Session, cutoff: datetime) -> list[OutOfControl]:
    """Characteristics marked out of control at ``cutoff`` or earlier, not yet cleared."""
    chars = db.scalars(
        select(Characteristic)
        .where(
            Characteristic.out_of_control_since.is_not(None),
            Characteristic.out_of_control_since <= cutoff,
        )
        .order_by(Characteristic.id)
    ).all()
    out = []
    for c in chars:
        assert c.out_of_control_since is not None
        latest = db.execute(
            select(SpcSignal.measurement_id, Inspection.machine_id, Inspection.line_id)
            .join(Measurement, Measurement.id == SpcSignal.measurement_id)
            .join(Inspection, Inspection.id == Measurement.inspection_id)
            .where(SpcSignal.characteristic_id == c.id)
            .order_by(SpcSignal.id.desc())
            .limit(1)
        ).first()
        rules: tuple[str, ...] = ()
        if latest is not None:
            rules = tuple(
                db.scalars(
                    select(SpcSignal.rule)
                    .where(SpcSignal.measurement_id == latest.measurement_id)
                    .order_by(SpcSignal.rule)
                )
            )
        out.append(
            OutOfControl(
                c.id,
                c.name,
                c.out_of_control_since,
                rules,
                latest.machine_id if latest else None,
                latest.line_id if latest else None,
            )
        )
    return out


def refuse_held(db: Session, lot: str, *, product_id: int | None = None) -> None:
    """409 when an open nonconformance holds ``lot`` (of ``product_id``, or of any product
    when none is given: a supplier lot held for one product is held for all)."""
    if not lot:
        return
    q = select(Nonconformance.id).where(Nonconformance.hold.is_(True), Nonconformance.lot == lot)
    if product_id is not None:
        q = q.where(Nonconformance.product_id == product_id)
    held = list(db.scalars(q.order_by(Nonconformance.id)))
    if held:
        raise Conflict(
            f"lot {lot} is on hold (nonconformance {', '.join(map(str, held))})",
            errors=[FieldError("lot", "is on hold by a nonconformance")],
        )


def refuse_held_units(
    db: Session, *, product_id: int, lot: str | None = None, serial: str | None = None
) -> None:
    """409 naming ``lot`` or ``serial`` when an open nonconformance of the product holds
    that lot or a serial range containing that serial (what the terminal reports)."""
    if lot and lot.strip():
        refuse_held(db, lot.strip(), product_id=product_id)
    if not serial or not serial.strip():
        return
    serial = serial.strip()
    held = list(
        db.scalars(
            select(Nonconformance.id)
            .where(
                Nonconformance.hold.is_(True),
                Nonconformance.product_id == product_id,
                and_(
                    Nonconformance.serial_from.is_not(None),
                    Nonconformance.serial_from <= serial,
                    Nonconformance.serial_to >= serial,
                ),
            )
            .order_by(Nonconformance.id)
        )
    )
    if held:
        raise Conflict(
            f"unit {serial} is on hold (nonconformance {', '.join(map(str, held))})",
            errors=[FieldError("serial", "is on hold by a nonconformance")],
        )
