"""The discrete-event engine: runs the lines of a factory in time order, releases events.

Lines only interact through the order book (one line finishing an operation makes the
next one ready elsewhere), so each line is a process that the engine resumes strictly in
time order. Events are released once no process can still produce an earlier one,
which is what lets ``run_until`` feed a real-time pacer incrementally while the output
stays identical to one run straight through.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterator
from datetime import datetime, timedelta

from linewise.simulation.calendar import ShiftTimeline
from linewise.simulation.events import Event, EventFactory
from linewise.simulation.ground_truth import GroundTruth, IdleEpisode, TruthRecorder
from linewise.simulation.line import LineContext, LineProcess
from linewise.simulation.model import SimParams
from linewise.simulation.operators import Activity, OperatorPool, StaffingPolicy
from linewise.simulation.orders import OrderBook
from linewise.simulation.spec import FactorySpec
from linewise.simulation.timefmt import from_ms, to_ms


class Simulation:
    """A seeded run of ``spec`` over ``[start, start + duration)``.

    Pull events with ``run_until`` (a pacer does, slice by slice) or ``run`` (all of them).
    """

    def __init__(
        self,
        spec: FactorySpec,
        start: datetime,
        duration: timedelta,
        seed: int = 1,
        params: SimParams | None = None,
        *,
        assignment: dict[str, str | None] | None = None,
        policy: StaffingPolicy | None = None,
        policy_every: timedelta = timedelta(minutes=15),
    ) -> None:
        """With ``params.operators`` the lines need their crews (``simulation/operators``):
        ``assignment`` is the plan (operator -> line; default ``planned_assignment``) and
        ``policy``, if given, may move operators every ``policy_every``."""
        self.spec = spec
        self.params = params or SimParams()
        self.seed = seed
        self.start_ms = to_ms(start)
        self.end_ms = self.start_ms + duration // timedelta(milliseconds=1)
        if self.end_ms <= self.start_ms:
            raise ValueError("the simulated duration must be positive")
        self.now_ms = self.start_ms
        # (ms, machine rank, id): a canonical order, however the run is sliced
        self._events: list[tuple[int, int, str, Event]] = []
        self._rank = {m.code: i for i, m in enumerate(m for ln in spec.lines for m in ln.machines)}
        self.recorder = TruthRecorder(spec.site_code, spec.timezone, seed, self.start_ms)
        self.staff = (
            OperatorPool(spec, self.params, seed, self.start_ms, self.end_ms, assignment)
            if self.params.operators
            else None
        )
        self._policy = policy if self.staff is not None else None
        self._policy_every = max(60_000, policy_every // timedelta(milliseconds=1))
        self._next_policy = self.start_ms
        self.moves = 0  # operator moves the policy made
        # runs with operators: what each one did while present (set when the run ends)
        self.operator_activities: dict[str, list[Activity]] = {}
        ctx = LineContext(
            timeline=ShiftTimeline(
                spec.timezone, spec.shifts, spec.holidays, self.start_ms, self.end_ms
            ),
            book=OrderBook(spec, self.start_ms),
            recorder=self.recorder,
            events=EventFactory(),
            params=self.params,
            seed=seed,
            emit=self._emit,
            work_appeared=self._wake_waiting,
            staff=self.staff,
        )
        self.lines = [LineProcess(ctx, line, self.start_ms) for line in spec.lines]
        self._version = [0] * len(self.lines)
        self._waiting = [False] * len(self.lines)
        self._agenda: list[tuple[int, int, int]] = [
            (self.start_ms, i, 0) for i in range(len(self.lines))
        ]
        self._truth: GroundTruth | None = None
        self.events_released = 0

    @property
    def start(self) -> datetime:
        return from_ms(self.start_ms)

    @property
    def end(self) -> datetime:
        return from_ms(self.end_ms)

    @property
    def finished(self) -> bool:
        return self._truth is not None

    def _emit(self, ms: int, event: Event) -> None:
        heapq.heappush(self._events, (ms, self._rank[event["machine"]], event["id"], event))

    def _wake_waiting(self, now: int) -> None:
        """New work is ready: lines idling for lack of orders look again now."""
        for i, waiting in enumerate(self._waiting):
            if waiting:
                self._waiting[i] = False
                self._version[i] += 1
                heapq.heappush(self._agenda, (now, i, self._version[i]))

    def run_until(self, until: datetime | int) -> list[Event]:
        """Advance to ``until`` (clamped to the end) and return the events before it, in order.

        At the end of the run the remaining events are returned and the ground truth is
        sealed.
        """
        if self._truth is not None:
            return []
        limit = min(until if isinstance(until, int) else to_ms(until), self.end_ms)
        agenda = self._agenda
        while agenda and agenda[0][0] < limit:
            if self._policy is not None and agenda[0][0] >= self._next_policy:
                self._apply_policy(self._next_policy)
                continue
            wake, i, version = heapq.heappop(agenda)
            if version != self._version[i]:
                continue
            line = self.lines[i]
            line.sample_until(wake)
            line.clock = wake
            next_wake, interruptible = next(line.process)
            self._version[i] += 1
            self._waiting[i] = interruptible
            heapq.heappush(agenda, (next_wake, i, self._version[i]))
        for line in self.lines:
            line.sample_until(limit)
        self.now_ms = max(self.now_ms, limit)
        threshold = limit
        if limit >= self.end_ms:
            for line in self.lines:
                line.flush_all()
            threshold = math.inf  # type: ignore[assignment]
            self._truth = self.recorder.finish(self.end_ms)
            if self.staff is not None:
                self._operator_truth(self._truth)
        else:
            for line in self.lines:
                pending = line.pending_count_ms()
                if pending is not None:
                    threshold = min(threshold, pending)
        out: list[Event] = []
        events = self._events
        while events and events[0][0] < threshold:
            out.append(heapq.heappop(events)[3])
        self.events_released += len(out)
        return out

    def _apply_policy(self, ms: int) -> None:
        """Let the policy move operators at ``ms``; lines waiting for people look again."""
        assert self._policy is not None and self.staff is not None
        self._next_policy = ms + self._policy_every
        book = self.lines[0].ctx.book if self.lines else None
        has_work = {
            line.code: line.current is not None
            or (book is not None and book.pick(line.code, None, ms, 0) is not None)
            for line in self.lines
        }
        moves = self._policy(self.staff.view(ms, has_work))
        for code, line_code in sorted(moves.items()):
            if code in self.staff.agents and self.staff.agents[code].line != line_code:
                self.staff.move(code, line_code, ms)
                self.moves += 1
        if moves:
            self._wake_waiting(ms)

    def _operator_truth(self, truth: GroundTruth) -> None:
        assert self.staff is not None
        firsts: dict[str, list[tuple[int, int, str, str | None]]] = {}
        for line in self.spec.lines:
            if line.machines:
                firsts[line.code] = [
                    (to_ms(i.start), to_ms(i.end), i.state, i.reason)
                    for i in truth.machines[line.machines[0].code].intervals
                ]
        self.operator_activities = self.staff.activities(firsts)
        for code, acts in self.operator_activities.items():
            minutes: dict[str, float] = {"working": 0.0, "walking": 0.0, "idle": 0.0}
            for act in acts:
                minutes[act.kind] += (act.end - act.start) / 60_000
                if act.kind == "idle" and act.cause is not None:
                    truth.idle.append(
                        IdleEpisode(
                            "operator",
                            code,
                            from_ms(act.start),
                            from_ms(act.end),
                            act.cause,
                            act.line,
                        )
                    )
            truth.operator_minutes[code] = minutes

    def run(self, step: timedelta = timedelta(hours=1)) -> Iterator[Event]:
        """All events to the end, pulled in ``step`` slices to keep memory flat."""
        step_ms = step // timedelta(milliseconds=1)
        while not self.finished:
            yield from self.run_until(self.now_ms + step_ms)

    def ground_truth(self) -> GroundTruth:
        """The truth of the whole run (runs it to the end if needed, dropping the events)."""
        while self._truth is None:
            self.run_until(self.end_ms)
        return self._truth


def simulate(
    spec: FactorySpec,
    start: datetime,
    duration: timedelta,
    seed: int = 1,
    params: SimParams | None = None,
) -> Iterator[Event]:
    """The events of a seeded run, time-ordered (ties by machine, then per machine in order)."""
    return Simulation(spec, start, duration, seed, params).run()
