"""The CP-SAT model of the flexible job shop (building only; ``cpsat.py`` solves it).

Encoding, in short:

- Each operation has one ``start`` and one ``end`` variable. Every way to run it (an
  eligible resource, and for calendars a window or a run of windows) is a *placement
  option*: an optional fixed-size interval on ``start`` with its own start range. Exactly
  one option is chosen. A splittable operation crossing a calendar gap is an interval
  stretched over the gap, which blocks the resource there (nothing could run there anyway).
  This costs one interval per window, so ``cpsat.py`` avoids it where it can: when all
  resources share one calendar it builds the model in working time (``worktime.py``),
  without calendars, and every operation has one option per eligible resource.
- ``NoOverlap`` per resource over the option intervals.
- Sequence-dependent setups: a ``Circuit`` per resource over the operations that may run
  there (plus a dummy depot node), with ``arc(i, j) ⇒ start_j ≥ end_i + setup(i, j)``.
  Only built where setups exist or changeovers are counted, so plain job shops stay lean.
  With a warm start, arcs only join operations close to each other in its order (see
  ``_arc_pairs``), since a full circuit is quadratic in the operations of a resource.
- Skills: one ``Cumulative`` per Hall set of skills (``skills.py``: operators with several
  skills are counted once) at the peak number of operators who hold one of them, with
  fixed "blocker" intervals taking away the capacity missing at other times.
- Release, material and min/max waits are linear constraints; frozen operations are
  fixed variables on their resource.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from itertools import pairwise

from ortools.sat.python import cp_model

from linewise.scheduling.calendar import CalendarIndex
from linewise.scheduling.model import Instance, Level, ObjectiveConfig, Operation, Plan
from linewise.scheduling.objective import bottleneck_of
from linewise.scheduling.skills import label, skill_pools
from linewise.scheduling.timetable import frozen_span

Key = tuple[str, int]
# With a warm start, setup arcs only link operations this many places apart in its order.
ARC_REACH = 12


@dataclass
class OptionVar:
    resource: str
    earliest: int
    latest: int
    length: int
    literal: cp_model.IntVar | int  # 1 when it is the only option


@dataclass
class Node:
    """An (operation, resource) pair as it appears in a resource's circuit."""

    key: Key
    family: str
    present: cp_model.IntVar | int
    frozen: bool = False


@dataclass
class ShopModel:
    model: cp_model.CpModel
    horizon: int
    starts: dict[Key, cp_model.IntVar] = field(default_factory=dict)
    ends: dict[Key, cp_model.IntVar] = field(default_factory=dict)
    options: dict[Key, list[OptionVar]] = field(default_factory=dict)
    arcs: dict[str, dict[tuple[Key, Key], cp_model.IntVar]] = field(default_factory=dict)
    objectives: dict[Level, cp_model.LinearExprT] = field(default_factory=dict)
    trivial: set[Level] = field(default_factory=set)

    def decision_vars(self) -> list[cp_model.IntVar]:
        """Variables worth hinting; CP-SAT derives the rest."""
        found: list[cp_model.IntVar] = [*self.starts.values(), *self.ends.values()]
        for opts in self.options.values():
            found += [o.literal for o in opts if not isinstance(o.literal, int)]
        for arcs in self.arcs.values():
            found += arcs.values()
        return found

    def plan_values(self, plan: Plan) -> dict[int, int]:
        """Hint values (by variable index) that reproduce ``plan`` in this model."""
        values: dict[int, int] = {}
        placed = plan.by_key()
        for key, start in self.starts.items():
            s = placed[key]
            values[start.index] = s.start
            values[self.ends[key].index] = s.end
            for o in self.options[key]:
                if isinstance(o.literal, int):
                    continue
                hit = (
                    o.resource == s.resource
                    and o.earliest <= s.start <= o.latest
                    and o.length == s.end - s.start
                )
                values[o.literal.index] = int(hit)
        for resource, arcs in self.arcs.items():
            sequence = sorted(
                (s.start, s.job_id, s.index) for s in plan.operations if s.resource == resource
            )
            successor = {(a[1], a[2]): (b[1], b[2]) for a, b in pairwise(sequence)}
            for (i, j), lit in arcs.items():
                values[lit.index] = int(successor.get(i) == j)
        return values


