"""Quality: recording inspections, SPC on each new reading, nonconformances and holds,
and the figures (first pass yield, rolled throughput yield, scrap and rework ratios,
DPMO, defect Pareto).

Recording a result validates everything before it writes anything (a bad field is a 422
naming it, with no partial write), decides whether it is the unit's first pass at that
step, stores measurements and defects, and evaluates each measured characteristic's
control chart over its latest readings: a rule that fires at the new reading is stored
as an ``SpcSignal``, marks the characteristic out of control and records an
``SpcViolation`` event (published after commit, for the terminal, the quality page and
alerts).
"""

from __future__ import annotations

import functools
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, Select, and_, bindparam, case, func, literal, or_, select
from sqlalchemy.orm import Session

from linewise.core.errors import Conflict, FieldError, NotFound, ValidationProblem
from linewise.core.events import record
from linewise.core.time import utcnow
from linewise.domains.equipment.models import Area, Line, Machine
from linewise.domains.people.working_time import WorkingTime
from linewise.domains.production.models import Product
from linewise.domains.quality.events import InspectionRecorded, SpcViolation
from linewise.domains.quality.models import (
    Characteristic,
    CharacteristicKind,
    Defect,
    DefectCode,
    Disposition,
    Inspection,
    InspectionPlan,
    Measurement,
    Nonconformance,
    SpcSignal,
)
from linewise.kpi.calendar import shift_containing
from linewise.spc import (
    Chart,
    ChartKind,
    ChartPoint,
    Rule,
    c_chart,
    capability,
    cusum_chart,
    evaluate_rules,
    ewma_chart,
    imr_chart,
    np_chart,
    p_chart,
    u_chart,
    xbar_r_chart,
    xbar_s_chart,
)
from linewise.spc.capability import Capability

# The readings a chart is computed over (the latest ones).
CHART_WINDOW = 125
PARETO_KEYS = ("code", "ref", "machine", "shift", "lot", "line")


@dataclass(frozen=True)
class MeasurementData:
    characteristic_id: int
    value: float | None
    passed: bool | None


@dataclass(frozen=True)
class DefectData:
    code: str
    ref_designator: str | None
    quantity: int


@dataclass(frozen=True)
class InspectionData:
    product_id: int
    step_seq: int
    plan_id: int | None = None
    order_id: int | None = None
    machine_id: int | None = None
    line_id: int | None = None
    method: str = "manual"
    serial: str | None = None
    lot: str | None = None
    quantity: int = 1
    passed_quantity: int | None = None
    passed: bool | None = None
    inspected_at: datetime | None = None
    measurements: tuple[MeasurementData, ...] = ()
    defects: tuple[DefectData, ...] = ()


@dataclass
class Recorded:
    inspection: Inspection
    measurements: list[Measurement]
    defects: list[Defect]
    violations: list[str]
    events: list[SpcViolation]


# --- recording ---------------------------------------------------------------------------


def _within(value: float, lsl: float | None, usl: float | None) -> bool:
    return (lsl is None or value >= lsl) and (usl is None or value <= usl)


def validate(db: Session, data: InspectionData) -> tuple[Product, dict[int, Characteristic]]:
    """Every problem with the result, by field, before anything is written."""
    errors: list[FieldError] = []
    product = db.get(Product, data.product_id)
    if product is None:
        errors.append(FieldError("product_id", "names no product"))
    plan = db.get(InspectionPlan, data.plan_id) if data.plan_id is not None else None
    if data.plan_id is not None and plan is None:
        errors.append(FieldError("plan_id", "names no inspection plan"))
    if plan is not None and (plan.product_id != data.product_id or plan.step_seq != data.step_seq):
        errors.append(FieldError("plan_id", "is a plan for another product or routing step"))
    if data.machine_id is not None and db.get(Machine, data.machine_id) is None:
        errors.append(FieldError("machine_id", "names no machine"))
    if data.serial is not None and data.quantity != 1:
        errors.append(FieldError("quantity", "must be 1 for a unit with a serial"))
    if data.passed_quantity is not None and data.passed_quantity > data.quantity:
        errors.append(FieldError("passed_quantity", "must not exceed quantity"))
    ids = [m.characteristic_id for m in data.measurements]
    chars = {c.id: c for c in db.scalars(select(Characteristic).where(Characteristic.id.in_(ids)))}
    seen: set[int] = set()
    for i, m in enumerate(data.measurements):
        field = f"measurements.{i}"
        c = chars.get(m.characteristic_id)
        if c is None:
            errors.append(FieldError(f"{field}.characteristic_id", "names no characteristic"))
            continue
        if m.characteristic_id in seen:
            errors.append(FieldError(f"{field}.characteristic_id", "is measured twice"))
        seen.add(m.characteristic_id)
        c_plan = db.get(InspectionPlan, c.plan_id)
        if c_plan is None or c_plan.product_id != data.product_id:
            errors.append(
                FieldError(f"{field}.characteristic_id", "belongs to another product's plan")
            )
        elif data.plan_id is not None and c.plan_id != data.plan_id:
            errors.append(FieldError(f"{field}.characteristic_id", "belongs to another plan"))
        if c.kind == CharacteristicKind.VARIABLE:
            if m.value is None:
                errors.append(FieldError(f"{field}.value", "a variable needs a measured value"))
            elif not math.isfinite(m.value):
                errors.append(FieldError(f"{field}.value", "must be a finite number"))
        elif m.passed is None:
            errors.append(FieldError(f"{field}.passed", "an attribute needs passed true/false"))
    if errors:
        raise ValidationProblem("the inspection result has invalid fields", errors=errors)
    assert product is not None
    return product, chars


def _defect_codes(db: Session, family: str, codes: Iterable[str]) -> dict[str, int]:
    rows = db.execute(
        select(DefectCode.code, DefectCode.id).where(
            DefectCode.family == family, DefectCode.code.in_(set(codes))
        )
    ).all()
    return {r.code: r.id for r in rows}


