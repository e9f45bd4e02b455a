"""Turn stored rows into the KPI engine's inputs: WorkUnitData per machine, calendars, PRUs.

The engine is pure; everything it needs about the database is decided here:
- states are the window's plus the whole of a stop the window cuts (minor or not is
  decided on the whole stop): a stop running at the start is followed back to its first
  interval, so its start, reason and length never depend on where the window happens to
  begin (day rollups rely on that), one running at the end is followed for a day;
- the open interval of a machine (no end yet) lasts until ``now``;
- a count's product is its own or its operation's order product, and its PRU is the
  routing step's cycle on the machine's line × the machine's speed factor;
- counts: PQ = good + reject, GQ = good, SQ = reject, RQ = rework; reworked units are
  part of good (they were repaired and went on), so first-pass good = good − rework.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from linewise.domains.people.working_time import SiteCalendars, WorkingTime, adjusted
from linewise.domains.performance import repository as repo
from linewise.domains.performance.repository import CycleRow, MachineRow
from linewise.kpi import (
    CountRecord,
    Evaluation,
    PlannedTime,
    StateInterval,
    TimeWindow,
    WorkUnitData,
    expand_calendar,
    station_ideal_cycle_s,
)

STATE_MARGIN = timedelta(days=1)  # how far a stop cut by the window's end is followed
HEAD_LOOKBACK = timedelta(hours=2)  # read before the window, to find the stop heads there
STOP_STATES = ("down", "idle")


def _same_stop(a: repo.IntervalRow, b: repo.IntervalRow) -> bool:
    return a.state == b.state and a.state in STOP_STATES and a.end == b.start


def with_stop_heads(
    db: Session, states: dict[int, list[repo.IntervalRow]]
) -> dict[int, list[repo.IntervalRow]]:
    """Prepend the earlier intervals of any stop that is already running at the start.

    Only machines whose head was not settled by the rows already read need a look back
    (one small indexed query each, usually ending at once).
    """
    for machine_id, rows in states.items():
        head: list[repo.IntervalRow] = []
        first = rows[0]
        while first.state in STOP_STATES:
            before = repo.interval_before(db, machine_id, first.start)
            if before is None or not _same_stop(before, first):
                break
            head.append(before)
            first = before
        if head:
            rows[:0] = reversed(head)
    return states


def load_states(
    db: Session, machine_ids: Sequence[int], window: TimeWindow
) -> dict[int, list[repo.IntervalRow]]:
    """Per machine: the intervals the window sees, plus the whole of any stop it cuts.

    That is the interval in force at the start, every interval starting inside, a stop
    running at the start followed back to its head and a stop running at the end
    followed on for up to ``STATE_MARGIN`` — all the engine needs (a stop is classified
    by its whole length and named by its first reason), and nothing more: reading a day
    of margin on both sides made a few hours of edge cost three days of rows.
    Set-based: one range query for all machines, one more for the stops still running
    at the end; single look-ups only where a head or the interval in force lies further
    back than ``HEAD_LOOKBACK``.
    """
    raw = repo.intervals_between(db, machine_ids, window.start - HEAD_LOOKBACK, window.end)
    out: dict[int, list[repo.IntervalRow]] = {}
    unsettled: dict[int, list[repo.IntervalRow]] = {}
    for machine_id in machine_ids:
        rows = raw.get(machine_id, [])
        k = bisect_right([r.start for r in rows], window.start)
        if k == 0:  # nothing in force among the rows read: look it up
            before = repo.interval_before(db, machine_id, window.start, inclusive=True)
            if before is not None:
                rows, k = [before, *rows], 1
        if not rows:
            continue
        i = max(k - 1, 0)
        while i > 0 and _same_stop(rows[i - 1], rows[i]):
            i -= 1
        kept = rows[i:]
        out[machine_id] = kept
        if i == 0 and kept[0].state in STOP_STATES:
            unsettled[machine_id] = kept  # the same list: heads land in ``out`` too
    with_stop_heads(db, unsettled)
    running = [
        machine_id
        for machine_id, rows in out.items()
        if rows[-1].state in STOP_STATES and rows[-1].end is not None and rows[-1].end >= window.end
    ]
    if running:
        tails = repo.intervals_between(db, running, window.end, window.end + STATE_MARGIN)
        for machine_id in running:
            rows = out[machine_id]
            for r in tails.get(machine_id, []):
                if not _same_stop(rows[-1], r):
                    break
                rows.append(r)
    return out


# A scope's calendars come from the one calendar provider (``people.working_time``).
Calendars = SiteCalendars


def load_calendars(db: Session, site_id: int) -> Calendars:
    """The site's calendar and its lines' own calendars, as every other reader sees them."""
    return WorkingTime.load(db, [site_id]).site(site_id)


def interval_label(machine_id: int, start: datetime, end: datetime | None) -> str:
    """A stable link to an interval: machine and bounds (row ids change on rebuilds)."""
    tail = end.isoformat() if end else "open"
    return f"interval:{machine_id}:{start.isoformat()}/{tail}"


@dataclass
class Loaded:
    """Engine inputs for a set of machines over one window."""

    window: TimeWindow
    calendars: Calendars
    machines: list[MachineRow]
    units: dict[int, WorkUnitData]
    planned: dict[int, PlannedTime]  # by line id
    line_pru: dict[int, dict[str, float]]  # line id -> product label -> line cycle (s)
    assignments: dict[tuple[int, datetime], str]
    warnings: list[str] = field(default_factory=list)
    # Units counted without a product or PRU, per machine, with their time stamps (day
    # rollups keep them per day so that the warning is the same from either path).
    unpriced: dict[int, list[tuple[datetime, int]]] = field(default_factory=dict)

    def machine_by_unit(self) -> dict[str, MachineRow]:
        return {m.code: m for m in self.machines}


def cycle_labels(cycles: Sequence[CycleRow]) -> dict[int, dict[int, tuple[str, CycleRow]]]:
    """line -> step id -> (product label, cycle); plus the product's default step under -pid."""
    rows: dict[int, dict[int, list[CycleRow]]] = defaultdict(lambda: defaultdict(list))
    for c in cycles:
        rows[c.line_id][c.product_id].append(c)
    out: dict[int, dict[int, tuple[str, CycleRow]]] = defaultdict(dict)
    for line_id, products in rows.items():
        for product_id, steps in products.items():
            several = len(steps) > 1
            for c in steps:
                label = f"{c.product_code}#{c.seq}" if several else c.product_code
                out[line_id][c.step_id] = (label, c)
            first = steps[0]
            out[line_id][-product_id] = (
                f"{first.product_code}#{first.seq}" if several else first.product_code,
                first,
            )
    return out


