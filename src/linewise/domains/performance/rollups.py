"""Per machine × site-local day rollups, so that long windows over many machines are fast.

KPIs are sums of time elements and counts, so a window can be answered as
(whole closed days, summed from the rollup tables) + (the edges, computed exactly). The
answer is identical to the exact path, not close to it:

- times are stored as integer microseconds and summed in SQL, which is exact; the
  engine adds ``timedelta``s, which is exact too;
- counts are stored per product and multiplied by the product's PRU only after summing,
  as the engine does;
- failures and minor stops are counted in the day where the stop starts, lost time is
  split at midnight, so both add up over consecutive days; a stop's minor/failure class
  and reason come from the whole stop (the loader follows a stop back to its head).

Correctness never depends on timing:

- ingest lowers a per-machine ``stale_since`` mark in the same transaction that stores
  the events (state events from where intervals were rebuilt, counts from their time);
  the next query drops that machine's rows from the site-local day of
  ``stale_since − minor-stop threshold`` on (a late event can make a stop that began up
  to one threshold earlier minor or not);
- a fingerprint of everything else a day depends on (calendars, time zone, ideal cycle
  times, speed factor, threshold, line membership, engine rules) is kept per machine; a
  change drops all of that machine's rows;
- a reason assignment drops the rows of the days its stop covers, in its transaction;
- only *closed* days are cached: a day whose end is at least one threshold in the past,
  so no open stop can still turn from minor into a failure; today is always exact.

Rows are filled only by ``refresh`` (the server's background refresher and
``linewise kpi refresh``, see ``refresher.py``), in chunks that are committed as they
are done. A query never writes: it reads the days that are stored and still valid
(``readable_range``) and computes the rest of its window exactly.
"""

from __future__ import annotations

import hashlib
import json
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from linewise.domains.people.working_time import adjusted
from linewise.domains.performance import repository as repo
from linewise.domains.performance.loader import (
    Calendars,
    cycle_labels,
    load,
    with_assigned_reasons,
)
from linewise.domains.performance.models import (
    MachineDayRollup,
    ProductDayRollup,
    RollupMark,
    StopDayRollup,
)
from linewise.domains.performance.repository import MachineRow
from linewise.kpi import (
    UNASSIGNED,
    CalendarSpec,
    Convention,
    Evaluation,
    MachineState,
    PlannedShift,
    ProductTotals,
    TimeElements,
    TimeWindow,
    compute_kpis,
    evaluate_machine,
    expand_calendar,
    shift_containing,
    site_date_of,
    site_day,
    station_ideal_cycle_s,
)
from linewise.kpi.aggregate import StatesNear
from linewise.kpi.counts import sum_counts

# Bump when the engine's rules change: every fingerprint changes and all rows are rebuilt.
ROLLUP_VERSION = "1"
TIME_FIELDS = tuple(f.name for f in fields(TimeElements))
QUANTITIES = ("produced", "good", "scrap", "rework", "inspected", "first_pass_good")
FILL_CHUNK_DAYS = 31
US = timedelta(microseconds=1)
ONE_DAY = timedelta(days=1)


def invalidate_machine(
    db: Session, machine_id: int, since: datetime, until: datetime | None = None
) -> None:
    """Drop a machine's rows of the days that may see [since, until] (open-ended: on).

    Days are site-local; UTC dates a day either side cover every zone.
    """
    first = (since - ONE_DAY).date()
    for model in (MachineDayRollup, ProductDayRollup, StopDayRollup):
        stmt = delete(model).where(model.machine_id == machine_id, model.day >= first)
        if until is not None:
            stmt = stmt.where(model.day <= (until + ONE_DAY).date())
        db.execute(stmt)


def _drop_days(db: Session, machine_ids: Sequence[int], first: date | None) -> None:
    if not machine_ids:
        return
    for model in (MachineDayRollup, ProductDayRollup, StopDayRollup):
        stmt = delete(model).where(model.machine_id.in_(list(machine_ids)))
        if first is not None:
            stmt = stmt.where(model.day >= first)
        db.execute(stmt)


# --- master data -------------------------------------------------------------------


