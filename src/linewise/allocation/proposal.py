"""Reallocation proposals: which operators to move where, to save the most idle minutes.

A station (a line, or a machine) needs ``need`` operators present with its skill to run;
``present`` are there now. When it is short and has work, each minute of the horizon is
an idle minute of its ``machines``: staffing it saves ``gain_min`` (by default the
horizon times its machines).

CP-SAT (OR-Tools) chooses the moves: one boolean per (operator, station) candidate, at
most one move per operator, and a short station is saved when exactly its missing
people arrive (a half-staffed line still stands, so nobody walks there for nothing).
The objective is the saved idle minutes minus the walking (minutes times the station's
machines). Rules: an operator moves only to a station whose skill they hold, only while
on shift (``available``), never when ``locked`` (in a task that must not be left), never
from a station with work that would then fall short, never across areas unless
``cross_area``, and never to a station listed in ``conflicts`` for them.

To stay fast at hundreds of stations each short station keeps its ``candidates``
nearest eligible operators (spread so that neighbours get different people), the
search starts from a greedy assignment, and stops 0.5 % from the proven bound.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ortools.sat.python import cp_model


@dataclass(frozen=True, slots=True)
class Station:
    code: str
    area: str
    skill: str | None
    need: int
    present: int
    has_work: bool
    machines: int = 1
    gain_min: float = 0.0  # idle machine-minutes saved over the horizon when staffed


@dataclass(frozen=True, slots=True)
class Person:
    code: str
    skills: tuple[str, ...]
    areas: tuple[str, ...]
    station: str | None  # where they are now (None: unassigned)
    available: bool = True
    locked: bool = False


@dataclass(frozen=True, slots=True)
class Rules:
    horizon_min: float = 60.0
    walk_same_area_min: float = 2.0
    walk_other_area_min: float = 5.0
    cross_area: bool = True
    candidates: int = 16
    time_limit_s: float = 1.2
    conflicts: frozenset[tuple[str, str]] = field(default_factory=frozenset)  # (operator, station)


@dataclass(frozen=True, slots=True)
class Move:
    operator: str
    from_station: str | None
    to_station: str
    gain_min: float  # idle minutes this move saves (its share of the station's gain, net)


@dataclass(frozen=True, slots=True)
class Proposal:
    moves: tuple[Move, ...]
    gain_min: float  # net idle machine-minutes saved over the horizon
    status: str  # optimal | feasible | none
    seconds: float


def _scaled(x: float) -> int:
    return round(x * 100)


def _value(s: Station, rules: Rules) -> float:
    return s.gain_min if s.gain_min > 0 else rules.horizon_min * s.machines


def _hint(
    model: cp_model.CpModel,
    x: dict[tuple[str, str], cp_model.IntVar],
    short: list[Station],
    pairs: list[tuple[Person, Station]],
    saved: dict[str, cp_model.IntVar],
    slack: Callable[[str | None], int],
) -> None:
    """A greedy start: each short station, most valuable first, takes its first candidates
    that leave no gap behind. CP-SAT improves from there within its time limit."""
    taken: set[str] = set()
    donors: dict[str | None, int] = {}
    by_station: dict[str, list[Person]] = {}
    for p, s in pairs:
        by_station.setdefault(s.code, []).append(p)
    chosen: set[tuple[str, str]] = set()
    for s in sorted(short, key=lambda s: -s.machines):
        free = [
            p
            for p in by_station.get(s.code, [])
            if p.code not in taken and donors.get(p.station, 0) < slack(p.station)
        ]
        gap = s.need - s.present
        if len(free) < gap:
            continue
        for p in free[:gap]:
            taken.add(p.code)
            donors[p.station] = donors.get(p.station, 0) + 1
            chosen.add((p.code, s.code))
    for key, var in x.items():
        model.add_hint(var, key in chosen)
    filled = {code for _p, code in chosen}
    for code, var in saved.items():
        model.add_hint(var, code in filled)


def propose(stations: list[Station], people: list[Person], rules: Rules | None = None) -> Proposal:
    rules = rules or Rules()
    started = time.perf_counter()
    by_code = {s.code: s for s in stations}
    short = [s for s in stations if s.has_work and s.present < s.need]
    if not short:
        return Proposal((), 0.0, "optimal", time.perf_counter() - started)

    def slack(station: str | None) -> int:
        """How many people a station can give up without stopping."""
        here = by_code.get(station) if station else None
        if here is None or not here.has_work:
            return 1 << 20
        return max(0, here.present - here.need)

    def walk(p: Person, s: Station) -> float:
        here = by_code.get(p.station) if p.station else None
        if here is not None and here.area == s.area:
            return rules.walk_same_area_min
        return rules.walk_other_area_min

    def eligible(p: Person, s: Station) -> bool:
        if not p.available or p.locked or p.station == s.code:
            return False
        if (p.code, s.code) in rules.conflicts:
            return False
        if s.skill is not None and s.skill not in p.skills:
            return False
        if not rules.cross_area and s.area not in p.areas:
            return False
        # nobody leaves a gap behind: a station with work keeps the people it needs
        return slack(p.station) > 0

    pairs: list[tuple[Person, Station]] = []
    offered: dict[str, int] = {}  # how many stations already have this person as a candidate
    for s in sorted(short, key=lambda s: (-_value(s, rules), s.code)):
        fits = [p for p in people if eligible(p, s)]
        # the shortest walk first, then those offered to fewer stations (so that
        # neighbouring stations get different people)
        fits.sort(key=lambda p: (walk(p, s), offered.get(p.code, 0), p.code))
        for p in fits[: max(rules.candidates, s.need - s.present)]:
            pairs.append((p, s))
            offered[p.code] = offered.get(p.code, 0) + 1
    model = cp_model.CpModel()
    x = {(p.code, s.code): model.new_bool_var(f"x_{p.code}_{s.code}") for p, s in pairs}
    by_person: dict[str, list[cp_model.IntVar]] = {}
    into: dict[str, list[cp_model.IntVar]] = {}
    out_of: dict[str, list[cp_model.IntVar]] = {}
    people_by_code = {p.code: p for p in people}
    for (pc, sc), var in x.items():
        by_person.setdefault(pc, []).append(var)
        into.setdefault(sc, []).append(var)
        origin = people_by_code[pc].station
        if origin is not None and origin in by_code:
            out_of.setdefault(origin, []).append(var)
    for vars_ in by_person.values():
        model.add_at_most_one(vars_)
    objective: list[cp_model.LinearExprT] = []
    saved: dict[str, cp_model.IntVar] = {}
    for s in short:
        if s.code not in into:
            continue
        y = model.new_bool_var(f"saved_{s.code}")
        saved[s.code] = y
        # exactly the missing people arrive, or nobody (a half-staffed line still stands)
        model.add(sum(into[s.code]) == (s.need - s.present) * y)
        objective.append(_scaled(_value(s, rules)) * y)
    for code, leaving in out_of.items():
        if by_code[code].has_work:  # a station with work keeps what it needs
            model.add(sum(leaving) <= slack(code))
    for p, s in pairs:
        objective.append(-_scaled(walk(p, s) * s.machines) * x[(p.code, s.code)])
    model.maximize(sum(objective))
    _hint(model, x, short, pairs, saved, slack)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = rules.time_limit_s
    solver.parameters.num_workers = 2
    # symmetric people make proving optimality slow; 0.5 % from the bound is good enough
    solver.parameters.relative_gap_limit = 0.005
    result = solver.solve(model)
    if result not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Proposal((), 0.0, "none", time.perf_counter() - started)
    moves: list[Move] = []
    for p, s in pairs:
        if solver.value(x[(p.code, s.code)]) and solver.value(saved[s.code]):
            share = _value(s, rules) / max(1, s.need - s.present) - walk(p, s) * s.machines
            moves.append(Move(p.code, p.station, s.code, round(share, 2)))
    gain = solver.objective_value / 100.0
    status = "optimal" if result == cp_model.OPTIMAL else "feasible"
    moves.sort(key=lambda m: (-m.gain_min, m.operator))
    return Proposal(tuple(moves), round(gain, 2), status, time.perf_counter() - started)