def _horizon(instance: Instance, upper: int) -> int:
    """The latest end considered: the warm start's makespan plus one average resource load.

    A provably safe horizon for tardiness (release + all work + all setups) is many times
    longer and, with calendars, multiplies the placement options, which slows CP-SAT far
    more than it could ever gain. Plans that finish later than the warm start by more than
    a whole resource load are not worth exploring in practice.
    """
    work = sum(min(m.duration for m in op.modes) for j in instance.jobs for op in j.operations)
    return upper + work // max(1, len(instance.resources)) + 1


def _earliest_starts(instance: Instance) -> dict[Key, int]:
    """Static earliest start per operation from releases, materials and the routing."""
    found: dict[Key, int] = {}
    for job in instance.jobs:
        t = job.release
        for i, op in enumerate(job.operations):
            t = max(t + (op.min_wait if i else 0), op.material_ready)
            if op.frozen is not None:
                t = op.frozen.start
            found[(job.id, i)] = t
            t += min(m.duration for m in op.modes)
    return found


def build_model(
    instance: Instance,
    config: ObjectiveConfig,
    upper: int,
    candidates: dict[Key, tuple[str, ...]] | None = None,
    near: Plan | None = None,
    free_until: int | None = None,
) -> ShopModel:
    """The model; ``upper`` is a makespan known to be achievable (the warm start).

    ``candidates`` narrows the resources an operation may use (all eligible by default).
    ``near`` (the warm start) limits setup arcs to operations close in its order.
    ``free_until`` is the latest start of any operation that is not frozen, for callers
    that fix everything after a point in time (window search): with calendars in the
    model, it keeps the placement options to the windows before it.
    """
    horizon = _horizon(instance, upper)
    latest = horizon if free_until is None else min(horizon, free_until)
    shop = ShopModel(cp_model.CpModel(), horizon)
    calendars = {r.id: CalendarIndex(r.calendar) for r in instance.resources}
    earliest = _earliest_starts(instance)
    intervals: dict[str, list[cp_model.IntervalVar]] = defaultdict(list)
    nodes: dict[str, list[Node]] = defaultdict(list)
    for job in instance.jobs:
        for i, op in enumerate(job.operations):
            key = (job.id, i)
            if candidates is not None and key in candidates and op.frozen is None:
                allowed = candidates[key]
                op = replace(op, modes=tuple(m for m in op.modes if m.resource in allowed))
            _add_operation(shop, key, op, calendars, earliest[key], latest, intervals, nodes)
            if i > 0:
                gap = shop.starts[key] - shop.ends[(job.id, i - 1)]
                shop.model.add(gap >= op.min_wait)
                if op.max_wait is not None:
                    shop.model.add(gap <= op.max_wait)
    for items in intervals.values():
        shop.model.add_no_overlap(items)
    _add_setups(shop, instance, config, nodes, near)
    _add_skills(shop, instance)
    _add_objectives(shop, instance, config, nodes)
    return shop


def _add_operation(
    shop: ShopModel,
    key: Key,
    op: Operation,
    calendars: dict[str, CalendarIndex],
    earliest: int,
    latest: int,
    intervals: dict[str, list[cp_model.IntervalVar]],
    nodes: dict[str, list[Node]],
) -> None:
    m = shop.model
    name = f"{key[0]}_{key[1]}"
    if op.frozen is not None:
        start, end = frozen_span(op, calendars[op.frozen.resource])
        raw = [(op.frozen.resource, start, start, end - start)]
    else:
        raw = [
            (mode.resource, o.earliest, o.latest, o.length)
            for mode in op.modes
            for o in calendars[mode.resource].placement_options(
                mode.duration, op.splittable, earliest, latest
            )
        ]
    if not raw:
        raise ValueError(f"job {key[0]} op {key[1]} fits no calendar within the horizon")
    start_var = m.new_int_var(min(r[1] for r in raw), max(r[2] for r in raw), f"s_{name}")
    end_var = m.new_int_var(
        min(r[1] + r[3] for r in raw), max(r[2] + r[3] for r in raw), f"e_{name}"
    )
    shop.starts[key], shop.ends[key] = start_var, end_var
    options: list[OptionVar] = []
    if len(raw) == 1:
        resource, lo, hi, length = raw[0]
        m.add(end_var == start_var + length)
        intervals[resource].append(m.new_fixed_size_interval_var(start_var, length, f"i_{name}"))
        options.append(OptionVar(resource, lo, hi, length, 1))
    else:
        for k, (resource, lo, hi, length) in enumerate(raw):
            lit = m.new_bool_var(f"o_{name}_{k}")
            m.add(start_var >= lo).only_enforce_if(lit)
            m.add(start_var <= hi).only_enforce_if(lit)
            m.add(end_var == start_var + length).only_enforce_if(lit)
            intervals[resource].append(
                m.new_optional_fixed_size_interval_var(start_var, length, lit, f"i_{name}_{k}")
            )
            options.append(OptionVar(resource, lo, hi, length, lit))
        m.add_exactly_one(o.literal for o in options)
    shop.options[key] = options
    by_resource: dict[str, list[cp_model.IntVar | int]] = defaultdict(list)
    for o in options:
        by_resource[o.resource].append(o.literal)
    for resource, lits in by_resource.items():
        present: cp_model.IntVar | int
        if len(lits) == 1:
            present = lits[0]
        else:
            present = m.new_bool_var(f"p_{name}_{resource}")
            m.add(sum(lits) == present)
        nodes[resource].append(Node(key, op.family, present, op.frozen is not None))


