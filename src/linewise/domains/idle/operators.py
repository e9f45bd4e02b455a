"""Idle risks of the operators who are clocked in, refreshed with the machines' risks.

An operator is seen the way the simulator's operators were when their model was fitted
(``allocation/training.operator_samples``): working (an operation of theirs running at
the terminal) reads as producing, anything else as idle; how long they have been in that
state; the idle share of their last hour of attendance; and the next break or shift end
of the line they stand on (their open work interval, opened at clock-in at their place on
the board and moved with it). The cause of a present idle stretch is labour's rule
(``labour.measure.cause_at``): no assignment, machine down, no material, waiting for
setup, starved, blocked.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from linewise.allocation.risk import FLAG_ABOVE, Snapshot, shipped_operator_model
from linewise.domains.idle.models import OperatorIdleRisk
from linewise.domains.labour import repository as labour_repo
from linewise.domains.labour.figures import actions
from linewise.domains.labour.measure import StateSpan, cause_at, work_segments
from linewise.domains.labour.models import WorkInterval
from linewise.kpi.intervals import TimeWindow, merge_windows

# A running operation may have been started long before this hour.
LOOKBACK = timedelta(hours=12)


@dataclass(frozen=True)
class OperatorNow:
    snapshot: Snapshot
    cause: str | None  # why they stand idle now; None while working
    line_id: int | None


def _seconds(windows: list[TimeWindow]) -> float:
    return sum(w.duration.total_seconds() for w in merge_windows(windows))


def operator_snapshots(
    db: Session, now: datetime, next_stop: dict[int, datetime]
) -> dict[int, OperatorNow]:
    """Each clocked-in operator as the operator model sees them at ``now``.

    ``next_stop``: per line, the next break or shift end within the hour."""
    hour_ago = now - timedelta(hours=1)
    entries = [e for e in labour_repo.clock_entries(db, hour_ago, now) if e.clock_in <= now]
    open_in = {e.operator_id: e for e in entries if e.clock_out is None}
    if not open_in:
        return {}
    attendance: dict[int, list[TimeWindow]] = defaultdict(list)
    for e in entries:
        a, b = max(e.clock_in, hour_ago), min(e.clock_out or now, now)
        if b > a:
            attendance[e.operator_id].append(TimeWindow(a, b))
    segments = work_segments(actions(labour_repo.operator_actions(db, now - LOOKBACK, now)), now)
    stations = {
        w.operator_id: w
        for w in db.scalars(
            select(WorkInterval).where(
                WorkInterval.operator_id.in_(list(open_in)), WorkInterval.ended_at.is_(None)
            )
        )
    }
    line_ids = {w.line_id for w in stations.values()}
    machines = labour_repo.machines_of(db, line_ids) if line_ids else []
    on_line: dict[int, list[int]] = defaultdict(list)
    for m in machines:
        on_line[m.line_id].append(m.id)
    states = labour_repo.current_states(db, [m.id for m in machines]) if machines else {}
    calls = {c.line_id for c in labour_repo.material_calls(db, line_ids, now, now)}
    out: dict[int, OperatorNow] = {}
    for op_id, entry in open_in.items():
        mine = [w for _op, w in segments.get(op_id, []) if w.end > entry.clock_in]
        working = [w for w in mine if w.start <= now and w.end >= now]
        if working:
            state, since = "producing", min(w.start for w in working)
        else:
            ended = [w.end for w in mine if w.end <= now]
            state, since = "idle", max([entry.clock_in, *ended])
        present = attendance.get(op_id, [])
        worked = [o for w in mine for p in present if (o := w.overlap(p)) is not None]
        idle_s = max(0.0, _seconds(present) - _seconds(worked))
        station = stations.get(op_id)
        cause: str | None = None
        if state == "idle":
            spans = []
            if station is not None:
                mids = [station.machine_id] if station.machine_id else on_line[station.line_id]
                spans = [
                    StateSpan(TimeWindow(s.start, now + timedelta(seconds=1)), s.state, s.reason)
                    for mid in mids
                    if (s := states.get(mid)) is not None
                ]
            material = (
                [TimeWindow(now, now + timedelta(seconds=1))]
                if station is not None and station.line_id in calls
                else []
            )
            cause = cause_at(now, station is not None, spans, material).value
        stop = next_stop.get(station.line_id) if station is not None else None
        out[op_id] = OperatorNow(
            Snapshot(
                state,
                (now - since).total_seconds() / 60.0,
                idle_s / 3600.0,
                None,
                (stop - now).total_seconds() / 60.0 if stop else None,
            ),
            cause,
            station.line_id if station is not None else None,
        )
    return out


def refresh_operators(db: Session, now: datetime, next_stop: dict[int, datetime]) -> int:
    """Replace the operators' risk rows (only changed rows are written); returns how many
    are flagged. An operator who clocked out loses their row."""
    model = shipped_operator_model()
    seen = operator_snapshots(db, now, next_stop)
    rows = {r.operator_id: r for r in db.scalars(select(OperatorIdleRisk))}
    for operator_id in set(rows) - set(seen):
        db.delete(rows[operator_id])
    flagged = 0
    for operator_id, o in seen.items():
        risks = model.risks(o.snapshot)
        values = {
            "state": "working" if o.snapshot.state == "producing" else "idle",
            "cause": o.cause,
            "line_id": o.line_id,
            "risk_5": round(risks[5], 3),
            "risk_15": round(risks[15], 3),
            "risk_30": round(risks[30], 3),
            "flagged": risks[15] > FLAG_ABOVE,
        }
        flagged += bool(values["flagged"])
        row = rows.get(operator_id)
        if row is None:
            since = now if values["flagged"] else None
            db.add(
                OperatorIdleRisk(
                    operator_id=operator_id, computed_at=now, flagged_since=since, **values
                )
            )
        elif any(getattr(row, k) != v for k, v in values.items()):
            if values["flagged"] != row.flagged:
                row.flagged_since = now if values["flagged"] else None
            for k, v in values.items():
                setattr(row, k, v)
            row.computed_at = now
    return flagged
