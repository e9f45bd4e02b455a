"""Idle risks from live states and the published plan; read-only reallocation suggestions.

``refresh`` (the ``idle.risk`` job, every minute) builds each machine's ``Snapshot`` from
its stored state intervals and the published plan, applies the shipped risk model and
replaces the machines' rows in ``idle_risks``. ``suggestions`` turns the flagged and the
currently idle machines into a CP-SAT proposal over the active operators, each standing
where the current shift's allocation board (labour) puts them; ``accept`` applies one
move as a board change through labour, so its conflicts, versions and audit apply.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from linewise.allocation.proposal import Person, Rules, Station, propose
from linewise.allocation.risk import FLAG_ABOVE, Snapshot, shipped_model
from linewise.core.errors import Conflict, FieldError, Forbidden, ValidationProblem
from linewise.domains.equipment.models import Area, Line, Machine
from linewise.domains.idle.models import IdleRisk, OperatorIdleRisk
from linewise.domains.idle.operators import refresh_operators
from linewise.domains.labour import repository as labour_repo
from linewise.domains.labour import service as labour
from linewise.domains.labour.models import AllocationVersion
from linewise.domains.labour.shifts import ShiftRef, current_and_next
from linewise.domains.people.models import Operator
from linewise.domains.people.working_time import WorkingTime
from linewise.domains.planning.models import PlannedOperation
from linewise.domains.planning.repository import published_plan_id
from linewise.ingest.models import StateInterval
from linewise.jobs import JobContext
from linewise.kpi import TimeWindow

KIND = "idle.risk"
IDLE = ("idle", "down")


def snapshots(
    db: Session, now: datetime, stop_at: dict[int, datetime] | None = None
) -> dict[int, Snapshot]:
    """Each machine as the risk model sees it at ``now``; ``stop_at``: per line, the next
    planned stop within the hour (read here when not given)."""
    hour_ago = now - timedelta(hours=1)
    rows = db.execute(
        select(
            StateInterval.machine_id, StateInterval.start, StateInterval.end, StateInterval.state
        )
        .where(
            StateInterval.start <= now,
            or_(StateInterval.end.is_(None), StateInterval.end > now - timedelta(hours=8)),
        )
        .order_by(StateInterval.machine_id, StateInterval.start)
    ).all()
    by_machine: dict[int, list[Any]] = defaultdict(list)
    for r in rows:
        by_machine[r.machine_id].append(r)
    spans = db.execute(
        select(PlannedOperation.line_id, PlannedOperation.start, PlannedOperation.end).where(
            PlannedOperation.plan_id == published_plan_id(),
            PlannedOperation.start <= now,
            PlannedOperation.end > now,
        )
    ).all()
    line_end = {s.line_id: s.end for s in spans}
    machines = db.execute(select(Machine.id, Machine.line_id)).all()
    if stop_at is None:
        stop_at = next_planned_stops(db, {m.line_id for m in machines}, now)
    out: dict[int, Snapshot] = {}
    for m in machines:
        ivs = by_machine.get(m.id, [])
        if not ivs:
            continue  # no data, no risk (the model would only guess its base rate)
        last = ivs[-1]
        state = last.state
        since = last.start
        for prev in reversed(ivs[:-1]):
            if prev.state != state or (prev.end is not None and prev.end != since):
                break
            since = prev.start
        idle_min = 0.0
        for r in ivs:
            a, b = max(r.start, hour_ago), min(r.end or now, now)
            if b > a and r.state in IDLE:
                idle_min += (b - a).total_seconds() / 60.0
        end = line_end.get(m.line_id)
        out[m.id] = Snapshot(
            state,
            (now - since).total_seconds() / 60.0,
            idle_min / 60.0,
            (end - now).total_seconds() / 60.0 if end else None,
            (stop_at[m.line_id] - now).total_seconds() / 60.0 if m.line_id in stop_at else None,
        )
    return out


def next_planned_stops(db: Session, line_ids: set[int], now: datetime) -> dict[int, datetime]:
    """Per line, the next break or shift end within the hour after ``now`` (from the
    working-time provider: shifts, breaks, overtime, registered outages)."""
    if not line_ids:
        return {}
    window = TimeWindow(now, now + timedelta(hours=1))
    out: dict[int, datetime] = {}
    for line_id, planned in WorkingTime.for_lines(db, line_ids).planned(line_ids, window).items():
        ahead = [p.start for p in planned.planned_stops if p.start > now]
        ahead += [s.end for s in planned.shifts if s.start <= now < s.end]
        ahead = [t for t in ahead if t <= window.end]
        if ahead:
            out[line_id] = min(ahead)
    return out


def refresh(db: Session, now: datetime) -> int:
    """Recompute every machine's and every clocked-in operator's risks; returns how many
    are flagged.

    Only rows whose values changed are written (``computed_at`` is when they were), so
    that a quiet factory's database sees no write every minute.
    """
    model = shipped_model()
    stop_at = next_planned_stops(db, set(db.scalars(select(Line.id))), now)
    snaps = snapshots(db, now, stop_at)
    rows = {r.machine_id: r for r in db.scalars(select(IdleRisk))}
    for machine_id in set(rows) - set(snaps):
        db.delete(rows[machine_id])
    flagged = 0
    for machine_id, snap in snaps.items():
        risks = model.risks(snap)
        values = {
            "state": snap.state,
            "risk_5": round(risks[5], 3),
            "risk_15": round(risks[15], 3),
            "risk_30": round(risks[30], 3),
            "flagged": risks[15] > FLAG_ABOVE and snap.state != "planned_stop",
        }
        flagged += bool(values["flagged"])
        row = rows.get(machine_id)
        if row is None:
            db.add(IdleRisk(machine_id=machine_id, computed_at=now, **values))
        elif any(getattr(row, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(row, k, v)
            row.computed_at = now
    return flagged + refresh_operators(db, now, stop_at)


def refresh_job(ctx: JobContext) -> None:
    from linewise.core.time import utcnow

    refresh(ctx.session, utcnow())


def risks(db: Session, machine_ids: list[int]) -> list[dict[str, Any]]:
    rows = db.execute(
        select(IdleRisk, Machine.code, Machine.name, Line.code.label("line_code"))
        .join(Machine, Machine.id == IdleRisk.machine_id)
        .join(Line, Line.id == Machine.line_id)
        .where(IdleRisk.machine_id.in_(machine_ids))
        .order_by(IdleRisk.risk_15.desc(), Machine.code)
    ).all()
    return [
        {
            "machine_id": r.IdleRisk.machine_id,
            "machine_code": r.code,
            "machine_name": r.name,
            "line_code": r.line_code,
            "state": r.IdleRisk.state,
            "computed_at": r.IdleRisk.computed_at.isoformat(),
            "risk_5": r.IdleRisk.risk_5,
            "risk_15": r.IdleRisk.risk_15,
            "risk_30": r.IdleRisk.risk_30,
            "flagged": r.IdleRisk.flagged,
        }
        for r in rows
    ]


def operator_risks(db: Session, area_ids: frozenset[int] | None) -> list[dict[str, Any]]:
    """The clocked-in operators' latest risks, highest first; ``area_ids``: only operators
    of these areas (None: all)."""
    rows = db.execute(
        select(OperatorIdleRisk, Operator, Line.code.label("line_code"))
        .join(Operator, Operator.id == OperatorIdleRisk.operator_id)
        .outerjoin(Line, Line.id == OperatorIdleRisk.line_id)
        .order_by(OperatorIdleRisk.risk_15.desc(), Operator.code)
    ).all()
    return [
        {
            "operator_id": r.Operator.id,
            "operator_code": r.Operator.code,
            "operator_name": r.Operator.name,
            "line_code": r.line_code,
            "state": r.OperatorIdleRisk.state,
            "cause": r.OperatorIdleRisk.cause,
            "computed_at": r.OperatorIdleRisk.computed_at.isoformat(),
            "risk_5": r.OperatorIdleRisk.risk_5,
            "risk_15": r.OperatorIdleRisk.risk_15,
            "risk_30": r.OperatorIdleRisk.risk_30,
            "flagged": r.OperatorIdleRisk.flagged,
        }
        for r in rows
        if area_ids is None or set(r.Operator.area_ids) & area_ids
    ]


def current_board(db: Session, now: datetime) -> tuple[int, ShiftRef, int, dict[int, int]] | None:
    """The first site's running shift on the allocation board: (site, shift, version,
    operator id -> line id); None without a site."""
    sites = labour_repo.site_ids(db)
    if not sites:
        return None
    shift, _ = current_and_next(db, sites[0], now)
    version, assignments = labour.board_assignments(db, sites[0], shift.key)
    return sites[0], shift, version, {a["operator_id"]: a["line_id"] for a in assignments}


def suggestions(
    db: Session, machine_ids: list[int], now: datetime, may_accept: bool = False
) -> dict[str, Any]:
    """A proposal: active operators to the lines whose machines are at risk or idle.

    A line is short when one of its machines is flagged or idle now and nobody stands
    on it on the board; its gain is the expected idle machine-minutes over 30 minutes
    (the risks summed). Each operator stands where the current shift's board puts them
    (unknown if nowhere) and may go to a line of their areas; only those whose shift
    runs now on one of these lines (or who have no shift) are proposed.
    """
    board = current_board(db, now)
    on_line = board[3] if board else {}
    line_code = {r.id: r.code for r in db.execute(select(Line.id, Line.code))}
    staffed: dict[str, int] = defaultdict(int)
    for line_id in on_line.values():
        staffed[line_code.get(line_id, "")] += 1
    rows = db.execute(
        select(IdleRisk, Machine.line_id, Line.code, Area.code.label("area"))
        .join(Machine, Machine.id == IdleRisk.machine_id)
        .join(Line, Line.id == Machine.line_id)
        .join(Area, Area.id == Line.area_id)
        .where(IdleRisk.machine_id.in_(machine_ids))
    ).all()
    lines: dict[str, dict[str, Any]] = {}
    for r in rows:
        entry = lines.setdefault(r.code, {"area": r.area, "gain": 0.0, "short": False, "n": 0})
        entry["n"] += 1
        entry["gain"] += 30.0 * r.IdleRisk.risk_30
        entry["short"] = entry["short"] or r.IdleRisk.flagged or r.IdleRisk.state == "idle"
    stations = [
        # people on the board count as present; without any, a short line has none
        Station(
            code,
            e["area"],
            None,
            1,
            staffed[code] or (0 if e["short"] else 1),
            True,
            e["n"],
            e["gain"],
        )
        for code, e in sorted(lines.items())
    ]
    line_ids = {r.line_id for r in rows}
    running = {
        p.code
        for p in WorkingTime.for_lines(db, line_ids).current(line_ids, now).values()
        if p.code
    }
    operators = db.scalars(select(Operator).where(Operator.active.is_(True))).all()
    people = [
        Person(
            o.code,
            tuple(o.skills),
            tuple(a.code for a in o.areas),
            line_code.get(on_line[o.id]) if o.id in on_line else None,
            available=o.shift_code is None or o.shift_code in running,
        )
        for o in sorted(operators, key=lambda o: o.code)
    ]
    ids = {o.code: o.id for o in operators}
    proposal = propose(stations, people, Rules(horizon_min=30.0, cross_area=False))
    return {
        "moves": [
            {
                "operator": m.operator,
                "operator_id": ids[m.operator],
                "from_station": m.from_station,
                "to_station": m.to_station,
                "gain_min": m.gain_min,
            }
            for m in proposal.moves
        ],
        "gain_min": proposal.gain_min,
        "status": proposal.status,
        "seconds": round(proposal.seconds, 4),
        "accept_available": may_accept and board is not None,
        "board_version": board[2] if board else None,
        "shift_key": board[1].key if board else None,
    }


def accept(
    db: Session,
    operator_id: int,
    from_station: str | None,
    to_station: str,
    base_version: int,
    gain_min: float,
    actor: str,
    now: datetime,
    area_ids: frozenset[int] | None,
    may_touch_area: Callable[[int | None], bool],
) -> tuple[AllocationVersion, Line]:
    """Apply one suggested move as a change of the current shift's board (labour's
    ``change``: conflicts refused in words, a stale ``base_version`` is a 409, a new
    version with the reason "idle suggestion: +N min", audited and announced)."""
    board = current_board(db, now)
    if board is None:
        raise ValidationProblem("no site has a board", errors=[FieldError("to_station", "no site")])
    site_id, shift, _, on_line = board
    op = db.get(Operator, operator_id)
    if op is None:
        raise ValidationProblem(
            f"operator {operator_id} does not exist",
            errors=[FieldError("operator_id", "unknown operator")],
        )
    if area_ids is not None and not set(op.area_ids) & area_ids:
        raise Forbidden(f"{op.name} works outside your areas")
    line = db.scalars(select(Line).where(Line.code == to_station)).first()
    if line is None:
        raise ValidationProblem(
            f"line {to_station!r} does not exist", errors=[FieldError("to_station", "unknown line")]
        )
    if not may_touch_area(line.area_id):
        raise Forbidden(f"{line.code} is outside your areas")
    here = db.get(Line, on_line[op.id]) if op.id in on_line else None
    if (here.code if here else None) != from_station:
        raise Conflict(
            f"{op.name} is no longer where the suggestion saw them; reload the suggestions",
            errors=[FieldError("from_station", f"stale: now {here.code if here else 'nowhere'}")],
        )
    row = labour.change(
        db, site_id, shift, base_version, "move" if here else "assign", op, line, None,
        f"idle suggestion: +{round(gain_min)} min", actor, now, may_touch_area,
    )  # fmt: skip
    return row, line