def _arc_pairs(items: list[Node], near: Plan | None) -> list[tuple[int, int]]:
    """Pairs of positions in ``items`` that may follow each other on the resource.

    Without ``near``, all pairs. With it, only operations at most ``ARC_REACH`` apart in
    the order of ``near``'s start times, plus the pairs that follow each other in
    ``near`` itself (so the warm start stays a solution). A full circuit is quadratic
    in the operations a resource may run, which for hundreds of operations is millions
    of literals; successors more than a few places away in a good plan are rarely
    useful and the search rarely gets there in a short time limit anyway.
    """
    n = len(items)
    if near is None or n <= 2 * ARC_REACH + 1:
        return [(a, b) for a in range(n) for b in range(n) if a != b]
    placed = near.by_key()
    order = sorted(range(n), key=lambda a: (placed[items[a].key].start, items[a].key))
    pairs = {
        (order[x], order[y])
        for x in range(n)
        for y in range(max(0, x - ARC_REACH), min(n, x + ARC_REACH + 1))
        if x != y
    }
    position = {node.key: a for a, node in enumerate(items)}
    by_resource: dict[str, list[tuple[int, Key]]] = defaultdict(list)
    for s in near.operations:
        if (s.job_id, s.index) in position:
            by_resource[s.resource].append((s.start, (s.job_id, s.index)))
    for sequence in by_resource.values():
        sequence.sort()
        pairs.update((position[a[1]], position[b[1]]) for a, b in pairwise(sequence))
    return sorted(pairs)


def _add_setups(
    shop: ShopModel,
    instance: Instance,
    config: ObjectiveConfig,
    nodes: dict[str, list[Node]],
    near: Plan | None,
) -> None:
    m = shop.model
    counted = "changeovers" in config.levels
    for resource in instance.resources:
        items = nodes.get(resource.id, [])
        if len({n.family for n in items}) < 2 or not (resource.has_setups or counted):
            continue
        if all(n.frozen for n in items):
            # Nothing to decide (the stand-in resources of window search): its
            # changeovers are a constant the objective can leave out.
            continue
        arcs: list[tuple[int, int, cp_model.LiteralT]] = []
        used: dict[tuple[Key, Key], cp_model.IntVar] = {}
        depot_loop = m.new_bool_var(f"empty_{resource.id}")
        arcs.append((0, 0, depot_loop))
        for a, node in enumerate(items, start=1):
            arcs.append((0, a, m.new_bool_var("")))
            arcs.append((a, 0, m.new_bool_var("")))
            if isinstance(node.present, int):
                m.add(depot_loop == 0)
            else:
                arcs.append((a, a, ~node.present))
        for a0, b0 in _arc_pairs(items, near):
            a, b, na, nb = a0 + 1, b0 + 1, items[a0], items[b0]
            if na.key[0] == nb.key[0] and nb.key[1] < na.key[1]:
                continue  # a job's later op never precedes its earlier one
            lit = m.new_bool_var(f"a_{resource.id}_{a}_{b}")
            arcs.append((a, b, lit))
            used[(na.key, nb.key)] = lit
            # Between two frozen operations the setup is not asked for: both stay where
            # they are, and in working time a setup that really spans a break can look
            # too short, which must not make the model infeasible. The arc still orders
            # them in time (the circuit follows time only through these constraints).
            both_frozen = na.frozen and nb.frozen
            setup = 0 if both_frozen else resource.setup(na.family, nb.family)
            m.add(shop.starts[nb.key] >= shop.ends[na.key] + setup).only_enforce_if(lit)
        m.add_circuit(arcs)
        shop.arcs[resource.id] = used


