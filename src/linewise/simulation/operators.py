"""Operators as agents: shifts, breaks, absence, skills, walking, and where they stand.

Only used when ``SimParams.operators`` is on (the runs without it stay as they were).
Each operator is assigned to one line (or to none); a line runs only while at least its
crew (``SimParams.crew`` by line type) of assigned operators with the line's skill is
present: on their own shift, not on a break, not absent that day, and arrived (moving
to another line takes a walk). A changeover needs one present operator with the step's
skill, clearing a breakdown one present operator of the line. A line that lacks them
waits, and says why (``idle/no_assignment``, ``idle/waiting_for_setup``; a breakdown
stays ``down`` until someone clears it).

Absence is drawn per operator and shift occurrence, seeded, so that a run "as planned"
and a run with reallocations meet the same absences: the static plan does not know who
is missing today, the reallocation policy does (it sees who is present).
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from linewise.allocation.causes import NO_ASSIGNMENT, OTHER, cause_of
from linewise.simulation.calendar import WORK, ShiftTimeline, shift_spans
from linewise.simulation.model import SimParams
from linewise.simulation.spec import FactorySpec, LineSpec
from linewise.simulation.timefmt import from_ms


@dataclass(frozen=True, slots=True)
class LineView:
    """A line as a staffing policy sees it at one moment."""

    code: str
    area: str
    skill: str | None
    need: int  # operators it needs present to run
    has_work: bool  # an operation runs on it or is ready for it
    present: int  # assigned operators with its skill present now


@dataclass(frozen=True, slots=True)
class OperatorView:
    code: str
    skills: tuple[str, ...]
    areas: tuple[str, ...]
    line: str | None
    available: bool  # on shift (not on a break) and not absent


@dataclass(frozen=True, slots=True)
class StaffingView:
    now: datetime
    lines: tuple[LineView, ...]
    operators: tuple[OperatorView, ...]


# Called every ``policy_every``; returns the operators to move: code -> line (None: unassign).
StaffingPolicy = Callable[[StaffingView], dict[str, str | None]]


@dataclass(frozen=True, slots=True)
class Activity:
    """What one operator did from ``start`` to ``end`` (ms) while on shift and present."""

    start: int
    end: int
    kind: str  # working | walking | idle
    cause: str | None = None  # for idle: a cause of ``allocation.causes``
    line: str | None = None


def line_skills(spec: FactorySpec) -> dict[str, str | None]:
    """The skill a line's work needs: the skill of the routing steps it can run."""
    out: dict[str, str | None] = {line.code: None for line in spec.lines}
    for product in spec.products:
        for step in product.steps:
            for code in step.cycle_time_s:
                if out.get(code) is None and code in out:
                    out[code] = step.skill
    return out


def planned_assignment(spec: FactorySpec) -> dict[str, str | None]:
    """The static plan: each operator on a line of their first area that needs their first
    skill, spread evenly (fewest assigned first, in line order), per shift."""
    skills = line_skills(spec)
    out: dict[str, str | None] = {}
    load: dict[tuple[str, str], int] = {}
    for op in spec.operators:
        fitting = [
            line
            for line in spec.lines
            if op.areas and line.area == op.areas[0] and skills[line.code] in op.skills[:1]
        ]
        if not fitting:
            out[op.code] = None
            continue
        best = min(fitting, key=lambda ln: load.get((op.shift_code, ln.code), 0))
        load[(op.shift_code, best.code)] = load.get((op.shift_code, best.code), 0) + 1
        out[op.code] = best.code
    return out


class OperatorAgent:
    __slots__ = ("absences", "areas", "arrive_ms", "code", "history", "line", "skills", "timeline")

    def __init__(
        self,
        code: str,
        skills: tuple[str, ...],
        areas: tuple[str, ...],
        timeline: ShiftTimeline,
        absences: list[tuple[int, int]],
        line: str | None,
        start_ms: int,
    ) -> None:
        self.code, self.skills, self.areas = code, skills, areas
        self.timeline = timeline
        self.absences = absences  # sorted, non-overlapping shift occurrences missed
        self.line = line
        self.arrive_ms = start_ms
        self.history: list[tuple[int, str | None, int]] = [(start_ms, line, start_ms)]

    def absent(self, ms: int) -> bool:
        i = bisect_right(self.absences, (ms, 1 << 62)) - 1
        return i >= 0 and self.absences[i][0] <= ms < self.absences[i][1]

    def available(self, ms: int) -> bool:
        return self.timeline.at(ms).kind == WORK and not self.absent(ms)