def load(
    db: Session,
    machines: list[MachineRow],
    calendars: Calendars,
    window: TimeWindow,
    now: datetime,
) -> Loaded:
    ids = [m.id for m in machines]
    warnings = calendar_warnings(calendars)
    line_ids = sorted({m.line_id for m in machines})
    planned = adjusted(
        db, {line: expand_calendar(calendars.of_line(line), window) for line in line_ids}, window
    )
    labels = cycle_labels(repo.line_cycles(db, line_ids))
    line_pru: dict[int, dict[str, float]] = {
        line: {label: c.cycle_time_s for label, c in labels[line].values()} for line in line_ids
    }
    states = load_states(db, ids, window)
    earliest = min(
        (rows[0].start for rows in states.values() if rows), default=window.start - STATE_MARGIN
    )
    count_rows = repo.counts(db, ids, window.start, window.end)
    by_machine: dict[int, list[CountRecord]] = defaultdict(list)
    unpriced: dict[int, int] = defaultdict(int)
    unpriced_at: dict[int, list[tuple[datetime, int]]] = defaultdict(list)
    machine_of = {m.id: m for m in machines}
    for c in count_rows:
        m = machine_of[c.machine_id]
        found = None
        if c.step_id is not None:
            found = labels[m.line_id].get(c.step_id)
        if found is None and c.product_id is not None:
            found = labels[m.line_id].get(-c.product_id)
        if found is None:
            unpriced[c.machine_id] += c.good + c.reject
            unpriced_at[c.machine_id].append((c.ts, c.good + c.reject))
            continue
        produced = c.good + c.reject
        by_machine[c.machine_id].append(
            CountRecord(
                ts=c.ts,
                product=found[0],
                produced=produced,
                good=c.good,
                scrap=c.reject,
                rework=c.rework,
                inspected=produced,
                first_pass_good=max(0, c.good - c.rework),
                id=f"count:{c.machine_id}:{c.event_id}",
            )
        )
    warnings.extend(unpriced_warnings(machines, unpriced))
    units: dict[int, WorkUnitData] = {}
    for m in machines:
        pru = {
            label: station_ideal_cycle_s(c.cycle_time_s, m.speed_factor)
            for label, c in labels[m.line_id].values()
        }
        units[m.id] = WorkUnitData(
            machine_id=m.code,
            states=tuple(
                StateInterval(
                    s.start,
                    s.end or max(now, s.start),
                    s.state,  # type: ignore[arg-type]
                    s.reason,
                    s.fault,
                    interval_label(m.id, s.start, s.end),
                )
                for s in states.get(m.id, [])
            ),
            counts=tuple(by_machine.get(m.id, [])),
            ideal_cycle_s=pru,
            minor_stop_threshold_s=m.minor_stop_threshold_s,
            line_id=m.line_code,
        )
    found_assignments = repo.assignments(
        db, ids, min(earliest, window.start - STATE_MARGIN), window.end + STATE_MARGIN
    )
    return Loaded(
        window,
        calendars,
        machines,
        units,
        planned,
        line_pru,
        found_assignments,
        warnings,
        dict(unpriced_at),
    )


def calendar_warnings(calendars: Calendars) -> list[str]:
    if calendars.has_site_calendar:
        return []
    return ["the site has no shift calendar: nothing is planned, so POT is overtime only"]


def unpriced_warnings(machines: Sequence[MachineRow], unpriced: dict[int, int]) -> list[str]:
    """One warning per machine (in id order) whose counts could not be priced."""
    code = {m.id: m.code for m in machines}
    return [
        f"{lost} units counted on {code[machine_id]} have no product or no ideal cycle time "
        "on its line and are left out"
        for machine_id, lost in sorted(unpriced.items())
        if lost
    ]


def with_assigned_reasons(
    evaluation: Evaluation, machine_id: int, assigned: dict[tuple[int, datetime], str]
) -> Evaluation:
    """The evaluation with the reasons people gave to its stops (keyed by stop start)."""
    if not assigned:
        return evaluation
    stops = tuple(
        replace(s, reason=assigned[(machine_id, s.start)])
        if (machine_id, s.start) in assigned
        else s
        for s in evaluation.stops
    )
    return replace(evaluation, stops=stops)
