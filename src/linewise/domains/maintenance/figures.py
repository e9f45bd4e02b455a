"""Maintenance figures over a window, per machine and in total.

- MTBF (h): producing time / failures. A failure is a down stop at least as long as the
  machine's minor-stop threshold (shorter ones are minor stops, ISO 22400 ADET).
- MTTR (h): down time of those failures / failures (machine data); beside it the mean
  duration of corrective orders done in the window (orders).
- CMR: corrective maintenance time / (corrective + preventive), ISO 22400, from the
  orders done in the window (start to finish).
- Preventive compliance: of the preventive orders judged in the window (done in it, or
  still open when their tolerance window closed in it), the share done by the end of
  their tolerance window (cancelled ones do not count).
- Backlog: open orders now, the overdue ones (past their window) and their planned hours.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from linewise.domains.equipment.models import Machine
from linewise.domains.maintenance import repository as repo
from linewise.domains.maintenance.models import OPEN_STATUSES, MaintenanceKind, MaintenanceStatus


@dataclass(frozen=True)
class MachineFigures:
    machine_id: int
    producing_h: float
    failures: int
    down_h: float
    mtbf_h: float | None
    mttr_h: float | None
    mttr_orders_h: float | None
    corrective_h: float
    preventive_h: float
    cmr: float | None
    preventive_due: int
    preventive_on_time: int
    compliance: float | None
    backlog: int
    overdue: int
    backlog_h: float


def _h(a: datetime, b: datetime) -> float:
    return max(0.0, (b - a).total_seconds() / 3600)


def _ratio(a: float, b: float) -> float | None:
    return a / b if b > 0 else None


def machine_figures(
    db: Session, machines: Sequence[Machine], start: datetime, end: datetime, now: datetime
) -> list[MachineFigures]:
    ids = [m.id for m in machines]
    by_machine = {m.id: m for m in machines}
    producing: dict[int, float] = dict.fromkeys(ids, 0.0)
    failures: dict[int, int] = dict.fromkeys(ids, 0)
    down: dict[int, float] = dict.fromkeys(ids, 0.0)
    for iv in repo.intervals(db, ids, start, end, ["producing", "down"]):
        a, b = max(iv.start, start), min(iv.end or min(now, end), end)
        if b <= a:
            continue
        if iv.state == "producing":
            producing[iv.machine_id] += _h(a, b)
        elif _h(iv.start, iv.end or now) * 3600 >= by_machine[iv.machine_id].minor_stop_threshold_s:
            failures[iv.machine_id] += 1
            down[iv.machine_id] += _h(a, b)
    cm: dict[int, list[float]] = {i: [] for i in ids}
    pm: dict[int, list[float]] = {i: [] for i in ids}
    for o in repo.finished_orders(db, ids, start, end):
        if o.started_at is None or o.finished_at is None:
            continue
        (cm if o.kind == MaintenanceKind.CORRECTIVE.value else pm)[o.machine_id].append(
            _h(o.started_at, o.finished_at)
        )
    due: dict[int, int] = dict.fromkeys(ids, 0)
    on_time: dict[int, int] = dict.fromkeys(ids, 0)
    for o in repo.preventive_due(db, ids, start, end):
        if o.status == MaintenanceStatus.DONE.value:
            if o.finished_at is None or not start <= o.finished_at < end:
                continue  # judged in the window it was done in
        elif o.window_end is None or o.window_end >= min(now, end):
            continue  # still open with time left in its window: not judged yet
        due[o.machine_id] += 1
        if (
            o.status == MaintenanceStatus.DONE.value
            and o.finished_at is not None
            and o.window_end is not None
            and o.finished_at <= o.window_end
        ):
            on_time[o.machine_id] += 1
    backlog: dict[int, int] = dict.fromkeys(ids, 0)
    overdue: dict[int, int] = dict.fromkeys(ids, 0)
    backlog_h: dict[int, float] = dict.fromkeys(ids, 0.0)
    for o in repo.orders(db, machine_ids=ids, statuses=[s.value for s in OPEN_STATUSES],
                         limit=100_000):  # fmt: skip
        backlog[o.machine_id] += 1
        backlog_h[o.machine_id] += o.duration_min / 60
        if o.window_end is not None and o.window_end < now:
            overdue[o.machine_id] += 1
    out = []
    for i in ids:
        n = failures[i]
        c, p = sum(cm[i]), sum(pm[i])
        out.append(
            MachineFigures(
                machine_id=i,
                producing_h=producing[i],
                failures=n,
                down_h=down[i],
                mtbf_h=producing[i] / n if n else None,
                mttr_h=down[i] / n if n else None,
                mttr_orders_h=c / len(cm[i]) if cm[i] else None,
                corrective_h=c,
                preventive_h=p,
                cmr=_ratio(c, c + p),
                preventive_due=due[i],
                preventive_on_time=on_time[i],
                compliance=_ratio(on_time[i], due[i]),
                backlog=backlog[i],
                overdue=overdue[i],
                backlog_h=backlog_h[i],
            )
        )
    return out


def total(rows: Sequence[MachineFigures]) -> MachineFigures:
    """All machines together (sums, and the ratios of the sums)."""
    prod = sum(r.producing_h for r in rows)
    n = sum(r.failures for r in rows)
    down = sum(r.down_h for r in rows)
    c = sum(r.corrective_h for r in rows)
    p = sum(r.preventive_h for r in rows)
    due = sum(r.preventive_due for r in rows)
    ok = sum(r.preventive_on_time for r in rows)
    mttr_o = [r.mttr_orders_h for r in rows if r.mttr_orders_h is not None]
    return MachineFigures(
        machine_id=0,
        producing_h=prod,
        failures=n,
        down_h=down,
        mtbf_h=prod / n if n else None,
        mttr_h=down / n if n else None,
        mttr_orders_h=sum(mttr_o) / len(mttr_o) if mttr_o else None,
        corrective_h=c,
        preventive_h=p,
        cmr=_ratio(c, c + p),
        preventive_due=due,
        preventive_on_time=ok,
        compliance=_ratio(ok, due),
        backlog=sum(r.backlog for r in rows),
        overdue=sum(r.overdue for r in rows),
        backlog_h=sum(r.backlog_h for r in rows),
    )