class OperatorPool:
    def __init__(
        self,
        spec: FactorySpec,
        params: SimParams,
        seed: int,
        start_ms: int,
        end_ms: int,
        assignment: dict[str, str | None] | None = None,
    ) -> None:
        self.params = params
        self.start_ms, self.end_ms = start_ms, end_ms
        self.lines: dict[str, LineSpec] = {line.code: line for line in spec.lines}
        self.skill = line_skills(spec)
        plan = planned_assignment(spec) if assignment is None else assignment
        shifts = {s.code: s for s in spec.shifts}
        timelines: dict[str, ShiftTimeline] = {}
        self.agents: dict[str, OperatorAgent] = {}
        for op in spec.operators:
            shift = shifts.get(op.shift_code)
            if shift is None:
                continue
            if shift.code not in timelines:
                timelines[shift.code] = ShiftTimeline(
                    spec.timezone, (shift,), spec.holidays, start_ms, end_ms
                )
            absences = []
            for day, a, b in shift_spans(spec.timezone, shift, spec.holidays, start_ms, end_ms):
                draw = random.Random(f"{seed}:absent:{op.code}:{day.isoformat()}").random()
                if draw < params.absence_rate:
                    absences.append((a, b))
            line = plan.get(op.code)
            self.agents[op.code] = OperatorAgent(
                op.code,
                op.skills,
                op.areas,
                timelines[shift.code],
                absences,
                line if line in self.lines else None,
                start_ms,
            )
        self._at: dict[str, list[OperatorAgent]] = {code: [] for code in self.lines}
        for agent in self.agents.values():
            if agent.line is not None:
                self._at[agent.line].append(agent)

    def need(self, line: str) -> int:
        return self.params.crew.get(self.lines[line].type, 1)

    def present(self, line: str, skill: str | None, ms: int) -> int:
        """Operators assigned to ``line`` with ``skill`` who are there at ``ms``."""
        return sum(
            1
            for a in self._at[line]
            if a.arrive_ms <= ms and (skill is None or skill in a.skills) and a.available(ms)
        )

    def move(self, code: str, line: str | None, ms: int) -> None:
        """Reassign an operator; they arrive after walking there."""
        agent = self.agents[code]
        if line == agent.line or (line is not None and line not in self.lines):
            return
        if agent.line is not None:
            self._at[agent.line].remove(agent)
        same_area = (
            agent.line is not None
            and line is not None
            and self.lines[agent.line].area == self.lines[line].area
        )
        walk_s = self.params.walk_same_area_s if same_area else self.params.walk_other_area_s
        agent.line = line
        agent.arrive_ms = ms + int(walk_s * 1000) if line is not None else ms
        agent.history.append((ms, line, agent.arrive_ms))
        if line is not None:
            self._at[line].append(agent)

    def view(self, ms: int, has_work: dict[str, bool]) -> StaffingView:
        lines = tuple(
            LineView(
                code,
                line.area,
                self.skill[code],
                self.need(code),
                has_work.get(code, False),
                self.present(code, self.skill[code], ms),
            )
            for code, line in self.lines.items()
        )
        operators = tuple(
            OperatorView(a.code, a.skills, a.areas, a.line, a.available(ms))
            for a in self.agents.values()
        )
        return StaffingView(from_ms(ms), lines, operators)

    # -- ground truth ---------------------------------------------------------------------

    def activities(
        self, line_states: dict[str, list[tuple[int, int, str, str | None]]]
    ) -> dict[str, list[Activity]]:
        """Each operator's present time, split into working, walking and idle (with cause).

        ``line_states``: per line, its first station's intervals (start, end, state,
        reason) in ms; an operator at a line works while it produces or is set up.
        """
        out: dict[str, list[Activity]] = {}
        for agent in self.agents.values():
            acts: list[Activity] = []
            for seg in agent.timeline.segments:
                a, b = max(seg.start, self.start_ms), min(seg.end, self.end_ms)
                if seg.kind != WORK or b <= a:
                    continue
                for x, y in _minus(a, b, agent.absences):
                    acts.extend(self._split(agent, x, y, line_states))
            out[agent.code] = _merged(acts)
        return out

    def _split(
        self,
        agent: OperatorAgent,
        a: int,
        b: int,
        line_states: dict[str, list[tuple[int, int, str, str | None]]],
    ) -> list[Activity]:
        acts: list[Activity] = []
        history = agent.history
        for k, (since, line, arrive) in enumerate(history):
            until = history[k + 1][0] if k + 1 < len(history) else b
            x, y = max(a, since), min(b, until)
            if y <= x:
                continue
            if line is None:
                acts.append(Activity(x, y, "idle", NO_ASSIGNMENT))
                continue
            if arrive > x:
                acts.append(Activity(x, min(arrive, y), "walking", None, line))
                x = arrive
            for start, end, state, reason in line_states.get(line, []):
                p, q = max(x, start), min(y, end)
                if q <= p:
                    continue
                if state in ("producing", "setup"):
                    acts.append(Activity(p, q, "working", None, line))
                else:
                    acts.append(Activity(p, q, "idle", cause_of(state, reason) or OTHER, line))
        return acts


def _minus(a: int, b: int, holes: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out, x = [], a
    for p, q in holes:
        if q <= x or p >= b:
            continue
        if p > x:
            out.append((x, p))
        x = max(x, q)
    if x < b:
        out.append((x, b))
    return out


def _merged(acts: list[Activity]) -> list[Activity]:
    out: list[Activity] = []
    for act in acts:
        last = out[-1] if out else None
        if (
            last is not None
            and last.end == act.start
            and (last.kind, last.cause, last.line) == (act.kind, act.cause, act.line)
        ):
            out[-1] = Activity(last.start, act.end, act.kind, act.cause, act.line)
        else:
            out.append(act)
    return out