def record_inspection(
    db: Session,
    data: InspectionData,
    *,
    actor: str,
    source: str = "terminal",
    event_id: str | None = None,
) -> Recorded:
    product, chars = validate(db, data)
    at = data.inspected_at or utcnow()
    line_id = data.line_id
    if line_id is None and data.machine_id is not None:
        machine = db.get(Machine, data.machine_id)
        line_id = machine.line_id if machine else None
    first_pass = True
    if data.serial is not None:
        earlier = db.scalar(
            select(func.count(Inspection.id)).where(
                Inspection.serial == data.serial,
                Inspection.product_id == data.product_id,
                Inspection.step_seq == data.step_seq,
                Inspection.inspected_at <= at,
            )
        )
        first_pass = not earlier
    measurements: list[Measurement] = []
    for m in data.measurements:
        c = chars[m.characteristic_id]
        if c.kind == CharacteristicKind.VARIABLE:
            assert m.value is not None
            ok = _within(m.value, c.lsl, c.usl)
        else:
            ok = bool(m.passed)
        measurements.append(
            Measurement(characteristic_id=c.id, value=m.value, passed=ok, measured_at=at)
        )
    known = (
        _defect_codes(db, product.family, (d.code for d in data.defects)) if data.defects else {}
    )
    defects = [
        Defect(
            code=d.code,
            defect_code_id=known.get(d.code),
            ref_designator=d.ref_designator,
            quantity=d.quantity,
        )
        for d in data.defects
    ]
    passed = (
        data.passed
        if data.passed is not None
        else all(m.passed for m in measurements) and not defects
    )
    if data.passed_quantity is not None:
        passed_qty = data.passed_quantity
    else:
        passed_qty = data.quantity if passed else 0
    insp = Inspection(
        plan_id=data.plan_id,
        product_id=data.product_id,
        step_seq=data.step_seq,
        order_id=data.order_id,
        machine_id=data.machine_id,
        line_id=line_id,
        method=data.method,
        source=source,
        event_id=event_id,
        serial=data.serial,
        lot=data.lot,
        quantity=data.quantity,
        passed_quantity=passed_qty if first_pass else 0,
        passed=passed,
        first_pass=first_pass,
        inspected_at=at,
        inspector=actor,
    )
    db.add(insp)
    db.flush()
    for row in measurements:
        row.inspection_id = insp.id
    for d in defects:
        d.inspection_id = insp.id
    db.add_all([*measurements, *defects])
    db.flush()
    violations: list[str] = []
    raised: list[SpcViolation] = []
    for row in measurements:
        c = chars[row.characteristic_id]
        if c.kind == CharacteristicKind.ATTRIBUTE:
            fired, plotted = evaluate_new_verdict(db, c, row)
        elif row.value is not None:
            fired, plotted = evaluate_new_reading(db, c, row), row.value
        else:
            continue
        violations += fired
        if fired:
            event = SpcViolation(
                characteristic_id=c.id,
                characteristic=c.name,
                product_id=data.product_id,
                line_id=line_id,
                machine_id=data.machine_id,
                rules=tuple(fired),
                value=plotted,
                at=at,
            )
            raised.append(event)
            record(db, event)
    record(db, InspectionRecorded(insp.id, data.product_id, line_id, passed))
    return Recorded(insp, measurements, defects, sorted(set(violations)), raised)


# --- SPC ---------------------------------------------------------------------------------


def _subgroup(char: Characteristic) -> int:
    """Readings per point: the subgroup size of an X-bar chart, else one."""
    return char.subgroup_size if char.chart in (ChartKind.XBAR_R, ChartKind.XBAR_S) else 1


_READINGS_TOTAL = select(func.count(Measurement.id)).where(
    Measurement.characteristic_id == bindparam("char_id"), Measurement.value.is_not(None)
)


@functools.cache
def _readings_statement(times: bool) -> Select[tuple[Any, ...]]:
    """The latest readings of a characteristic, newest first (parameters ``char_id``,
    ``pending``: the newest readings left out, ``rows``: how many), built once."""
    columns: list[Any] = [Measurement.id, Measurement.value]
    if times:
        columns.append(Measurement.measured_at)
    return (
        select(*columns)
        .where(
            Measurement.characteristic_id == bindparam("char_id"), Measurement.value.is_not(None)
        )
        .order_by(Measurement.measured_at.desc(), Measurement.id.desc())
        .offset(bindparam("pending", type_=Integer))
        .limit(bindparam("rows", type_=Integer))
    )


