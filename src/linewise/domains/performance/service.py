"""KPI answers for a machine, line, area or site: figures, explain, trend and Pareto.

Every answer is computed by the pure engine (``linewise.kpi``) from stored intervals and
counts, and names its convention and window. Aggregates sum time elements and counts,
never percentages. Long windows over many machines read the day rollups
(``rollups.py``) for whole site-local days and compute only the edges exactly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from linewise.core.errors import Forbidden, NotFound
from linewise.domains.performance import repository as repo
from linewise.domains.performance import rollups
from linewise.domains.performance.loader import (
    Calendars,
    Loaded,
    calendar_warnings,
    load_calendars,
    unpriced_warnings,
    with_assigned_reasons,
)
from linewise.domains.performance.repository import MachineRow, ScopeRow
from linewise.domains.performance.shared_load import load_shared
from linewise.domains.performance.windows import ResolvedWindow
from linewise.kpi import (
    BucketSize,
    Convention,
    Evaluation,
    LineEvaluation,
    TimeWindow,
    aggregate,
    buckets,
    evaluate_line,
    evaluate_machine,
    trend,
)
from linewise.kpi.aggregate import StatesNear
from linewise.kpi.evaluate import kpis_for
from linewise.kpi.intervals import ZERO


@dataclass(frozen=True)
class Scope:
    row: ScopeRow
    machines: list[MachineRow]
    calendars: Calendars
    restricted_to_areas: list[int] | None

    @property
    def label(self) -> str:
        return f"{self.row.kind}:{self.row.code}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.row.kind,
            "id": self.row.id,
            "code": self.row.code,
            "name": self.row.name,
            "site_id": self.row.site_id,
            "restricted_to_areas": self.restricted_to_areas,
        }


def resolve_scope(db: Session, kind: str, scope_id: int, area_ids: frozenset[int] | None) -> Scope:
    """The scope and its machines; area-scoped callers see only their areas.

    A site asked for by an area-scoped user is answered over that user's areas only, and
    the answer says so (``restricted_to_areas``); a machine, line or area outside them
    is refused.
    """
    row = repo.scope_row(db, kind, scope_id)
    if row is None:
        raise NotFound(f"{kind} {scope_id} not found")
    restricted: list[int] | None = None
    if area_ids is not None:
        if kind == "site":
            restricted = sorted(area_ids)
        elif row.area_id not in area_ids:
            raise Forbidden(f"this {kind} is outside your areas")
    filters: dict[str, Any] = {  # type: ignore[assignment]
        "machine": {"ids": [scope_id]},
        "line": {"line_id": scope_id},
        "area": {"area_id": scope_id},
        "site": {"site_id": scope_id},
    }[kind]
    machines = repo.machines(db, area_ids=restricted, **filters)
    return Scope(row, machines, load_calendars(db, row.site_id), restricted)


def evaluate_machines(
    loaded: Loaded, window: TimeWindow, convention: Convention
) -> list[Evaluation]:
    """One evaluation per machine; stops carry the reasons people assigned to them."""
    out = []
    for m in loaded.machines:
        e = evaluate_machine(loaded.units[m.id], loaded.planned[m.line_id], window, convention)
        out.append(with_assigned_reasons(e, m.id, loaded.assignments))
    return out


def counts_of(e: Evaluation) -> dict[str, Any]:
    c = e.counts
    return {
        "PQ": c.produced,
        "GQ": c.good,
        "SQ": c.scrap,
        "RQ": c.rework,
        "IP": c.inspected,
        "GP": c.first_pass_good,
        "sum_PRU_x_PQ_s": c.ideal_produced_s,
        "sum_PRU_x_GQ_s": c.ideal_good_s,
    }


def data_quality(e: Evaluation) -> dict[str, Any]:
    """How much of the planned busy time had no machine data (``unknown``).

    A figure over time nobody measured reads low without being low: 90 % unknown makes
    OEE look like 5 %. Every figure carries this share so the page can say so beside it.
    """
    planned = e.elements.pbt.total_seconds()
    missing = e.elements.unknown.total_seconds()
    return {
        "no_data_s": missing,
        "planned_s": planned,
        "no_data_share": missing / planned if planned > 0 else None,
    }


def has_no_data(e: Evaluation) -> bool:
    """Planned time, all of it without machine data: a gap, not a figure of 0 %."""
    te = e.elements
    return te.pbt > ZERO and te.unknown >= te.pbt


def summary(e: Evaluation) -> dict[str, Any]:
    """The figures of one evaluation: KPIs, time elements, counts, failure counts."""
    return {
        "kpis": e.kpis.as_dict(),
        "time_elements_s": e.elements.as_seconds(),
        "counts": counts_of(e),
        "events": {"failures": e.failures, "minor_stops": e.minor_stops},
        "data_quality": data_quality(e),
    }


def bucket_summary(e: Evaluation) -> dict[str, Any]:
    """A trend bucket's figures; a bucket without any machine data has no KPI values
    (null: the chart draws a gap), though its time elements still say why."""
    body = summary(e)
    if has_no_data(e):
        body["kpis"] = dict.fromkeys(body["kpis"])
    return body


def line_evaluations(
    machines: Sequence[MachineRow],
    line_pru: dict[int, dict[str, float]],
    evaluations: Sequence[Evaluation],
) -> list[tuple[int, LineEvaluation]]:
    """Output-based OEE of every line in the scope, stations in flow order."""
    by_line: dict[int, list[Evaluation]] = defaultdict(list)
    codes: dict[int, str] = {}
    for m, e in zip(machines, evaluations, strict=True):
        by_line[m.line_id].append(e)
        codes[m.line_id] = m.line_code
    return [
        (line_id, evaluate_line(codes[line_id], stations, line_pru.get(line_id, {})))
        for line_id, stations in by_line.items()
    ]


def line_block(line_id: int, line: LineEvaluation) -> dict[str, Any]:
    """The line's output-based OEE with the time it divides by.

    The line's PBT is one station's (the largest), not the stations' sum: explaining the
    line figure shows that station's time elements (``time_elements_s``), never the sums.
    """
    station_oee = [(s.scope, s.kpis.oee) for s in line.stations]
    timing = max(line.stations, key=lambda s: s.elements.pbt)
    return {
        "id": line_id,
        "code": line.line_id,
        "oee_output_based": line.oee,
        "formula": "Σ(line PRU × GQ out of the last station) / line PBT (largest station PBT)",
        "pbt_s": line.pbt.total_seconds(),
        "good_out": dict(line.good_out),
        "line_PRU_s": {p: line.ideal_cycle_s[p] for p in line.good_out if p in line.ideal_cycle_s},
        "last_station": line.stations[-1].scope,
        "stations_combined_oee": line.combined.kpis.oee,
        "lowest_station_oee": min((o for _, o in station_oee if o is not None), default=None),
        "pbt_station": timing.scope,
        "time_elements_s": timing.elements.as_seconds(),
        "data_quality": data_quality(timing),
        # The stations' combined figures, as /kpi/line/{id} gives them: a site answer then
        # carries every line card and the page needs no call per line.
        "stations_kpis": kpis_for(line.combined, line.stations[0].convention).as_dict(),
        "stations_data_quality": data_quality(line.combined),
    }


@dataclass
class Computed:
    """The scope's evaluation plus its parts, for figures and explain.

    With ``rolled`` set, the days in it came from the rollups: the evaluations carry the
    stops of the exactly computed edges only (their counts and times are complete).
    """

    total: Evaluation
    machines: list[tuple[MachineRow, Evaluation]]
    lines: list[tuple[int, LineEvaluation]]
    warnings: list[str]
    rolled: rollups.RolledRange | None = None


def compute(
    db: Session,
    scope: Scope,
    window: TimeWindow,
    convention: Convention,
    now: datetime,
    *,
    use_rollups: bool = True,
) -> Computed:
    """The scope's figures; whole closed days from the rollups when there are any.

    ``use_rollups=False`` keeps every stop and source (explain needs them).
    """
    if not scope.machines:
        raise NotFound(f"{scope.label} has no machines you may see")
    rolled = None
    if use_rollups:
        rolled = rollups.rolled_range(scope.calendars.timezone, scope.machines, window, now)
    if rolled is not None:
        master = rollups.master_data(db, scope.machines, scope.calendars)
        readable = rollups.readable_range(db, scope.machines, scope.calendars, master, rolled)
        if readable is not None:
            try:
                return compute_rolled(db, scope, window, convention, now, readable, master)
            except rollups.StaleRollups:
                pass  # invalidated while being read: answer exactly this time
    loaded = load_shared(db, scope.machines, scope.calendars, window, now)
    evaluations = evaluate_machines(loaded, window, convention)
    total = aggregate(evaluations, scope.label, convention)
    lines = (
        line_evaluations(loaded.machines, loaded.line_pru, evaluations)
        if scope.row.kind != "machine"
        else []
    )
    return Computed(
        total, list(zip(loaded.machines, evaluations, strict=True)), lines, list(loaded.warnings)
    )


def edge_evaluations(
    db: Session,
    scope: Scope,
    edges: Sequence[TimeWindow],
    convention: Convention,
    now: datetime,
    unpriced: dict[int, int],
) -> list[tuple[int, Evaluation]]:
    """Exact evaluations of the parts of a window that no rollup covers, per machine.

    Each edge is loaded for all machines of the scope at once (set-based queries), never
    machine by machine. Units that could not be priced are added to ``unpriced``.
    """
    out: list[tuple[int, Evaluation]] = []
    for edge in edges:
        loaded = load_shared(db, scope.machines, scope.calendars, edge, now)
        # Only the states the edge sees (plus the whole of any stop it cuts), as the day
        # rollups do: the engine's work then follows the edge, not the margins. A new
        # Loaded: the read may be shared with other requests (shared_load.py).
        loaded = replace(
            loaded,
            units={
                m.id: replace(u, states=StatesNear(u.states).around(edge))
                for m in loaded.machines
                for u in (loaded.units[m.id],)
            },
        )
        for m, e in zip(loaded.machines, evaluate_machines(loaded, edge, convention), strict=True):
            out.append((m.id, e))
        for machine_id, items in loaded.unpriced.items():
            unpriced[machine_id] = unpriced.get(machine_id, 0) + sum(n for _, n in items)
    return out


def compute_rolled(
    db: Session,
    scope: Scope,
    window: TimeWindow,
    convention: Convention,
    now: datetime,
    rolled: rollups.RolledRange,
    master: rollups.MasterData,
) -> Computed:
    """Rolled days summed from the rollup tables, the edges of ``window`` computed exactly."""
    middle, unpriced = rollups.rolled_evaluations(db, scope.machines, master, rolled, convention)
    parts: dict[int, list[Evaluation]] = {m.id: [middle[m.id]] for m in scope.machines}
    for machine_id, e in edge_evaluations(
        db, scope, rolled.edges(window), convention, now, unpriced
    ):
        parts[machine_id].append(e)
    evaluations = [
        aggregate(sorted(parts[m.id], key=lambda e: e.window.start), m.code, convention)
        for m in scope.machines
    ]
    total = aggregate(evaluations, scope.label, convention)
    lines = (
        line_evaluations(scope.machines, master.line_pru, evaluations)
        if scope.row.kind != "machine"
        else []
    )
    warnings = calendar_warnings(scope.calendars) + unpriced_warnings(scope.machines, unpriced)
    return Computed(
        total, list(zip(scope.machines, evaluations, strict=True)), lines, warnings, rolled
    )


def figures(
    db: Session, scope: Scope, resolved: ResolvedWindow, convention: Convention, now: datetime
) -> dict[str, Any]:
    computed = compute(db, scope, resolved.window, convention, now)
    body: dict[str, Any] = {
        "scope": scope.as_dict(),
        "window": resolved.as_dict(scope.calendars.timezone),
        "convention": convention.value,
        **summary(computed.total),
        "warnings": computed.warnings,
    }
    if scope.row.kind != "machine":
        body["machines"] = [
            {"id": m.id, "code": m.code, "line_id": m.line_id, **summary(e)}
            for m, e in computed.machines
        ]
        body["lines"] = [line_block(i, line) for i, line in computed.lines]
    return body


def in_convention(e: Evaluation, convention: Convention) -> Evaluation:
    return replace(e, kpis=kpis_for(e, convention))


def trend_of(
    db: Session,
    scope: Scope,
    resolved: ResolvedWindow,
    size: BucketSize,
    convention: Convention,
    now: datetime,
) -> dict[str, Any]:
    """KPIs per local hour, shift or day; buckets without machine data are gaps.

    Day buckets are each answered like a figure (``compute``): whole closed days come
    from the day rollups, so a week's or a month's trend reads a few rows per machine
    instead of every interval. Hours and shifts are computed exactly in one pass.
    """
    if size is BucketSize.DAY:
        return trend_by_day(db, scope, resolved, convention, now)
    return trend_exact(db, scope, resolved, size, convention, now)


def trend_by_day(
    db: Session,
    scope: Scope,
    resolved: ResolvedWindow,
    convention: Convention,
    now: datetime,
) -> dict[str, Any]:
    if not scope.machines:
        raise NotFound(f"{scope.label} has no machines you may see")
    warnings: list[str] = []
    out = []
    for label, part in buckets(scope.calendars.site, resolved.window, BucketSize.DAY):
        computed = compute(db, scope, part, convention, now)
        warnings.extend(w for w in computed.warnings if w not in warnings)
        out.append(
            {
                "label": label,
                "start": part.start.isoformat(),
                "end": part.end.isoformat(),
                **bucket_summary(computed.total),
            }
        )
    return trend_body(scope, resolved, convention, BucketSize.DAY, out, warnings)


def trend_body(
    scope: Scope,
    resolved: ResolvedWindow,
    convention: Convention,
    size: BucketSize,
    buckets_out: list[dict[str, Any]],
    warnings: list[str],
) -> dict[str, Any]:
    return {
        "scope": scope.as_dict(),
        "window": resolved.as_dict(scope.calendars.timezone),
        "convention": convention.value,
        "bucket": size.value,
        "figure": "stations_combined" if scope.row.kind != "machine" else "machine",
        "buckets": buckets_out,
        "warnings": warnings,
    }


def trend_exact(
    db: Session,
    scope: Scope,
    resolved: ResolvedWindow,
    size: BucketSize,
    convention: Convention,
    now: datetime,
) -> dict[str, Any]:
    """Every bucket from the intervals and counts of the whole window, in one pass.

    Machines with their own line calendar keep it.
    """
    if not scope.machines:
        raise NotFound(f"{scope.label} has no machines you may see")
    window = resolved.window
    loaded = load_shared(db, scope.machines, scope.calendars, window, now)
    groups: dict[int, list[MachineRow]] = defaultdict(list)
    for m in loaded.machines:
        groups[id(scope.calendars.of_line(m.line_id))].append(m)
    points: dict[str, list[tuple[TimeWindow, Evaluation]]] = defaultdict(list)
    for members in groups.values():
        calendar = scope.calendars.of_line(members[0].line_id)
        units = [loaded.units[m.id] for m in members]
        for p in trend(units, calendar, window, size, scope.label, convention):
            points[p.label].append((p.window, p.evaluation))
    out = []
    for label, parts in sorted(points.items(), key=lambda kv: kv[1][0][0].start):
        e = aggregate([p[1] for p in parts], scope.label, convention)
        out.append(
            {
                "label": label,
                "start": parts[0][0].start.isoformat(),
                "end": parts[0][0].end.isoformat(),
                **bucket_summary(e),
            }
        )
    return trend_body(scope, resolved, convention, size, out, list(loaded.warnings))
