"""A solve as a tracked job in a background thread, with progress others can follow.

A request handler must answer at once, while CP-SAT may run for minutes; so the job runs
in its own thread and everything the outside world needs (state, progress points, the
heuristic plan, the final result) is published through one condition variable. Readers
(a status endpoint, a Server-Sent-Events stream) wait on ``wait_for_update`` with the last
version they saw, instead of polling.

The job first builds the heuristic plan, which is the fallback: it is handed to
``on_heuristic`` before CP-SAT starts, so a usable plan exists within a second even if
the solve is later cancelled or fails. The optimiser itself runs in a child process
(``isolation.py``): a crash in CP-SAT's native code ends that process, not the server,
and the job then keeps the heuristic plan and says why in ``error``. Cancelling sets
the engine's cancel event; the engine then stops and returns the best plan found so
far, which the job keeps.

Until the heuristic plan exists nothing else bounds the job: building the problem and
the first dispatch run in this process and cannot be interrupted. A guard therefore
watches that phase: a cancel then ends the job at once (there is no plan to keep), and
a job with no plan by its time limit plus ``JobSettings.guard_grace`` ends failed,
saying so. The abandoned thread may run on in the background; whatever it produces
afterwards is dropped. Once the heuristic plan exists the optimiser's own time limit,
cancel event and hang guard (``isolation.py``) bound the rest.

Plain threads and dataclasses only, like the rest of the engine: whoever persists plans
does so in the callbacks.
"""

from __future__ import annotations

import enum
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from linewise.scheduling.cpsat import SolverParams
from linewise.scheduling.decompose import HEURISTIC_SHARE
from linewise.scheduling.dispatch import Heuristic, best_dispatch
from linewise.scheduling.isolation import (
    OptimiserFailed,
    OptimiseTask,
    Target,
    optimise_isolated,
    run_engine,
)
from linewise.scheduling.model import Instance, ObjectiveConfig, SolveResult, SolveStatus
from linewise.scheduling.objective import evaluate

log = logging.getLogger("linewise.scheduling.runner")

# Above this many operations one CP-SAT model gets too big for a short time limit; the
# rolling-horizon decomposition takes over. Measured on the demo factory: 200 orders
# (714 operations, 25 lines) in 10 s, one model did not improve on the heuristic while
# batches of 100 orders cut the weighted tardiness by 42 %.
DECOMPOSE_ABOVE = 400
# Progress points kept per job: enough for a chart, bounded for a long solve.
MAX_POINTS = 400
# Solutions arriving closer together than this only replace the last point.
MIN_POINT_INTERVAL = 0.1


class JobState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    CANCELLED = "cancelled"
    FAILED = "failed"

    @property
    def finished(self) -> bool:
        return self in (JobState.SUCCEEDED, JobState.CANCELLED, JobState.FAILED)


@dataclass(frozen=True)
class ProgressPoint:
    """One improvement: seconds since the job started, objective, bound and gap."""

    elapsed: float
    objective: float
    bound: float
    gap: float


@dataclass(frozen=True)
class JobSnapshot:
    """A consistent view of a job; ``version`` grows with every change."""

    version: int
    state: JobState
    points: tuple[ProgressPoint, ...]
    heuristic: SolveResult | None
    result: SolveResult | None
    error: str | None


@dataclass(frozen=True)
class JobSettings:
    time_limit: float = 10.0
    num_workers: int = 2
    random_seed: int = 0
    config: ObjectiveConfig = field(default_factory=ObjectiveConfig)
    # What the child process runs (see ``isolation.py``); tests swap in a crashing one.
    target: Target = run_engine
    # Beyond the time limit, how long building the problem and the heuristic plan may
    # take before the guard ends the job: a large factory takes seconds to read, and its
    # plan is worth having even when that overruns a short limit.
    guard_grace: float = 30.0


class Unplannable(Exception):
    """Raised by ``prepare`` when the data cannot be planned; its message is the error."""