def _calendar_record(spec: CalendarSpec) -> list[Any]:
    """A canonical form (sets sorted) so the fingerprint is stable across processes."""
    shifts = sorted(
        [
            s.code,
            s.start.isoformat(),
            s.end.isoformat(),
            sorted(s.weekdays),
            [[b.start.isoformat(), b.minutes] for b in s.breaks],
        ]
        for s in spec.shifts
    )
    return [spec.timezone, shifts, sorted(d.isoformat() for d in spec.holidays)]


@dataclass(frozen=True)
class MasterData:
    """What a machine-day depends on besides its own events."""

    pru: dict[int, dict[str, float]]  # machine id -> product label -> PRU on the machine
    line_pru: dict[int, dict[str, float]]  # line id -> product label -> line cycle (s)
    fingerprints: dict[int, str]


def master_data(db: Session, machines: Sequence[MachineRow], calendars: Calendars) -> MasterData:
    labels = cycle_labels(repo.line_cycles(db, sorted({m.line_id for m in machines})))
    pru: dict[int, dict[str, float]] = {}
    fingerprints: dict[int, str] = {}
    site = _calendar_record(calendars.site)
    for m in machines:
        line = labels[m.line_id]
        pru[m.id] = {
            label: station_ideal_cycle_s(c.cycle_time_s, m.speed_factor)
            for label, c in line.values()
        }
        record = [
            ROLLUP_VERSION,
            site,
            _calendar_record(calendars.of_line(m.line_id)),
            [m.code, m.line_id, m.line_code, m.speed_factor, m.minor_stop_threshold_s],
            sorted([key, label, c.cycle_time_s] for key, (label, c) in line.items()),
        ]
        text = json.dumps(record, separators=(",", ":"), default=str)
        fingerprints[m.id] = hashlib.sha256(text.encode()).hexdigest()
    line_pru = {
        line_id: {label: c.cycle_time_s for label, c in labels[line_id].values()}
        for line_id in sorted({m.line_id for m in machines})
    }
    return MasterData(pru, line_pru, fingerprints)


def _dialect(db: Session) -> Any:
    return postgresql if db.get_bind().dialect.name == "postgresql" else sqlite


def sync_marks(
    db: Session, machines: Sequence[MachineRow], calendars: Calendars, master: MasterData
) -> None:
    """Apply marks: drop rows whose fingerprint changed or that late events touched.

    A stale mark is cleared only if it still holds the value read here: ingest may lower
    it concurrently, and then the next query drops again (conservative, never lost).
    """
    ids = [m.id for m in machines]
    marks = {
        r.machine_id: r
        for r in db.execute(
            select(RollupMark.machine_id, RollupMark.fingerprint, RollupMark.stale_since).where(
                RollupMark.machine_id.in_(ids)
            )
        ).all()
    }
    new = [m.id for m in machines if m.id not in marks]
    if new:
        _drop_days(db, new, None)
        db.execute(
            _dialect(db).insert(RollupMark).on_conflict_do_nothing(index_elements=["machine_id"]),
            [{"machine_id": i, "fingerprint": master.fingerprints[i]} for i in new],
        )
    changed = [i for i, r in marks.items() if r.fingerprint != master.fingerprints[i]]
    if changed:
        _drop_days(db, changed, None)
        for i in changed:
            db.execute(
                update(RollupMark)
                .where(RollupMark.machine_id == i)
                .values(fingerprint=master.fingerprints[i])
            )
    threshold = {m.id: timedelta(seconds=m.minor_stop_threshold_s) for m in machines}
    by_day: dict[date, list[int]] = defaultdict(list)
    for i, r in marks.items():
        if r.stale_since is None:
            continue
        if i not in changed:
            by_day[site_date_of(calendars.timezone, r.stale_since - threshold[i])].append(i)
        db.execute(
            update(RollupMark)
            .where(RollupMark.machine_id == i, RollupMark.stale_since == r.stale_since)
            .values(stale_since=None)
        )
    for first, members in by_day.items():
        _drop_days(db, members, first)


# --- filling -------------------------------------------------------------------------


