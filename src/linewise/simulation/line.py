"""One production line as a process: dispatch, changeover, a paced flow of units, stops.

The line is a synchronous transfer line without buffers: in each cycle every station
works on the unit in front of it and the cycle lasts as long as the slowest one needs
(so the constraint station paces the line). A station without a unit is starved; when
one station stops, the stations before it are blocked and the ones after it starved.
Work only happens in working time: a cycle, a changeover or a repair that meets a break
or the end of a shift pauses and continues in the next working time; a micro-stop just
ends there.

The process is a generator that yields ``(wake_ms, interruptible)``; the engine resumes
it at that time (or earlier, for an interruptible wait, when new work appears) after
setting ``clock``.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Generator
from dataclasses import dataclass, replace

from linewise.simulation.calendar import WORK, ShiftTimeline
from linewise.simulation.events import Event, EventFactory
from linewise.simulation.ground_truth import Breakdown, OperationTruth, Setup, TruthRecorder
from linewise.simulation.machines import PRODUCING, MachineRuntime, StateKey
from linewise.simulation.model import SimParams
from linewise.simulation.operators import OperatorPool
from linewise.simulation.orders import OpState, OrderBook
from linewise.simulation.spec import LineSpec
from linewise.simulation.timefmt import from_ms

Wait = tuple[int, bool]
Process = Generator[Wait, None, int]
STARVED: StateKey = ("idle", "starved", None)
BLOCKED: StateKey = ("idle", "blocked", None)
NO_CREW: StateKey = ("idle", "no_assignment", None)
WAITING_FOR_SETUP: StateKey = ("idle", "waiting_for_setup", None)


@dataclass(slots=True)
class LineContext:
    """What a line shares with the rest of the factory."""

    timeline: ShiftTimeline
    book: OrderBook
    recorder: TruthRecorder
    events: EventFactory
    params: SimParams
    seed: int
    emit: Callable[[int, Event], None]
    work_appeared: Callable[[int], None]
    staff: OperatorPool | None = None  # operators as agents, when the run has them


class LineProcess:
    def __init__(self, ctx: LineContext, line: LineSpec, start_ms: int) -> None:
        self.ctx = ctx
        self.spec = line
        self.code = line.code
        self.rng = random.Random(f"{ctx.seed}:line:{line.code}")
        self.machines = [MachineRuntime(m, ctx.params, ctx.seed, start_ms) for m in line.machines]
        for m in line.machines:
            ctx.recorder.add_machine(m.code, line.code, m.kind)
        initial = ctx.book.initial_family.get(line.code)
        self.family: str | None = initial[1] if initial else None
        self.clock = start_ms
        self.current: OpState | None = None  # the operation on the line (or waiting for crew)
        self.process: Generator[Wait, None, int] = self._run()

    # -- states, counts, telemetry ---------------------------------------------------------

    def set_states(self, now: int, states: list[StateKey]) -> None:
        for machine, key in zip(self.machines, states, strict=True):
            if machine.state == key:
                continue
            if key[0] != "producing":
                self.flush_batch(machine)
                machine.busy_since = None
            else:
                machine.busy_since = now
            machine.state = key
            state, reason, fault = key
            self.ctx.recorder.state(machine.code, now, state, reason, fault)
            self.ctx.emit(now, self.ctx.events.state(machine.code, now, state, reason, fault))

    def set_all(self, now: int, key: StateKey) -> None:
        self.set_states(now, [key] * len(self.machines))

    def count_unit(
        self, machine: MachineRuntime, op: OpState, truth: OperationTruth, now: int, outcome: int
    ) -> None:
        """``outcome``: 0 good, 1 reworked (good), 2 reject."""
        good, rework, reject = int(outcome < 2), int(outcome == 1), int(outcome == 2)
        self.ctx.recorder.unit(truth, machine.code, good, reject, rework)
        batch = machine.batch
        batch[0] += good
        batch[1] += reject
        batch[2] += rework
        batch[3] += 1
        batch[4] = now
        machine.batch_op = (op.order.number, op.step.seq, op.product.code)
        if batch[3] >= self.ctx.params.count_batch:
            self.flush_batch(machine)

    def flush_batch(self, machine: MachineRuntime) -> None:
        batch, op = machine.batch, machine.batch_op
        if batch[3] == 0 or op is None:
            return
        order, seq, product = op
        event = self.ctx.events.count(
            machine.code, batch[4], batch[0], batch[1], batch[2], order, seq, product
        )
        self.ctx.emit(batch[4], event)
        machine.batch = [0, 0, 0, 0, 0]

    def pending_count_ms(self) -> int | None:
        pending = [m.batch[4] for m in self.machines if m.batch[3]]
        return min(pending, default=None)

    def sample_until(self, upto: int) -> None:
        for machine in self.machines:
            if machine.cls.signals and machine.next_sample < upto:
                code, units = machine.code, machine.units

                def emit(
                    ms: int,
                    values: dict[str, float],
                    code: str = code,
                    units: dict[str, str] = units,
                ) -> None:
                    self.ctx.emit(ms, self.ctx.events.telemetry(code, ms, values, units))

                machine.sample_until(upto, emit)

    def flush_all(self) -> None:
        for machine in self.machines:
            self.flush_batch(machine)

    # -- the process ----------------------------------------------------------------------

    def _run(self) -> Generator[Wait, None, int]:
        ctx = self.ctx
        prefer_ms = int(ctx.params.family_preference_h * 3_600_000)
        while True:
            now = self.clock
            segment = ctx.timeline.at(now)
            if segment.kind != WORK:
                self.set_all(now, ("planned_stop", segment.kind, None))
                yield segment.end, False
                continue
            op = ctx.book.pick(self.code, self.family, now, prefer_ms)
            if op is None:
                self.set_all(now, ("idle", "no_order", None))
                upcoming = ctx.book.next_ready(self.code, now)
                yield min(segment.end, upcoming if upcoming is not None else segment.end), True
                continue
            staff = ctx.staff
            if staff is not None and staff.present(
                self.code, staff.skill[self.code], now
            ) < staff.need(self.code):
                self.current = op  # work is there; the people are not
                yield from self._await_staff(NO_CREW, staff.need(self.code))
                self.current = None
                continue
            self.current = op
            yield from self._operation(op)
            self.current = None

    def _await_staff(self, key: StateKey, need: int, skill: str | None = None) -> Process:
        """Wait in ``key`` until ``need`` operators with the skill are present (the line's
        skill unless given); breaks and shift ends are left to ``_work``."""
        staff = self.ctx.staff
        if staff is None:
            return 0
        recheck = int(self.ctx.params.staff_recheck_s * 1000)
        wanted = skill or staff.skill[self.code]
        while True:
            now = self.clock
            segment = self.ctx.timeline.at(now)
            if segment.kind != WORK or staff.present(self.code, wanted, now) >= need:
                return 0
            self.set_all(now, key)
            yield min(segment.end, now + recheck), True

    def _work(self, duration_ms: int, states: list[StateKey], truncate: bool = False) -> Process:
        """Spend ``duration_ms`` of working time in ``states``; returns the working ms spent."""
        remaining = duration_ms
        while remaining > 0:
            now = self.clock
            segment = self.ctx.timeline.at(now)
            if segment.kind != WORK:
                if truncate:
                    break
                self.set_all(now, ("planned_stop", segment.kind, None))
                yield segment.end, False
                continue
            step = min(remaining, segment.end - now)
            self.set_states(now, states)
            yield now + step, False
            remaining -= step
        return duration_ms - remaining

    def _operation(self, op: OpState) -> Process:
        ctx = self.ctx
        op.running = True
        step = op.step
        truth = OperationTruth(
            op.order.number,
            step.seq,
            op.product.code,
            step.setup_family,
            self.code,
            op.remaining,
            start=from_ms(self.clock),
        )
        ctx.recorder.operations.append(truth)
        if op.remaining > 0 and step.setup_family != self.family:
            yield from self._setup(op)
        yield from self._flow(op, truth)
        truth.end = from_ms(self.clock)
        ctx.book.finish(op, self.clock)
        ctx.work_appeared(self.clock)
        return 0

    def _setup(self, op: OpState) -> Process:
        recorder = self.ctx.recorder
        seconds = op.step.setup_time_s * math.exp(self.rng.gauss(0.0, self.ctx.params.setup_cv))
        record = Setup(
            self.code,
            from_ms(self.clock),
            None,
            self.family,
            op.step.setup_family,
            op.order.number,
            op.step.seq,
        )
        index = len(recorder.setups)
        recorder.setups.append(record)
        self.family = op.step.setup_family
        yield from self._await_staff(WAITING_FOR_SETUP, 1, op.step.skill)
        setup: StateKey = ("setup", "changeover", None)
        yield from self._work(max(1000, int(seconds * 1000)), [setup] * len(self.machines))
        recorder.setups[index] = replace(record, end=from_ms(self.clock))
        return 0

    def _flow(self, op: OpState, truth: OperationTruth) -> Process:
        """Push the lot through the stations, one paced cycle at a time, then drain."""
        machines = self.machines
        n = len(machines)
        base = op.step.cycle_time_s[self.code]
        ideal = [base * m.spec.speed_factor for m in machines]
        scrap_on = self.ctx.params.scrap
        quality = [
            (m.cls.scrap_rate if scrap_on else 0.0, m.cls.rework_rate if scrap_on else 0.0)
            for m in machines
        ]
        cvs = [m.cls.cycle_cv for m in machines]
        slots = [False] * n
        gauss, uniform = self.rng.gauss, self.rng.random
        while op.remaining > 0 or any(slots):
            if op.remaining > 0:
                slots[0] = True
                op.remaining -= 1
                truth.started += 1
            cycle_s = max(ideal[i] * math.exp(gauss(0.0, cvs[i])) for i in range(n) if slots[i])
            states = [PRODUCING if slots[i] else STARVED for i in range(n)]
            cycle_ms = max(1, int(cycle_s * 1000))
            if self.ctx.staff is not None:
                yield from self._await_staff(NO_CREW, self.ctx.staff.need(self.code))
            yield from self._work(cycle_ms, states)
            now = self.clock
            moved = [False] * n
            for i in range(n - 1, -1, -1):
                if not slots[i]:
                    continue
                machine = machines[i]
                machine.consume(cycle_ms / 1000.0)
                scrap, rework = quality[i]
                draw = uniform()
                outcome = 2 if draw < scrap else (1 if draw < scrap + rework else 0)
                self.count_unit(machine, op, truth, now, outcome)
                if outcome == 2:
                    truth.reject += 1
                    continue
                truth.rework += outcome
                if i == n - 1:
                    truth.good += 1
                    op.output_good += 1
                else:
                    moved[i + 1] = True
            slots = moved
            if op.remaining == 0:  # stations with nothing more to come report their batch
                for i in range(n):
                    if any(slots[: i + 1]):
                        break
                    self.flush_batch(machines[i])
            yield from self._stops(slots, op)
        return 0

    def _stops(self, slots: list[bool], op: OpState) -> Process:
        """At most one stop per cycle: a breakdown wins over a micro-stop."""
        for i, machine in enumerate(self.machines):
            if machine.to_breakdown_s <= 0 and machine.breakdown_mode is not None:
                yield from self._breakdown(i, slots, op)
                return 0
        for i, machine in enumerate(self.machines):
            if machine.to_micro_s <= 0:
                mode, duration = machine.micro_stop()
                machine.draw_micro_stop()
                state = machine.cls.micro_stop_state
                fault = mode.fault if state == "down" else None
                states = self._around(i, (state, mode.reason, fault), slots, op)
                yield from self._work(duration, states, truncate=True)
                return 0
        return 0

    def _breakdown(self, i: int, slots: list[bool], op: OpState) -> Process:
        machine = self.machines[i]
        mode = machine.breakdown_mode
        assert mode is not None
        recorder = self.ctx.recorder
        record = Breakdown(
            machine.code, from_ms(self.clock), None, mode.reason, mode.fault, mode.drifts
        )
        index = len(recorder.breakdowns)
        recorder.breakdowns.append(record)
        duration = machine.repair_ms()
        machine.draw_breakdown()
        states = self._around(i, ("down", mode.reason, mode.fault), slots, op)
        if self.ctx.staff is not None:  # the stop waits down until someone clears it
            self.set_states(self.clock, states)
            yield from self._await_down(states)
        yield from self._work(duration, states)
        recorder.breakdowns[index] = replace(record, end=from_ms(self.clock))
        return 0

    def _await_down(self, states: list[StateKey]) -> Process:
        staff = self.ctx.staff
        assert staff is not None
        recheck = int(self.ctx.params.staff_recheck_s * 1000)
        while True:
            now = self.clock
            segment = self.ctx.timeline.at(now)
            if segment.kind != WORK or staff.present(self.code, None, now) >= 1:
                return 0
            self.set_states(now, states)
            yield min(segment.end, now + recheck), True

    def _around(
        self, stopped: int, key: StateKey, slots: list[bool], op: OpState
    ) -> list[StateKey]:
        """The stopped station's state; the others wait for it (blocked before, starved after)."""
        feeding = op.remaining > 0
        states: list[StateKey] = []
        for j in range(len(self.machines)):
            if j == stopped:
                states.append(key)
            elif j < stopped and (feeding or any(slots[: j + 1])):
                states.append(BLOCKED)
            else:
                states.append(STARVED)
        return states