HeuristicHook = Callable[[SolveResult], None]
DoneHook = Callable[["SolveJob"], None]


class SolveJob:
    """Build an instance, plan it heuristically, then optimise it; in a daemon thread.

    ``prepare`` builds the instance inside the thread (reading a large factory from the
    database takes seconds, too long for a request). Hooks run in the job's thread; an
    exception in ``on_heuristic`` fails the job, one in ``on_done`` is only logged.
    """

    def __init__(
        self,
        prepare: Callable[[], Instance],
        settings: JobSettings,
        on_heuristic: HeuristicHook | None = None,
        on_done: DoneHook | None = None,
        name: str = "solve",
    ) -> None:
        self._prepare = prepare
        self.settings = settings
        self._on_heuristic = on_heuristic
        self._on_done = on_done
        self.cancel_event = threading.Event()
        self._cond = threading.Condition()
        self._version = 0
        self._state = JobState.QUEUED
        self._points: list[ProgressPoint] = []
        self._last_point_at = -1.0
        self._heuristic: SolveResult | None = None
        self._result: SolveResult | None = None
        self._error: str | None = None
        self._started = 0.0
        self._rule = Heuristic()  # the rule behind the heuristic plan
        self._done = threading.Event()  # set once ``on_done`` has run
        self._hooked = False  # whether ``on_done`` has been called (guarded by _cond)
        self._thread = threading.Thread(target=self._run, name=f"linewise-{name}", daemon=True)
        self._guard = threading.Thread(
            target=self._watch, name=f"linewise-{name}-guard", daemon=True
        )

    # --- control ---------------------------------------------------------------------

    def start(self) -> None:
        self._started = time.monotonic()
        self._thread.start()
        self._guard.start()

    def cancel(self) -> None:
        """Ask the solver to stop; the best plan found so far is kept."""
        self.cancel_event.set()
        with self._cond:
            self._cond.notify_all()

    def join(self, timeout: float | None = None) -> bool:
        """Wait until the job (including its ``on_done`` hook) has finished."""
        return self._done.wait(timeout)

    # --- observation -----------------------------------------------------------------

    def snapshot(self) -> JobSnapshot:
        with self._cond:
            return self._snapshot()

    def wait_for_update(self, after_version: int, timeout: float) -> JobSnapshot:
        """The next snapshot newer than ``after_version``, or the current one on timeout."""
        with self._cond:
            self._cond.wait_for(
                lambda: self._version > after_version or self._state.finished, timeout
            )
            return self._snapshot()

    def _snapshot(self) -> JobSnapshot:
        return JobSnapshot(
            self._version,
            self._state,
            tuple(self._points),
            self._heuristic,
            self._result,
            self._error,
        )

    def _change(self, **changes: object) -> None:
        with self._cond:
            for key, value in changes.items():
                setattr(self, f"_{key}", value)
            self._version += 1
            self._cond.notify_all()

    # --- the thread ------------------------------------------------------------------

    def _progress(self, elapsed: float, objective: float, bound: float, gap: float) -> None:
        point = ProgressPoint(time.monotonic() - self._started, objective, bound, gap)
        with self._cond:
            close = point.elapsed - self._last_point_at < MIN_POINT_INTERVAL
            if self._points and (close or len(self._points) >= MAX_POINTS):
                self._points[-1] = point
            else:
                self._points.append(point)
                self._last_point_at = point.elapsed
            self._version += 1
            self._cond.notify_all()

    def _conclude(self, **changes: object) -> bool:
        """Make the job's final change, once: False if it had already finished."""
        with self._cond:
            if self._state.finished:
                return False
            for key, value in changes.items():
                setattr(self, f"_{key}", value)
            self._version += 1
            self._cond.notify_all()
            return True

    def _call_done(self) -> None:
        with self._cond:
            if self._hooked:
                return
            self._hooked = True
        try:
            if self._on_done is not None:
                self._on_done(self)
        except Exception:
            log.exception("solve job: on_done hook failed")
        finally:
            self._done.set()

    def _watch(self) -> None:
        """End the job if it is cancelled, or overruns, before its heuristic plan exists."""
        deadline = self._started + self.settings.time_limit + self.settings.guard_grace
        with self._cond:
            while True:
                if self._state.finished or self._heuristic is not None:
                    return
                if self.cancel_event.is_set():
                    state, error = JobState.CANCELLED, "cancelled before a plan was made"
                    break
                left = deadline - time.monotonic()
                if left <= 0:
                    state, error = (
                        JobState.FAILED,
                        (
                            f"no plan within the time limit ({self.settings.time_limit:g} s, plus "
                            f"{self.settings.guard_grace:g} s to build the problem): the run "
                            "was stopped"
                        ),
                    )
                    break
                self._cond.wait(left)
        log.warning("solve job stopped before its heuristic plan: %s", error)
        if self._conclude(state=state, error=error):
            self._call_done()

    def _run(self) -> None:
        with self._cond:
            if self._state.finished:
                return  # cancelled before it began
            self._state = JobState.RUNNING
            self._version += 1
            self._cond.notify_all()
        try:
            instance = self._prepare()
            if self._state.finished:
                return  # the guard has ended the job meanwhile
            heuristic = self._plan_heuristically(instance)
            error = None
            try:
                result = self._optimise(instance, heuristic)
            except OptimiserFailed as exc:
                # The heuristic plan is a valid plan: keep it, and say why it is all
                # there is.
                log.error("solve job: %s; keeping the heuristic plan", exc)
                result, error = heuristic, f"{exc}; the heuristic plan is kept"
                # Better plans the optimiser reported died with it: the last progress
                # point is the plan the run ends with, not one that no longer exists.
                first = float(heuristic.objective.level(self.settings.config.levels[0]))
                self._progress(0.0, first, 0.0, 1.0 if first > 0 else 0.0)
            state = JobState.CANCELLED if self.cancel_event.is_set() else JobState.SUCCEEDED
            if not self._conclude(result=result, state=state, error=error):
                return
        except Exception as exc:
            log.exception("solve job failed")
            error = str(exc) if isinstance(exc, Unplannable) else f"{type(exc).__name__}: {exc}"
            if not self._conclude(error=error, state=JobState.FAILED):
                return
        self._call_done()

    def _plan_heuristically(self, instance: Instance) -> SolveResult:
        config = self.settings.config
        # On a large plan the portfolio takes seconds: leave most of the limit to optimising.
        budget = self.settings.time_limit * HEURISTIC_SHARE
        plan, self._rule = best_dispatch(instance, config, time_budget=budget)
        values = evaluate(instance, plan, config)
        elapsed = time.monotonic() - self._started
        result = SolveResult(SolveStatus.FALLBACK_HEURISTIC, plan, values, (), elapsed, elapsed)
        first = float(values.level(config.levels[0]))
        with self._cond:
            self._points.append(ProgressPoint(elapsed, first, 0.0, 1.0 if first > 0 else 0.0))
            self._last_point_at = elapsed
        self._change(heuristic=result)
        if self._on_heuristic is not None and not self._state.finished:
            self._on_heuristic(result)
        return result

    def _optimise(self, instance: Instance, heuristic: SolveResult) -> SolveResult:
        if not instance.jobs or self.cancel_event.is_set():
            return heuristic
        elapsed = time.monotonic() - self._started
        params = SolverParams(
            time_limit=max(0.1, self.settings.time_limit - elapsed),
            num_workers=self.settings.num_workers,
            random_seed=self.settings.random_seed,
        )
        task = OptimiseTask(
            instance,
            self.settings.config,
            params,
            decompose=instance.operation_count > DECOMPOSE_ABOVE,
            warm_plan=heuristic.plan,
            warm_rule=self._rule,
        )
        return optimise_isolated(task, self._progress, self.cancel_event, self.settings.target)