def _latest(db: Session, char_id: int, limit: int, subgroup: int, *, times: bool) -> Sequence[Any]:
    pending = 0
    if subgroup > 1:
        total = db.scalar(_READINGS_TOTAL, {"char_id": char_id})
        pending = (total or 0) % subgroup
        limit = max(1, limit // subgroup) * subgroup
    return db.execute(
        _readings_statement(times), {"char_id": char_id, "pending": pending, "rows": limit}
    ).all()


def _readings(
    db: Session, char_id: int, limit: int, subgroup: int = 1
) -> list[tuple[int, float, datetime]]:
    """The latest readings (about ``limit``), oldest first. With subgroups, only the
    complete ones, counted from the first reading: a new reading never regroups the
    older ones (the subgroup being filled is left out until it is complete)."""
    rows = _latest(db, char_id, limit, subgroup, times=True)
    return [(r.id, float(r.value), r.measured_at) for r in reversed(rows)]


def _reading_values(
    db: Session, char_id: int, limit: int, subgroup: int = 1
) -> list[tuple[int, float]]:
    """As ``_readings``, without their times (what evaluating a new reading needs: no
    time zone conversion per row)."""
    rows = _latest(db, char_id, limit, subgroup, times=False)
    return [(r.id, float(r.value)) for r in reversed(rows)]


def build_chart(char: Characteristic, values: Sequence[float]) -> Chart | None:
    """The characteristic's chart over ``values`` (None while there are too few); with a
    frozen centre and sigma (phase II) the limits rest on those, else on the values."""
    kind = ChartKind(char.chart)
    n = char.subgroup_size
    center, sigma = char.center, char.sigma
    try:
        if kind in (ChartKind.XBAR_R, ChartKind.XBAR_S):
            groups = [values[i : i + n] for i in range(0, len(values) - n + 1, n)]
            if len(groups) < 2 or n < 2:
                return None
            build = xbar_r_chart if kind is ChartKind.XBAR_R else xbar_s_chart
            return build(groups, center=center, sigma=sigma)
        if len(values) < 2:
            return None
        if kind is ChartKind.EWMA:
            target = center if center is not None else char.nominal
            return ewma_chart(values, lam=0.2, width=3.0, target=target, sigma=sigma)
        if kind is ChartKind.CUSUM:
            sigma = sigma or imr_chart(values).process_sigma or 0.0
            target = center if center is not None else char.nominal
            if target is None:
                target = sum(values) / len(values)
            return cusum_chart(values, target=target, sigma=sigma) if sigma > 0 else None
        if kind is ChartKind.C:
            return c_chart([round(v) for v in values], c=center)
        return imr_chart(values, center=center, sigma=sigma)
    except ValueError:
        return None


def freeze_limits(db: Session, char_id: int, limit: int = CHART_WINDOW) -> Characteristic:
    """Phase I to phase II: keep the centre and sigma of the latest readings as the
    characteristic's limits from now on."""
    char = db.get(Characteristic, char_id)
    if char is None:
        raise NotFound(f"characteristic {char_id} not found")
    char.center = char.sigma = None
    readings = _readings(db, char.id, limit, _subgroup(char))
    chart = build_chart(char, [v for _, v, _ in readings])
    if chart is None or chart.process_sigma is None or not 1e-9 <= chart.process_sigma <= 1e13:
        raise ValidationProblem(
            "too few readings to freeze the limits",
            errors=[FieldError("characteristic_id", "needs readings with some spread")],
        )
    char.center = chart.center
    char.sigma = chart.process_sigma
    return char


def _points_of(chart: Chart) -> list[ChartPoint]:
    pts = list(chart.points)
    if chart.kind is ChartKind.CUSUM and chart.secondary is not None:
        # a CUSUM signals on either side: C+ above H or -C- below -H
        return [
            up if up.beyond_limits else down
            for up, down in zip(pts, chart.secondary.points, strict=True)
        ]
    return pts


def evaluate_new_reading(db: Session, char: Characteristic, m: Measurement) -> list[str]:
    """Rules that fire at the newest point of the characteristic's chart."""
    rules = [Rule(r) for r in char.rules]
    if not rules:
        return []
    # (with subgroups, a reading that completes none is not among them: nothing fires)
    readings = _reading_values(db, char.id, CHART_WINDOW, _subgroup(char))
    if not readings or readings[-1][0] != m.id:
        return []  # a late reading is charted in order but raises nothing now
    chart = build_chart(char, [v for _, v in readings])
    if chart is None:
        return []
    pts = _points_of(chart)
    last = len(pts) - 1
    fired = sorted({v.rule.value for v in evaluate_rules(pts, rules) if v.index == last})
    for rule in fired:
        db.add(
            SpcSignal(characteristic_id=char.id, measurement_id=m.id, rule=rule, at=m.measured_at)
        )
    if fired and char.out_of_control_since is None:
        char.out_of_control_since = m.measured_at
    return fired


# --- attribute charts (p, np, u) ----------------------------------------------------------

ATTRIBUTE_CHARTS = (ChartKind.P, ChartKind.NP, ChartKind.U)
VARIABLE_CHARTS = (
    ChartKind.IMR,
    ChartKind.XBAR_R,
    ChartKind.XBAR_S,
    ChartKind.EWMA,
    ChartKind.CUSUM,
    ChartKind.C,
)


@dataclass(frozen=True)
class AttributeSample:
    """``subgroup_size`` consecutive verdicts of an attribute characteristic."""

    units: int  # units inspected (a serial is one, a count result its quantity)
    nonconforming: int  # units that failed the characteristic
    nonconformities: int  # defects recorded with those results
    at: datetime  # of the sample's last verdict
    last_id: int  # its measurement


def attribute_chart_kind(char: Characteristic) -> ChartKind:
    """The chart of an attribute: p, np or u (one stored with a variables chart, as
    before attributes were charted, is drawn as a p chart)."""
    kind = ChartKind(char.chart)
    return kind if kind in ATTRIBUTE_CHARTS else ChartKind.P


_VERDICTS = select(func.count(Measurement.id)).where(
    Measurement.characteristic_id == bindparam("char_id")
)  # built once: it runs for every verdict


def _verdicts(db: Session, char: Characteristic) -> int:
    return db.scalar(_VERDICTS, {"char_id": char.id}) or 0


@functools.cache
def _verdict_window(with_defects: bool) -> Any:
    """The latest verdicts of a characteristic (parameters ``char_id``, ``pending``: the
    newest verdicts left out, those of the sample being filled, ``rows``: how many),
    each with its units, nonconforming units and (``with_defects``) defects."""
    # A failed verdict: one unit; of a count result, the units that did not pass first
    # time (at least one, at most all), all of them on a retest.
    nonconforming = case(
        (Measurement.passed.is_(True), 0),
        (Inspection.quantity == 1, 1),
        (
            Inspection.first_pass.is_(True),
            case(
                (Inspection.quantity - Inspection.passed_quantity < 1, literal(1)),
                (Inspection.passed_quantity < 0, Inspection.quantity),
                else_=Inspection.quantity - Inspection.passed_quantity,
            ),
        ),
        else_=Inspection.quantity,
    )
    defects: Any = (
        select(func.coalesce(func.sum(Defect.quantity), 0))
        .where(Defect.inspection_id == Inspection.id)
        .scalar_subquery()
        if with_defects
        else literal(0)
    )
    newest_first = (Measurement.measured_at.desc(), Measurement.id.desc())
    window = (
        select(
            Measurement.id.label("mid"),
            Measurement.measured_at.label("at"),
            Inspection.quantity.label("units"),
            nonconforming.label("nc"),
            defects.label("defects"),
        )
        .join(Inspection, Inspection.id == Measurement.inspection_id)
        .where(Measurement.characteristic_id == bindparam("char_id"))
        .order_by(*newest_first)
        .offset(bindparam("pending", type_=Integer))
        .limit(bindparam("rows", type_=Integer))
        .subquery()
    )
    return window


@functools.cache
def _samples_statement(with_defects: bool) -> Select[tuple[Any, ...]]:
    """The latest complete samples of a characteristic, one row per sample (units,
    nonconforming units, defects, the time and measurement of its last verdict), oldest
    first. The database reads the window's verdicts in time order (a late verdict takes
    its place) and groups them, so that Python converts 125 rows, not 1,500 verdicts;
    the statement is built once (parameters ``char_id``, ``pending``: the verdicts of the
    sample being filled, ``rows``: samples x n, ``n`` and ``size``: the sample size)."""
    window = _verdict_window(with_defects)
    pos = func.row_number().over(order_by=(window.c.at.desc(), window.c.mid.desc())) - 1
    n = bindparam("n", type_=Integer)
    ranked = select(
        window,
        (pos - pos % n).label("grp"),  # the sample's first position (no division)
        case((pos % n == 0, window.c.mid)).label("last"),
    ).subquery()
    return (
        select(
            func.sum(ranked.c.units),
            func.sum(ranked.c.nc),
            func.sum(ranked.c.defects),
            func.max(ranked.c.at),
            func.max(ranked.c.last),
        )
        .group_by(ranked.c.grp)
        .having(func.count() == bindparam("size", type_=Integer))
        .order_by(ranked.c.grp.desc())
    )


@functools.cache
def _totals_statement(with_defects: bool) -> Select[tuple[Any, ...]]:
    """The window's sums (verdicts, units, nonconforming units, defects) and the smallest
    and largest quantity of a result in it: what the centre line of a p, np or u chart
    rests on, without grouping the verdicts into samples."""
    window = _verdict_window(with_defects)
    return select(
        func.count(),
        func.coalesce(func.sum(window.c.units), 0),
        func.coalesce(func.sum(window.c.nc), 0),
        func.coalesce(func.sum(window.c.defects), 0),
        func.min(window.c.units),
        func.max(window.c.units),
    )


def attribute_samples(
    db: Session, char: Characteristic, samples: int = CHART_WINDOW, *, total: int | None = None
) -> list[AttributeSample]:
    """The latest ``samples`` complete samples, oldest first. Samples are counted from
    the characteristic's first verdict, so that a new verdict never regroups the old
    ones; the verdicts of a sample not yet complete are left out."""
    n = char.subgroup_size
    if total is None:
        total = _verdicts(db, char)
    rows = db.execute(
        _samples_statement(attribute_chart_kind(char) is ChartKind.U),
        {"char_id": char.id, "pending": total % n, "rows": samples * n, "n": n, "size": n},
    ).all()
    return [
        AttributeSample(
            units=int(units),
            nonconforming=int(nc),
            nonconformities=int(d or 0),
            at=at,
            last_id=int(last_id),
        )
        for units, nc, d, at, last_id in rows
    ]


def build_attribute_chart(
    char: Characteristic, samples: Sequence[AttributeSample]
) -> tuple[Chart | None, str | None]:
    """The p, np or u chart over ``samples`` (phase II: ``center`` is the known fraction
    nonconforming p, or nonconformities per unit u), or None and why not."""
    if len(samples) < 2:
        return None, "too few samples for this chart"
    kind = attribute_chart_kind(char)
    units = [s.units for s in samples]
    try:
        if kind is ChartKind.NP:
            if len(set(units)) > 1:
                return None, "an np chart needs samples of one size; draw a p chart"
            return np_chart([s.nonconforming for s in samples], units[0], p=char.center), None
        if kind is ChartKind.U:
            counts = [s.nonconformities for s in samples]
            return u_chart(counts, [float(u) for u in units], u=char.center), None
        return p_chart([s.nonconforming for s in samples], units, p=char.center), None
    except ValueError as exc:
        return None, str(exc)


def _refuse_deleting_readings(db: Session, char_ids: Sequence[int], what: str) -> None:
    """Deleting a characteristic deletes its readings and signals (the database cascades):
    refused while it has any; a plan is made inactive instead."""
    if not char_ids:
        return
    readings = db.scalar(
        select(func.count(Measurement.id)).where(Measurement.characteristic_id.in_(char_ids))
    )
    if readings:
        raise Conflict(
            f"{what} has {readings} recorded readings and is still in use; "
            "set the plan inactive instead",
            errors=[FieldError("id", "has recorded readings")],
        )


def guard_plan(db: Session, _p: object, plan: InspectionPlan | None, data: object) -> None:
    """On delete (``data`` None): refused while the plan's characteristics have readings."""
    if plan is not None and data is None:
        ids = list(db.scalars(select(Characteristic.id).where(Characteristic.plan_id == plan.id)))
        _refuse_deleting_readings(db, ids, f"inspection plan {plan.name}")


def guard_characteristic(
    db: Session, _p: object, char: Characteristic | None, data: object
) -> None:
    """On delete (``data`` None): refused while the characteristic has readings."""
    if char is not None and data is None:
        _refuse_deleting_readings(db, [char.id], f"characteristic {char.name}")


_CHARACTERISTIC_FIELDS = (
    "plan_id", "name", "kind", "nominal", "lsl", "usl", "unit", "chart", "subgroup_size",
    "rules", "center", "sigma",
)  # fmt: skip


def check_characteristic(db: Session, data: dict[str, Any], _id: int | None) -> None:
    """The rules of a characteristic beyond its columns, on create (``_id`` None) and on
    an edit; fills in the chart of its kind when none is given."""
    # An edit sends only what changed: the rules hold for the record as it will be.
    current = db.get(Characteristic, _id) if _id is not None else None
    merged = {
        **({c: getattr(current, c) for c in _CHARACTERISTIC_FIELDS} if current is not None else {}),
        **data,
    }
    lsl, usl, nominal = merged.get("lsl"), merged.get("usl"), merged.get("nominal")
    if lsl is not None and usl is not None and lsl >= usl:
        raise ValidationProblem(
            "LSL must be below USL", errors=[FieldError("usl", "must be above lsl")]
        )
    if nominal is not None and (
        (lsl is not None and nominal < lsl) or (usl is not None and nominal > usl)
    ):
        raise ValidationProblem(
            "the nominal lies outside the specification",
            errors=[FieldError("nominal", "must lie between lsl and usl")],
        )
    if (merged.get("center") is None) != (merged.get("sigma") is None):
        raise ValidationProblem(
            "phase II limits need both a centre and a sigma",
            errors=[FieldError("sigma", "give center and sigma together, or neither")],
        )
    kind = merged.get("kind")
    if data.get("chart") is None and _id is None:
        data["chart"] = merged["chart"] = "p" if kind == "attribute" else "imr"
    chart, size = merged.get("chart"), merged.get("subgroup_size")
    allowed = ATTRIBUTE_CHARTS if kind == "attribute" else VARIABLE_CHARTS
    # (an attribute stored with a variables chart before attributes were charted is
    # drawn as a p chart, and may be edited without choosing one)
    checked = _id is None or "chart" in data or "kind" in data
    if checked and chart not in allowed:
        raise ValidationProblem(
            f"an {kind} characteristic is not drawn on a {chart} chart",
            errors=[FieldError("chart", f"must be one of {', '.join(allowed)}")],
        )
    if chart in ("xbar_r", "xbar_s") and (size or 1) < 2:
        raise ValidationProblem(
            "an X-bar chart needs subgroups",
            errors=[FieldError("subgroup_size", "must be 2 or more for an X-bar chart")],
        )
    if chart in ("xbar_r", "xbar_s") and (size or 1) > 25:
        raise ValidationProblem(
            "the X-bar factors are tabled up to subgroups of 25",
            errors=[FieldError("subgroup_size", "must be 25 or less for an X-bar chart")],
        )


# The most points a rule looks back on (Nelson 7: fifteen in a row within 1 sigma): the
# rules at the newest point of a chart are the same over its last 15 points as over all.
RULE_LOOKBACK = 15


def _chart_of_latest(
    db: Session, char: Characteristic, tail: Sequence[AttributeSample], total: int
) -> Chart | None:
    """The attribute chart's latest points (``tail``, the newest samples) with the centre
    line and limits of the whole window (phase I) or of the frozen centre (phase II):
    point for point the same as the end of the chart over all the window's samples."""
    n = char.subgroup_size
    kind = attribute_chart_kind(char)
    count, units, nc, defects, low, high = db.execute(
        _totals_statement(kind is ChartKind.U),
        {"char_id": char.id, "pending": total % n, "rows": CHART_WINDOW * n},
    ).one()
    count, units, nc, defects = int(count), int(units), int(nc), int(defects)
    samples = count // n
    irregular = count % n or (kind is ChartKind.NP and not low == high == 1)
    if irregular:  # a verdict came in meanwhile, or np over results of several units
        return build_attribute_chart(char, attribute_samples(db, char, total=total))[0]
    if samples < 2:
        return None
    center = char.center
    try:
        if kind is ChartKind.NP:
            p = center if center is not None else nc / (n * samples)
            return np_chart([s.nonconforming for s in tail], n, p=p)
        if kind is ChartKind.U:
            u = center if center is not None else defects / float(units)
            counts = [s.nonconformities for s in tail]
            return u_chart(counts, [float(s.units) for s in tail], u=u)
        p = center if center is not None else nc / units
        return p_chart([s.nonconforming for s in tail], [s.units for s in tail], p=p)
    except ValueError:
        return None


def evaluate_new_verdict(
    db: Session, char: Characteristic, m: Measurement
) -> tuple[list[str], float]:
    """Rules that fire at the sample the new verdict completes (none while the sample
    is incomplete, or for a late verdict), and the sample's plotted value."""
    rules = [Rule(r) for r in char.rules]
    if not rules:
        return [], 0.0
    total = _verdicts(db, char)
    if total % char.subgroup_size:
        return [], 0.0  # the sample is not complete yet: nothing to evaluate
    # Only the samples the rules look back on are read as samples; the centre line rests
    # on the window's sums (the same integers the whole chart would sum).
    tail = attribute_samples(db, char, RULE_LOOKBACK, total=total)
    if not tail or tail[-1].last_id != m.id:
        return [], 0.0
    chart = _chart_of_latest(db, char, tail, total)
    if chart is None:
        return [], 0.0
    last = len(chart.points) - 1
    fired = sorted({v.rule.value for v in evaluate_rules(chart.points, rules) if v.index == last})
    for rule in fired:
        db.add(
            SpcSignal(characteristic_id=char.id, measurement_id=m.id, rule=rule, at=m.measured_at)
        )
    if fired and char.out_of_control_since is None:
        char.out_of_control_since = m.measured_at
    return fired, chart.points[last].value


def _base_chart(char: Characteristic) -> dict[str, Any]:
    return {
        "characteristic_id": char.id,
        "name": char.name,
        "unit": char.unit,
        "kind": char.chart,
        "nominal": char.nominal,
        "lsl": char.lsl,
        "usl": char.usl,
        "rules": list(char.rules),
        "out_of_control_since": char.out_of_control_since,
        "capability": None,
        "secondary": [],
        "secondary_statistic": None,
        "samples": [],
    }


def attribute_chart_for(db: Session, char: Characteristic) -> dict[str, Any]:
    samples = attribute_samples(db, char)
    chart, why = build_attribute_chart(char, samples)
    base = {**_base_chart(char), "kind": attribute_chart_kind(char).value}
    if chart is None:
        return {
            **base,
            "statistic": "",
            "center": None,
            "ucl": None,
            "lcl": None,
            "points": [],
            "note": why,
        }
    violations: dict[int, list[str]] = defaultdict(list)
    for v in evaluate_rules(chart.points, [Rule(r) for r in char.rules]):
        violations[v.index].append(v.rule.value)
    return {
        **base,
        "statistic": chart.statistic,
        "center": chart.center,
        "ucl": chart.ucl,
        "lcl": chart.lcl,
        "points": [
            {
                "index": p.index,
                "value": p.value,
                "center": p.center,
                "ucl": p.ucl,
                "lcl": p.lcl,
                "at": s.at,
                "violations": violations.get(p.index, []),
            }
            for p, s in zip(chart.points, samples, strict=True)
        ],
        "samples": [
            {
                "units": s.units,
                "nonconforming": s.nonconforming,
                "nonconformities": s.nonconformities,
            }
            for s in samples
        ],
        "note": None,
    }


def chart_for(db: Session, char_id: int, limit: int = CHART_WINDOW) -> dict[str, Any]:
    char = db.get(Characteristic, char_id)
    if char is None:
        raise NotFound(f"characteristic {char_id} not found")
    if char.kind == CharacteristicKind.ATTRIBUTE:
        return attribute_chart_for(db, char)
    readings = _readings(db, char.id, limit, _subgroup(char))
    values = [v for _, v, _ in readings]
    chart = build_chart(char, values)
    base = _base_chart(char)
    if chart is None:
        return {
            **base,
            "statistic": "",
            "center": None,
            "ucl": None,
            "lcl": None,
            "points": [],
            "note": "too few readings for this chart",
        }
    n = char.subgroup_size if chart.kind in (ChartKind.XBAR_R, ChartKind.XBAR_S) else 1
    times = [t for _, _, t in readings]
    pts = _points_of(chart)
    violations: dict[int, list[str]] = defaultdict(list)
    for v in evaluate_rules(pts, [Rule(r) for r in char.rules]):
        violations[v.index].append(v.rule.value)

    def shape(p: ChartPoint, marks: dict[int, list[str]]) -> dict[str, Any]:
        t_index = min(len(times) - 1, (p.index + 1) * n - 1)
        return {
            "index": p.index,
            "value": p.value,
            "center": p.center,
            "ucl": p.ucl,
            "lcl": p.lcl,
            "at": times[t_index] if times else None,
            "violations": marks.get(p.index, []),
        }

    cap: Capability | None = None
    if (char.lsl is not None or char.usl is not None) and len(values) >= 2:
        try:
            cap = capability(values, lsl=char.lsl, usl=char.usl, subgroup_size=n)
        except ValueError:
            cap = None
    return {
        **base,
        "statistic": chart.statistic,
        "center": chart.center,
        "ucl": chart.ucl,
        "lcl": chart.lcl,
        "points": [shape(p, violations) for p in chart.points],
        "secondary": [shape(p, {}) for p in chart.secondary.points] if chart.secondary else [],
        "secondary_statistic": chart.secondary.statistic if chart.secondary else None,
        "capability": None
        if cap is None
        else {
            "n": cap.n,
            "mean": cap.mean,
            "sigma_within": cap.sigma_within,
            "sigma_overall": cap.sigma_overall,
            # an index over a spread of next to nothing is no number (not infinity)
            "cp": _finite(cap.cp),
            "cpk": _finite(cap.cpk),
            "pp": _finite(cap.pp),
            "ppk": _finite(cap.ppk),
        },
        "note": None,
    }


def _finite(x: float | None) -> float | None:
    return x if x is not None and math.isfinite(x) else None


def acknowledge_control(db: Session, char_id: int) -> Characteristic:
    char = db.get(Characteristic, char_id)
    if char is None:
        raise NotFound(f"characteristic {char_id} not found")
    char.out_of_control_since = None
    return char


# --- nonconformances and holds ------------------------------------------------------------


def create_nonconformance(db: Session, data: dict[str, Any]) -> Nonconformance:
    errors: list[FieldError] = []
    if db.get(Product, data["product_id"]) is None:
        errors.append(FieldError("product_id", "names no product"))
    if data.get("inspection_id") is not None and db.get(Inspection, data["inspection_id"]) is None:
        errors.append(FieldError("inspection_id", "names no inspection"))
    lo, hi = data.get("serial_from"), data.get("serial_to")
    if (lo is None) != (hi is None):
        errors.append(FieldError("serial_to", "give both ends of a serial range, or neither"))
    elif lo is not None and hi is not None and lo > hi:
        errors.append(FieldError("serial_to", "must not sort before serial_from"))
    if data.get("hold") and data.get("lot") is None and lo is None:
        errors.append(FieldError("hold", "a hold needs a lot or a serial range"))
    if errors:
        raise ValidationProblem("the nonconformance has invalid fields", errors=errors)
    ncr = Nonconformance(**data, status="open")
    db.add(ncr)
    return ncr


def dispose(
    db: Session,
    ncr_id: int,
    *,
    disposition: Disposition,
    note: str,
    version: int,
    release_hold: bool,
    actor: str,
) -> Nonconformance:
    ncr = db.get(Nonconformance, ncr_id)
    if ncr is None:
        raise NotFound(f"nonconformance {ncr_id} not found")
    if ncr.version != version:
        raise Conflict(
            f"nonconformance {ncr_id} changed meanwhile (version {ncr.version})",
            errors=[FieldError("version", f"is stale; the current version is {ncr.version}")],
        )
    if ncr.status == "closed":
        raise Conflict(f"nonconformance {ncr_id} is already dispositioned")
    ncr.disposition = disposition.value
    ncr.disposition_note = note
    ncr.disposed_at = utcnow()
    ncr.disposed_by = actor
    ncr.status = "closed"
    if release_hold:
        ncr.hold = False
    return ncr


def holds_on(
    db: Session, *, serial: str | None = None, lot: str | None = None, product_id: int | None = None
) -> list[int]:
    """Open holds covering a serial (inside a serial range) or a lot."""
    conds = []
    if lot is not None:
        conds.append(Nonconformance.lot == lot)
    if serial is not None:
        conds.append(
            and_(
                Nonconformance.serial_from.is_not(None),
                Nonconformance.serial_from <= serial,
                Nonconformance.serial_to >= serial,
            )
        )
    if not conds:
        return []
    q = select(Nonconformance.id).where(Nonconformance.hold.is_(True), or_(*conds))
    if product_id is not None:
        q = q.where(Nonconformance.product_id == product_id)
    return list(db.scalars(q.order_by(Nonconformance.id)))


# --- figures -----------------------------------------------------------------------------


def _ratio(num: float, den: float) -> float | None:
    return num / den if den else None


def figures(
    db: Session,
    start: datetime,
    end: datetime,
    *,
    product_id: int | None = None,
    line_ids: Sequence[int] | None = None,
    line_id: int | None = None,
    area_id: int | None = None,
) -> dict[str, Any]:
    """First pass yield per step and overall, RTY, scrap/rework ratios, DPMO, and FPY by
    machine and by area; with ``line_id`` (``area_id``), of the results recorded on that
    line (the area's lines) only, and no scrap or rework ratio: a nonconformance names
    no line.

    FPY per step: from serials where the step's results carry them (units whose first
    inspection at the step passed / units first inspected there), else from counts
    (first-pass good / inspected). RTY = product of the steps' FPY. Scrap and rework
    ratios (ISO 22400): dispositioned nonconforming quantity / produced (inspected first
    pass) quantity. DPMO (IPC-9261A) = defects / (units x opportunities per unit) x 1e6,
    over results whose plan gives the opportunities.
    """
    q = select(Inspection).where(Inspection.inspected_at >= start, Inspection.inspected_at < end)
    if product_id is not None:
        q = q.where(Inspection.product_id == product_id)
    if line_ids is not None:
        q = q.where(or_(Inspection.line_id.in_(line_ids), Inspection.line_id.is_(None)))
    if line_id is not None:
        q = q.where(Inspection.line_id == line_id)
    if area_id is not None:
        q = q.where(Inspection.line_id.in_(select(Line.id).where(Line.area_id == area_id)))
    rows = list(db.scalars(q))
    by_step: dict[int, list[Inspection]] = defaultdict(list)
    for r in rows:
        by_step[r.step_seq].append(r)
    steps = []
    rty: float | None = 1.0 if by_step else None
    total_in = total_good = 0
    for seq in sorted(by_step):
        firsts = [r for r in by_step[seq] if r.first_pass]
        with_serial = [r for r in firsts if r.serial is not None]
        basis = "serials" if with_serial and len(with_serial) == len(firsts) else "counts"
        inspected = sum(r.quantity for r in firsts)
        good = sum(r.passed_quantity for r in firsts)
        fpy = _ratio(good, inspected)
        steps.append(
            {
                "step_seq": seq,
                "inspected": inspected,
                "first_pass_good": good,
                "fpy": fpy,
                "basis": basis,
            }
        )
        total_in += inspected
        total_good += good
        rty = None if rty is None or fpy is None else rty * fpy
    ncq = select(Nonconformance.disposition, func.sum(Nonconformance.quantity)).where(
        Nonconformance.disposed_at >= start,
        Nonconformance.disposed_at < end,
        Nonconformance.disposition.is_not(None),
    )
    if product_id is not None:
        ncq = ncq.where(Nonconformance.product_id == product_id)
    one_place = line_id is not None or area_id is not None
    by_disp = (
        {d: int(q_ or 0) for d, q_ in db.execute(ncq.group_by(Nonconformance.disposition))}
        if not one_place
        else {}
    )
    produced = (
        total_in if not by_step else sum(r.quantity for r in by_step[max(by_step)] if r.first_pass)
    )
    scrap = by_disp.get(Disposition.SCRAP.value, 0)
    rework = by_disp.get(Disposition.REWORK.value, 0)
    ids = [r.id for r in rows]
    defect_rows = (
        db.execute(
            select(Defect.inspection_id, func.sum(Defect.quantity))
            .where(Defect.inspection_id.in_(ids))
            .group_by(Defect.inspection_id)
        ).all()
        if ids
        else []
    )
    defects_by_insp = {i: int(n) for i, n in defect_rows}
    plan_opps = dict(
        db.execute(
            select(InspectionPlan.id, InspectionPlan.opportunities_per_unit).where(
                InspectionPlan.opportunities_per_unit.is_not(None)
            )
        ).all()
    )
    opportunities = 0
    opp_defects = 0
    for r in rows:
        per_unit = plan_opps.get(r.plan_id) if r.plan_id is not None else None
        if per_unit:
            opportunities += r.quantity * per_unit
            opp_defects += defects_by_insp.get(r.id, 0)
    return {
        "start": start,
        "end": end,
        "inspected": total_in,
        "first_pass_good": total_good,
        "fpy": _ratio(total_good, total_in),
        "rty": rty,
        "steps": steps,
        "produced": produced,
        "scrap_quantity": scrap,
        "rework_quantity": rework,
        "scrap_ratio": _ratio(scrap, produced) if not one_place else None,
        "rework_ratio": _ratio(rework, produced) if not one_place else None,
        "defects": sum(defects_by_insp.values()),
        "opportunities": opportunities or None,
        "dpmo_defects": opp_defects,
        "dpmo": _ratio(opp_defects * 1e6, opportunities) if opportunities else None,
        **_yield_by_place(db, rows),
    }


def _yield_by_place(db: Session, rows: Sequence[Inspection]) -> dict[str, list[dict[str, Any]]]:
    """FPY of the first-pass results by machine and by their line's area: units good at
    their first inspection / units first inspected, as the totals (counts by quantity)."""
    firsts = [r for r in rows if r.first_pass]
    machines = {r.machine_id for r in firsts if r.machine_id is not None}
    lines = {r.line_id for r in firsts if r.line_id is not None}
    line_area = (
        dict(db.execute(select(Line.id, Line.area_id).where(Line.id.in_(lines))).all())
        if lines
        else {}
    )
    names: dict[str, dict[int, tuple[str, str]]] = {"machine": {}, "area": {}}
    if machines:
        names["machine"] = {
            i: (c, n)
            for i, c, n in db.execute(
                select(Machine.id, Machine.code, Machine.name).where(Machine.id.in_(machines))
            ).all()
        }
    if line_area:
        names["area"] = {
            i: (c, n)
            for i, c, n in db.execute(
                select(Area.id, Area.code, Area.name).where(Area.id.in_(set(line_area.values())))
            ).all()
        }
    sums: dict[str, dict[int, list[int]]] = {"machine": defaultdict(lambda: [0, 0]),
                                            "area": defaultdict(lambda: [0, 0])}  # fmt: skip
    for r in firsts:
        keys = {"machine": r.machine_id, "area": line_area.get(r.line_id or 0)}
        for kind, key in keys.items():
            if key is not None:
                sums[kind][key][0] += r.quantity
                sums[kind][key][1] += r.passed_quantity

    def shaped(kind: str) -> list[dict[str, Any]]:
        out = []
        for key, (inspected, good) in sums[kind].items():
            code, name = names[kind].get(key, (f"#{key}", ""))
            out.append(
                {
                    "id": key,
                    "code": code,
                    "name": name,
                    "inspected": inspected,
                    "first_pass_good": good,
                    "fpy": _ratio(good, inspected),
                }
            )
        return sorted(out, key=lambda g: g["code"])

    return {"machines": shaped("machine"), "areas": shaped("area")}


def pareto(
    db: Session,
    start: datetime,
    end: datetime,
    by: str,
    *,
    product_id: int | None = None,
    line_ids: Sequence[int] | None = None,
    line_id: int | None = None,
) -> dict[str, Any]:
    """Defects counted by code, reference designator, machine, line, shift or lot."""
    q = (
        select(
            Defect.code,
            Defect.ref_designator,
            Defect.quantity,
            Inspection.machine_id,
            Inspection.line_id,
            Inspection.lot,
            Inspection.inspected_at,
        )
        .join(Inspection, Inspection.id == Defect.inspection_id)
        .where(Inspection.inspected_at >= start, Inspection.inspected_at < end)
    )
    if product_id is not None:
        q = q.where(Inspection.product_id == product_id)
    if line_ids is not None:
        q = q.where(or_(Inspection.line_id.in_(line_ids), Inspection.line_id.is_(None)))
    if line_id is not None:
        q = q.where(Inspection.line_id == line_id)
    rows = db.execute(q).all()
    counts: Counter[str] = Counter()
    machine_codes: dict[int, str] = {}
    line_codes: dict[int, str] = {}
    if by == "machine":
        machine_codes = {mid: code for mid, code in db.execute(select(Machine.id, Machine.code))}
    if by == "line":
        line_codes = {lid: code for lid, code in db.execute(select(Line.id, Line.code))}
    wt = (
        WorkingTime.for_lines(db, {r.line_id for r in rows if r.line_id is not None})
        if by == "shift"
        else None
    )
    for r in rows:
        key: str | None
        if by == "code":
            key = r.code
        elif by == "ref":
            key = r.ref_designator
        elif by == "machine":
            key = machine_codes.get(r.machine_id) if r.machine_id is not None else None
        elif by == "line":
            key = line_codes.get(r.line_id) if r.line_id is not None else None
        elif by == "lot":
            key = r.lot
        else:  # shift
            key = None
            if wt is not None and r.line_id is not None:
                shift = shift_containing(wt.of_line(r.line_id).spec, r.inspected_at)
                key = f"{shift.day.isoformat()} {shift.code}" if shift else None
        counts[key or "unassigned"] += int(r.quantity)
    total = sum(counts.values())
    cumulative = 0
    out = []
    for key, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        cumulative += n
        out.append(
            {
                "key": key,
                "count": n,
                "share": _ratio(n, total),
                "cumulative_share": _ratio(cumulative, total),
            }
        )
    return {"by": by, "start": start, "end": end, "total": total, "rows": out}


# --- reading results ----------------------------------------------------------------------


def shape_inspection(
    db: Session, insp: Inspection, violations: Sequence[str] = ()
) -> dict[str, Any]:
    ms = db.scalars(
        select(Measurement).where(Measurement.inspection_id == insp.id).order_by(Measurement.id)
    ).all()
    ds = db.scalars(select(Defect).where(Defect.inspection_id == insp.id).order_by(Defect.id)).all()
    held = bool(
        (insp.serial or insp.lot)
        and holds_on(db, serial=insp.serial, lot=insp.lot, product_id=insp.product_id)
    )
    return {
        **{
            c: getattr(insp, c)
            for c in (
                "id",
                "product_id",
                "step_seq",
                "plan_id",
                "order_id",
                "machine_id",
                "line_id",
                "method",
                "source",
                "serial",
                "lot",
                "quantity",
                "passed_quantity",
                "passed",
                "first_pass",
                "inspected_at",
                "inspector",
            )
        },
        "measurements": [
            {"characteristic_id": m.characteristic_id, "value": m.value, "passed": m.passed}
            for m in ms
        ],
        "defects": [
            {
                "code": d.code,
                "defect_code_id": d.defect_code_id,
                "ref_designator": d.ref_designator,
                "quantity": d.quantity,
            }
            for d in ds
        ],
        "violations": list(violations),
        "held": held,
    }


def list_inspections(
    db: Session,
    *,
    serial: str | None = None,
    product_id: int | None = None,
    line_ids: Sequence[int] | None = None,
    passed: bool | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Inspection], int]:
    q = select(Inspection)
    if serial is not None:
        q = q.where(Inspection.serial == serial)
    if product_id is not None:
        q = q.where(Inspection.product_id == product_id)
    if line_ids is not None:
        q = q.where(or_(Inspection.line_id.in_(line_ids), Inspection.line_id.is_(None)))
    if passed is not None:
        q = q.where(Inspection.passed.is_(passed))
    total = db.scalar(select(func.count()).select_from(q.subquery())) or 0
    items = db.scalars(
        q.order_by(Inspection.inspected_at.desc(), Inspection.id.desc()).limit(limit).offset(offset)
    ).all()
    return list(items), total