def _add_skills(shop: ShopModel, instance: Instance) -> None:
    """One ``Cumulative`` per Hall set of skills (see ``skills.py``).

    Its capacity is the peak number of operators present who hold a skill of the set;
    fixed "blocker" intervals take away what is missing at other times.
    """
    m, horizon = shop.model, shop.horizon
    pools = skill_pools(instance)
    demands: dict[str, list[tuple[Key, int]]] = defaultdict(list)
    for job in instance.jobs:
        for i, op in enumerate(job.operations):
            if op.skill is not None and op.operators_needed > 0:
                demands[op.skill].append(((job.id, i), op.operators_needed))
    spans: dict[Key, cp_model.IntervalVar] = {}
    for skills in pools.sets:
        uses = [use for skill in sorted(skills) for use in demands[skill]]
        steps = pools.capacity_steps(skills)
        peak = max([0, *(level for _, level in steps)])
        if peak == 0:
            m.add_bool_or([])  # the operators needed never exist: infeasible
            continue
        points = [t for t, _ in steps]
        name = label(skills)
        low = min([0, *points, *(shop.starts[k].proto.domain[0] for k, _ in uses)])
        segments = [(low, points[0] if points else horizon, peak)]
        for (t, lvl), nxt in zip(steps, [*points[1:], horizon], strict=True):
            segments.append((t, max(nxt, t), peak - lvl))
        items, heights = [], []
        for start, end, missing in segments:
            if missing > 0 and end > start:
                items.append(m.new_fixed_size_interval_var(start, end - start, f"block_{name}"))
                heights.append(missing)
        for key, demand in uses:
            if key not in spans:
                lengths = [o.length for o in shop.options[key]]
                size = m.new_int_var(min(lengths), max(lengths), "")
                spans[key] = m.new_interval_var(shop.starts[key], size, shop.ends[key], "")
            items.append(spans[key])
            heights.append(demand)
        m.add_cumulative(items, heights, peak)


def _add_objectives(
    shop: ShopModel, instance: Instance, config: ObjectiveConfig, nodes: dict[str, list[Node]]
) -> None:
    m, horizon = shop.model, shop.horizon
    lasts = {j.id: shop.ends[(j.id, len(j.operations) - 1)] for j in instance.jobs}
    tardy = []
    for job in instance.jobs:
        if job.due is not None and job.weight > 0:
            late = m.new_int_var(0, horizon, f"late_{job.id}")
            m.add(late >= lasts[job.id] - job.due)
            tardy.append(job.weight * late)
    shop.objectives["weighted_tardiness"] = sum(tardy)
    if not tardy:
        shop.trivial.add("weighted_tardiness")
    makespan = m.new_int_var(0, horizon, "makespan")
    m.add_max_equality(makespan, list(lasts.values()))
    shop.objectives["makespan"] = makespan
    family = {(j.id, i): op.family for j in instance.jobs for i, op in enumerate(j.operations)}
    arcs = [
        lit
        for found in shop.arcs.values()
        for (a, b), lit in found.items()
        if family[a] != family[b]
    ]
    shop.objectives["changeovers"] = sum(arcs)
    if not arcs:
        shop.trivial.add("changeovers")
    if "bottleneck_idle" in config.levels:
        shop.objectives["bottleneck_idle"] = _bottleneck_idle(shop, instance, config)


def _bottleneck_idle(
    shop: ShopModel, instance: Instance, config: ObjectiveConfig
) -> cp_model.IntVar:
    """Idle time between the first start and the last end on the bottleneck resource."""
    m, horizon = shop.model, shop.horizon
    resource = bottleneck_of(instance, config)
    first = m.new_int_var(0, horizon, "bn_first")
    last = m.new_int_var(0, horizon, "bn_last")
    busy = []
    for key, opts in shop.options.items():
        for o in opts:
            if o.resource != resource:
                continue
            enforce = [] if isinstance(o.literal, int) else [o.literal]
            m.add(first <= shop.starts[key]).only_enforce_if(enforce)
            m.add(last >= shop.ends[key]).only_enforce_if(enforce)
            busy.append(o.length * o.literal)
    idle = m.new_int_var(0, horizon, "bn_idle")
    m.add(idle >= last - first - sum(busy))
    return idle