class _ShiftFinder:
    """``shift_containing`` for many instants: the calendar is expanded once per chunk."""

    def __init__(self, calendar: CalendarSpec, window: TimeWindow) -> None:
        self._calendar = calendar
        self._range = TimeWindow(window.start - 2 * ONE_DAY, window.end + ONE_DAY)
        self._shifts = expand_calendar(calendar, self._range).shifts
        self._starts = [s.start for s in self._shifts]

    def label(self, instant: datetime) -> str | None:
        if not (self._range.start + 2 * ONE_DAY <= instant < self._range.end - ONE_DAY):
            found = shift_containing(self._calendar, instant)
            return found.label if found else None
        hi = bisect_right(self._starts, instant)
        lo = bisect_left(self._starts, instant - 2 * ONE_DAY)
        hits: list[PlannedShift] = [s for s in self._shifts[lo:hi] if s.window.contains(instant)]
        return max(hits, key=lambda s: s.start).label if hits else None


def _day_rows(
    machine: MachineRow, day: date, e: Evaluation, uncounted: int, shifts: _ShiftFinder
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    base = {"machine_id": machine.id, "day": day}
    elements = {f"{n}_us": getattr(e.elements, n) // US for n in TIME_FIELDS}
    machine_row = {
        **base,
        **elements,
        "failures": e.failures,
        "minor_stops": e.minor_stops,
        "uncounted": uncounted,
    }
    product_rows = [
        {**base, "product": p.product, **{q: getattr(p, q) for q in QUANTITIES}} for p in e.products
    ]
    groups: dict[tuple[str, str, str, bool, str], list[int]] = {}
    for s in e.stops:
        if s.lost == timedelta(0) and not s.counted:
            continue  # adds nothing to any Pareto group (as in kpi.pareto)
        key = (s.state.value, s.reason or "", s.fault or "", s.minor, shifts.label(s.start) or "")
        acc = groups.setdefault(key, [0, 0])
        acc[0] += s.lost // US
        acc[1] += 1 if s.counted else 0
    stop_rows = [
        {
            **base,
            "state": k[0],
            "reason": k[1],
            "fault": k[2],
            "minor": k[3],
            "shift": k[4],
            "lost_us": v[0],
            "stops": v[1],
        }
        for k, v in groups.items()
    ]
    return machine_row, product_rows, stop_rows


def _fill_chunk(
    db: Session,
    machines: Sequence[MachineRow],
    calendars: Calendars,
    missing: dict[int, list[date]],
    now: datetime,
) -> int:
    """Compute and store the missing days of ``machines`` (all within one chunk)."""
    tz = calendars.timezone
    first = min(d for days in missing.values() for d in days)
    last = max(d for days in missing.values() for d in days)
    window = TimeWindow(site_day(tz, first).start, site_day(tz, last).end)
    loaded = load(db, list(machines), calendars, window, now)
    shifts = _ShiftFinder(calendars.site, window)
    planned_cache: dict[tuple[int, date], Any] = {}
    machine_rows: list[dict[str, Any]] = []
    product_rows: list[dict[str, Any]] = []
    stop_rows: list[dict[str, Any]] = []
    for m in loaded.machines:
        unit = loaded.units[m.id]
        calendar = calendars.of_line(m.line_id)
        near = StatesNear(unit.states)
        count_ts = [c.ts for c in unit.counts]
        unpriced = sorted(loaded.unpriced.get(m.id, []))
        unpriced_ts = [u[0] for u in unpriced]
        for day in missing[m.id]:
            part = site_day(tz, day)
            key = (m.line_id, day)
            if key not in planned_cache:
                # With what registered sources add (maintenance windows, overtime).
                base = {m.line_id: expand_calendar(calendar, part)}
                planned_cache[key] = adjusted(db, base, part)[m.line_id]
            lo, hi = bisect_left(count_ts, part.start), bisect_left(count_ts, part.end)
            day_unit = replace(unit, states=near.around(part), counts=unit.counts[lo:hi])
            e = evaluate_machine(day_unit, planned_cache[key], part)
            e = with_assigned_reasons(e, m.id, loaded.assignments)
            ulo, uhi = bisect_left(unpriced_ts, part.start), bisect_left(unpriced_ts, part.end)
            uncounted = sum(n for _, n in unpriced[ulo:uhi])
            row, products, stops = _day_rows(m, day, e, uncounted, shifts)
            machine_rows.append(row)
            product_rows.extend(products)
            stop_rows.extend(stops)
    if not machine_rows:
        return 0
    dialect = _dialect(db)
    # The machine-day row is the claim: a concurrent filler that stored the same day first
    # wins, and this one stores none of that day's product and stop rows.
    claimed = {
        (r[0], r[1])
        for r in db.execute(
            dialect.insert(MachineDayRollup)
            .on_conflict_do_nothing(index_elements=["machine_id", "day"])
            .returning(MachineDayRollup.machine_id, MachineDayRollup.day),
            machine_rows,
        ).all()
    }
    products = [r for r in product_rows if (r["machine_id"], r["day"]) in claimed]
    stops = [r for r in stop_rows if (r["machine_id"], r["day"]) in claimed]
    if products:
        db.execute(insert(ProductDayRollup), products)
    if stops:
        db.execute(insert(StopDayRollup), stops)
    return len(claimed)


def closed_until(tz: str, machines: Sequence[MachineRow], now: datetime) -> date:
    """The first site-local day that is not closed yet (see module doc)."""
    threshold = max((m.minor_stop_threshold_s for m in machines), default=0.0)
    return site_date_of(tz, now - timedelta(seconds=threshold))


def _stored_days(
    db: Session, machines: Sequence[MachineRow], first: date, last: date
) -> dict[int, set[date]]:
    """The days in [first, last] each machine has rows for.

    Counted per machine in SQL first: when everything is there (the usual case once the
    refresher ran) no day list is read at all; a quarter of 300 machines would be 27,000
    rows to fetch just to find nothing missing.
    """
    ids = [m.id for m in machines]
    expected = (last - first).days + 1
    span = (MachineDayRollup.day >= first, MachineDayRollup.day <= last)
    full = {
        machine_id
        for machine_id, n in db.execute(
            select(MachineDayRollup.machine_id, func.count())
            .where(MachineDayRollup.machine_id.in_(ids), *span)
            .group_by(MachineDayRollup.machine_id)
        ).all()
        if n == expected
    }
    every_day = {first + timedelta(days=i) for i in range(expected)}
    have: dict[int, set[date]] = defaultdict(set, {i: every_day for i in full})
    partial = [i for i in ids if i not in full]
    for chunk in range(0, len(partial), 500):
        for machine_id, day in db.execute(
            select(MachineDayRollup.machine_id, MachineDayRollup.day).where(
                MachineDayRollup.machine_id.in_(partial[chunk : chunk + 500]), *span
            )
        ).all():
            have[machine_id].add(day)
    return have


def readable_range(
    db: Session,
    machines: Sequence[MachineRow],
    calendars: Calendars,
    master: MasterData,
    rolled: RolledRange,
) -> RolledRange | None:
    """The days of ``rolled`` that every machine has stored and still valid; never writes.

    A read does not fill or repair the cache (the refresher does): it uses the longest
    run of days from ``rolled.first`` on that every machine has, whose fingerprint is
    current and that no stale mark reaches; the rest of the window is computed exactly.
    """
    ids = [m.id for m in machines]
    marks = {
        r.machine_id: r
        for r in db.execute(
            select(RollupMark.machine_id, RollupMark.fingerprint, RollupMark.stale_since).where(
                RollupMark.machine_id.in_(ids)
            )
        ).all()
    }
    last = rolled.last
    for m in machines:
        mark = marks.get(m.id)
        if mark is None or mark.fingerprint != master.fingerprints[m.id]:
            return None
        if mark.stale_since is not None:
            threshold = timedelta(seconds=m.minor_stop_threshold_s)
            dropped_from = site_date_of(calendars.timezone, mark.stale_since - threshold)
            last = min(last, dropped_from - ONE_DAY)
    if last < rolled.first:
        return None
    have = _stored_days(db, machines, rolled.first, last)
    for m in machines:
        day = rolled.first
        while day <= last and day in have[m.id]:
            day += ONE_DAY
        last = day - ONE_DAY
        if last < rolled.first:
            return None
    tz = calendars.timezone
    return RolledRange(
        rolled.first, last, TimeWindow(site_day(tz, rolled.first).start, site_day(tz, last).end)
    )


def _ensure(
    db: Session,
    machines: Sequence[MachineRow],
    calendars: Calendars,
    first: date,
    last: date,
    now: datetime,
) -> tuple[MasterData, int]:
    master = master_data(db, machines, calendars)
    sync_marks(db, machines, calendars, master)
    db.commit()
    have = _stored_days(db, machines, first, last)
    filled = 0
    chunk_start = first
    while chunk_start <= last:
        chunk_end = min(last, chunk_start + timedelta(days=FILL_CHUNK_DAYS - 1))
        days = [chunk_start + timedelta(days=i) for i in range((chunk_end - chunk_start).days + 1)]
        missing = {m.id: [d for d in days if d not in have[m.id]] for m in machines}
        todo = [m for m in machines if missing[m.id]]
        if todo:
            filled += _fill_chunk(db, todo, calendars, {m.id: missing[m.id] for m in todo}, now)
            db.commit()
        chunk_start = chunk_end + ONE_DAY
    return master, filled


def refresh(
    db: Session, machines: Sequence[MachineRow], calendars: Calendars, first: date, now: datetime
) -> int:
    """Fill every closed day from ``first`` on, ahead of queries; the machine-days filled.

    Also applies the stale marks and master-data changes, so rows that ingest or a
    calendar change dropped are back before anyone asks for them.
    """
    last = closed_until(calendars.timezone, machines, now) - ONE_DAY
    if not machines or first > last:
        return 0
    return _ensure(db, machines, calendars, first, last, now)[1]


# --- reading -------------------------------------------------------------------------


@dataclass(frozen=True)
class RolledRange:
    """Whole closed site-local days [first, last] of a window, answered from rollups."""

    first: date
    last: date
    window: TimeWindow

    def edges(self, window: TimeWindow) -> list[TimeWindow]:
        parts = [
            TimeWindow(window.start, self.window.start),
            TimeWindow(self.window.end, window.end),
        ]
        return [p for p in parts if p.end > p.start]


def rolled_range(
    tz: str, machines: Sequence[MachineRow], window: TimeWindow, now: datetime
) -> RolledRange | None:
    """The closed whole site-local days inside ``window``, or None when there are none."""
    first = site_date_of(tz, window.start)
    if site_day(tz, first).start < window.start:
        first += ONE_DAY
    # The day holding the window's end is cut by it (or starts at it): it is not whole.
    last = site_date_of(tz, window.end) - ONE_DAY
    last = min(last, closed_until(tz, machines, now) - ONE_DAY)
    if last < first:
        return None
    return RolledRange(first, last, TimeWindow(site_day(tz, first).start, site_day(tz, last).end))


def rolled_evaluations(
    db: Session,
    machines: Sequence[MachineRow],
    master: MasterData,
    rolled: RolledRange,
    convention: Convention,
) -> tuple[dict[int, Evaluation], dict[int, int]]:
    """Per machine: one evaluation of the rolled days, and the units left unpriced."""
    ids = [m.id for m in machines]
    span = and_(
        MachineDayRollup.machine_id.in_(ids),
        MachineDayRollup.day >= rolled.first,
        MachineDayRollup.day <= rolled.last,
    )
    sums = [func.sum(getattr(MachineDayRollup, f"{n}_us")) for n in TIME_FIELDS]
    rows = db.execute(
        select(
            MachineDayRollup.machine_id,
            func.count(),
            func.sum(MachineDayRollup.failures),
            func.sum(MachineDayRollup.minor_stops),
            func.sum(MachineDayRollup.uncounted),
            *sums,
        )
        .where(span)
        .group_by(MachineDayRollup.machine_id)
    ).all()
    product_sums = db.execute(
        select(
            ProductDayRollup.machine_id,
            ProductDayRollup.product,
            *[func.sum(getattr(ProductDayRollup, q)) for q in QUANTITIES],
        )
        .where(
            ProductDayRollup.machine_id.in_(ids),
            ProductDayRollup.day >= rolled.first,
            ProductDayRollup.day <= rolled.last,
        )
        .group_by(ProductDayRollup.machine_id, ProductDayRollup.product)
    ).all()
    code = {m.id: m.code for m in machines}
    products: dict[int, list[ProductTotals]] = defaultdict(list)
    for r in product_sums:
        pru = master.pru[r[0]]
        if r[1] not in pru:  # the fingerprint covers PRUs, so this is a bug, not data
            raise RuntimeError(f"rollup product {r[1]!r} has no PRU on {code[r[0]]}")
        q = [int(v) for v in r[2:]]
        products[r[0]].append(
            ProductTotals(code[r[0]], r[1], float(pru[r[1]]), q[0], q[1], q[2], q[3], q[4], q[5])
        )
    expected = (rolled.last - rolled.first).days + 1
    out: dict[int, Evaluation] = {}
    uncounted: dict[int, int] = {}
    for r in rows:
        machine_id, days, failures, minors, unpriced = r[0], int(r[1]), r[2], r[3], r[4]
        if days != expected:  # a concurrent invalidation: never answer from a partial sum
            raise StaleRollups(machine_id)
        elements = TimeElements(**{n: int(v) * US for n, v in zip(TIME_FIELDS, r[5:], strict=True)})
        own = tuple(sorted(products.get(machine_id, []), key=lambda p: p.product))
        out[machine_id] = Evaluation(
            scope=code[machine_id],
            window=rolled.window,
            elements=elements,
            products=own,
            stops=(),
            kpis=compute_kpis(
                elements, sum_counts(own), int(failures), rolled.window.duration, convention
            ),
            parts=(code[machine_id],),
            rolled_failures=int(failures),
            rolled_minor_stops=int(minors),
        )
        uncounted[machine_id] = int(unpriced)
    if len(out) != len(ids):
        raise StaleRollups(next(i for i in ids if i not in out))
    return out, uncounted


def rolled_unpriced(
    db: Session, machines: Sequence[MachineRow], rolled: RolledRange
) -> dict[int, int]:
    """Units without a product or PRU per machine over the rolled days (for warnings).

    Also checks that every machine has every day, as ``rolled_evaluations`` does.
    """
    ids = [m.id for m in machines]
    rows = db.execute(
        select(MachineDayRollup.machine_id, func.count(), func.sum(MachineDayRollup.uncounted))
        .where(
            MachineDayRollup.machine_id.in_(ids),
            MachineDayRollup.day >= rolled.first,
            MachineDayRollup.day <= rolled.last,
        )
        .group_by(MachineDayRollup.machine_id)
    ).all()
    expected = (rolled.last - rolled.first).days + 1
    days = {r[0]: int(r[1]) for r in rows}
    for machine_id in ids:
        if days.get(machine_id) != expected:
            raise StaleRollups(machine_id)
    return {r[0]: int(r[2]) for r in rows if r[2]}


class StaleRollups(Exception):
    """Rows went missing between filling and reading (a concurrent invalidation)."""


def pareto_groups(
    db: Session,
    machines: Sequence[MachineRow],
    rolled: RolledRange,
    by: str,
    include_minor: bool,
    states: Iterable[MachineState],
) -> tuple[dict[str, timedelta], dict[str, int]]:
    """Lost time and counted stops per Pareto group over the rolled days, summed in SQL."""
    column = {
        "reason": StopDayRollup.reason,
        "fault": StopDayRollup.fault,
        "shift": StopDayRollup.shift,
        "machine": StopDayRollup.machine_id,
        "line": StopDayRollup.machine_id,
    }[by]
    conditions = [
        StopDayRollup.machine_id.in_([m.id for m in machines]),
        StopDayRollup.day >= rolled.first,
        StopDayRollup.day <= rolled.last,
        StopDayRollup.state.in_([s.value for s in states]),
    ]
    if not include_minor:
        conditions.append(StopDayRollup.minor.is_(False))
    rows = db.execute(
        select(column, func.sum(StopDayRollup.lost_us), func.sum(StopDayRollup.stops))
        .where(*conditions)
        .group_by(column)
    ).all()
    name: dict[Any, str] = {}
    if by == "machine":
        name = {m.id: m.code for m in machines}
    elif by == "line":
        name = {m.id: m.line_code for m in machines}
    durations: dict[str, timedelta] = {}
    counts: dict[str, int] = {}
    for key, lost, stops in rows:
        group = str((name[key] if name else key) or UNASSIGNED)
        durations[group] = durations.get(group, timedelta(0)) + int(lost) * US
        counts[group] = counts.get(group, 0) + int(stops)
    return durations, counts