def list_nonconformances(
    db: Session, *, status: str | None = None, limit: int = 50, offset: int = 0
) -> tuple[list[Nonconformance], int]:
    q = select(Nonconformance)
    if status is not None:
        q = q.where(Nonconformance.status == status)
    total = db.scalar(select(func.count()).select_from(q.subquery())) or 0
    items = db.scalars(q.order_by(Nonconformance.id.desc()).limit(limit).offset(offset)).all()
    return list(items), total


def visible_lines(db: Session, area_ids: frozenset[int] | None) -> list[int] | None:
    """The lines an area-scoped caller sees (None: all)."""
    if area_ids is None:
        return None
    return list(db.scalars(select(Line.id).where(Line.area_id.in_(area_ids))))


def get_inspection(db: Session, inspection_id: int) -> Inspection:
    insp = db.get(Inspection, inspection_id)
    if insp is None:
        raise NotFound(f"inspection {inspection_id} not found")
    return insp


def signals(db: Session, *, limit: int = 50) -> list[SpcSignal]:
    return list(db.scalars(select(SpcSignal).order_by(SpcSignal.id.desc()).limit(limit)))


def area_of(db: Session, line_id: int | None, machine_id: int | None) -> int | None:
    """The area of the line (or of the machine's line) a result names."""
    if line_id is None and machine_id is not None:
        line_id = db.scalar(select(Machine.line_id).where(Machine.id == machine_id))
    if line_id is None:
        return None
    return db.scalar(select(Line.area_id).where(Line.id == line_id))
