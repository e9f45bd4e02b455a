"""Solve runs as tracked jobs: one at a time per scenario, plans saved as they appear.

No database transaction stays open while a run computes: the problem is read in one
short transaction, the run marked running in another, and each plan written in its own
(on SQLite a writing transaction holds the one write lock, so one kept open across a
solve would stop every other writer, cancelling included; the read is marked
read-only). Master data the run cannot plan with (a line whose calendar gives no working
time, see ``builder.py``) is refused when the run is requested, before a job starts.

The runtime lives on ``app.state.planning``; the service container creates it at
start-up and, when created, it marks every run the
database still calls queued or running as failed: jobs are threads of this process and
do not survive a restart, so such a run can never finish.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from linewise.core import events
from linewise.core.db import session_scope
from linewise.core.errors import Conflict, FieldError, NotFound, ValidationProblem
from linewise.core.errors import Problem as ApiProblem
from linewise.core.time import utcnow
from linewise.domains.planning import plans
from linewise.domains.planning import repository as repo
from linewise.domains.planning.builder import build_problem, check_working_time
from linewise.domains.planning.changes import Changes, from_payloads
from linewise.domains.planning.events import ReplanProposed
from linewise.domains.planning.models import (
    PlanKind,
    PlanningScenario,
    RunState,
    ScheduleRun,
)
from linewise.domains.planning.problem import Problem
from linewise.scheduling import Instance, ObjectiveConfig, SolveResult, SolveStatus
from linewise.scheduling.runner import (
    JobSettings,
    JobSnapshot,
    JobState,
    SolveJob,
    Unplannable,
)

log = logging.getLogger("linewise.planning")

# The execution option of a transaction that only reads (core/db.py).
READ_ONLY = "linewise_read_only"

RESTART_MESSAGE = (
    "interrupted: the server restarted while this run was in progress; "
    "runs do not survive a restart, start it again"
)


@dataclass(frozen=True)
class RunRequest:
    horizon_days: int = 14
    time_limit_s: float = 10.0
    num_workers: int = 2
    random_seed: int = 0
    levels: tuple[str, ...] = ("weighted_tardiness", "makespan", "changeovers")
    scenario_id: int | None = None
    kind: str = "solve"  # solve | replan
    reason: str | None = None
    trigger: str | None = None
    extra: Changes = field(default_factory=Changes)

    def params(self) -> dict[str, Any]:
        return {
            "horizon_days": self.horizon_days,
            "time_limit_s": self.time_limit_s,
            "num_workers": self.num_workers,
            "random_seed": self.random_seed,
            "objective": {"levels": list(self.levels)},
        }

    @property
    def config(self) -> ObjectiveConfig:
        return ObjectiveConfig(levels=self.levels)  # type: ignore[arg-type]


ProposalListener = Callable[[int], None]


def _floor_minute(t: datetime) -> datetime:
    return t.astimezone(UTC).replace(second=0, microsecond=0)


class PlanningRuntime:
    # How long past its time limit a run may take to build its problem and heuristic
    # plan before it is stopped (``runner.py``); tests shorten it.
    guard_grace: float = 30.0

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self.session_factory = session_factory
        self._lock = threading.Lock()
        self._jobs: dict[int, SolveJob] = {}
        self._scopes: dict[int | None, int] = {}  # scenario id (None = factory) -> run id
        self._proposal_listeners: list[ProposalListener] = []
        # Building a problem only reads. Marked so, its transaction begins deferred on
        # SQLite where core/db.py honours the option, and does not hold the write lock
        # while a large factory is read.
        bind = session_factory.kw.get("bind")
        self._reading = (
            sessionmaker(
                **{**session_factory.kw, "bind": bind.execution_options(**{READ_ONLY: True})}
            )
            if bind is not None
            else session_factory
        )
        with session_scope(session_factory) as db:
            failed = repo.fail_unfinished_runs(db, RESTART_MESSAGE)
        if failed:
            log.warning("marked %d interrupted schedule run(s) as failed", failed)

    # --- listeners (the disruption re-planner announces proposals here) ---------------

    def on_proposal(self, listener: ProposalListener) -> Callable[[], None]:
        self._proposal_listeners.append(listener)
        return lambda: self._proposal_listeners.remove(listener)

    # --- runs ------------------------------------------------------------------------

    def job(self, run_id: int) -> SolveJob | None:
        with self._lock:
            return self._jobs.get(run_id)

    def wait(self, run_id: int, timeout: float) -> bool:
        """Block until the run has finished and been saved (for the CLI and tests)."""
        job = self.job(run_id)
        return True if job is None else job.join(timeout)

    def cancel(self, run_id: int) -> bool:
        job = self.job(run_id)
        if job is None:
            return False
        job.cancel()
        return True

    def shutdown(self) -> None:
        with self._lock:
            jobs = list(self._jobs.values())
        for job in jobs:
            job.cancel()
        for job in jobs:
            job.join(10.0)

    def start(self, request: RunRequest, actor: str, now: datetime | None = None) -> int:
        """Create the run and start its job.

        Conflict if the scope already has one; ``NoWorkingTime`` (422) if open work can
        run only on lines without working time, before anything is stored.
        """
        scope = request.scenario_id
        exclusive = request.kind == "solve"  # re-plan proposals never block a planner
        at = _floor_minute(now or utcnow())
        with self._lock:
            busy = self._scopes.get(scope) if exclusive else None
            with session_scope(self.session_factory) as db:
                if scope is not None and db.get(PlanningScenario, scope) is None:
                    raise NotFound(f"scenario {scope} does not exist")
                active = repo.active_run(db, scope) if exclusive else None
                if busy is not None or active is not None:
                    other = busy if busy is not None else active.id if active else None
                    where = "the factory plan" if scope is None else f"scenario {scope}"
                    raise Conflict(
                        f"run {other} is still solving {where}; wait for it or cancel it",
                        run_id=other,
                    )
                changes, _rows = _changes_of(db, request)
                check_working_time(db, at, timedelta(days=request.horizon_days), changes)
                _check_rush_numbers(db, changes)
            with session_scope(self.session_factory) as db:
                run = ScheduleRun(
                    scenario_id=scope,
                    kind=request.kind,
                    state=RunState.QUEUED,
                    params=request.params(),
                    progress=[],
                    reason=request.reason,
                    trigger=request.trigger,
                    requested_by=actor,
                )
                db.add(run)
                db.flush()
                run_id = run.id
            job = self._job(run_id, request, at)
            self._jobs[run_id] = job
            if exclusive:
                self._scopes[scope] = run_id
        job.start()
        return run_id

    def _job(self, run_id: int, request: RunRequest, now: datetime) -> SolveJob:
        built: list[Problem] = []
        saved: dict[str, int] = {}

        def prepare() -> Instance:
            # Read, then write, in two short transactions; the solve itself holds none.
            with session_scope(self._reading) as db:
                changes, rows = _changes_of(db, request)
                try:
                    horizon = timedelta(days=request.horizon_days)
                    problem = build_problem(db, now, horizon, changes)
                except ApiProblem as exc:  # the data changed since the run was requested
                    raise Unplannable(exc.detail) from exc
            with session_scope(self.session_factory) as db:
                # A guard may have ended the run while its problem was read (runner.py):
                # then it is finished and stays so. Adopting a scenario's plan later
                # checks it was solved with today's changes, hence their ids.
                ids = [r[0] for r in rows] if request.scenario_id is not None else None
                if self.job(run_id):
                    repo.mark_run_running(db, run_id, ids)
            built.append(problem)
            return problem.instance

        def on_heuristic(result: SolveResult) -> None:
            with session_scope(self.session_factory) as db:
                plan = plans.save_plan(
                    db,
                    built[0],
                    result,
                    kind=PlanKind.HEURISTIC,
                    config=request.config,
                    run_id=run_id,
                    scenario_id=request.scenario_id,
                )
                saved["heuristic"] = plan.id
                run = db.get(ScheduleRun, run_id)
                if run is not None:
                    run.heuristic_plan_id = plan.id

        def on_done(job: SolveJob) -> None:
            try:
                self._finish(run_id, request, job.snapshot(), built, saved)
            finally:
                with self._lock:
                    self._jobs.pop(run_id, None)
                    if self._scopes.get(request.scenario_id) == run_id:
                        del self._scopes[request.scenario_id]
            if request.kind == "replan" and "final" in saved:
                for listener in list(self._proposal_listeners):
                    listener(saved["final"])

        settings = JobSettings(
            time_limit=request.time_limit_s,
            num_workers=request.num_workers,
            random_seed=request.random_seed,
            config=request.config,
            guard_grace=self.guard_grace,
        )
        return SolveJob(prepare, settings, on_heuristic, on_done, name=f"run-{run_id}")

    def _finish(
        self,
        run_id: int,
        request: RunRequest,
        snap: JobSnapshot,
        built: list[Problem],
        saved: dict[str, int],
    ) -> None:
        with session_scope(self.session_factory) as db:
            run = db.get(ScheduleRun, run_id)
            if run is None:
                return
            run.progress = [p.__dict__ for p in snap.points]
            run.finished_at = utcnow()
            run.error = snap.error
            run.state = str(snap.state)
            result = snap.result
            proposal = request.kind == "replan"
            if result is not None and built:
                unchanged = result.status == SolveStatus.FALLBACK_HEURISTIC and "heuristic" in saved
                if unchanged and not proposal:
                    run.plan_id = saved["heuristic"]
                else:
                    plan = plans.save_plan(
                        db,
                        built[0],
                        result,
                        kind=PlanKind.PROPOSAL if proposal else PlanKind.OPTIMIZED,
                        config=request.config,
                        run_id=run_id,
                        scenario_id=request.scenario_id,
                        reason=request.reason,
                    )
                    run.plan_id = plan.id
                    if proposal:
                        db.flush()
                        proposed = ReplanProposed(plan.id, run_id, request.reason or "")
                        events.record(db, proposed)
                saved["final"] = run.plan_id
            elif snap.state == JobState.CANCELLED:
                run.error = run.error or "cancelled before a plan was made"
            elif snap.state != JobState.FAILED:
                run.state = RunState.FAILED
                run.error = run.error or "the run ended without a plan"


def _changes_of(db: Session, request: RunRequest) -> tuple[Changes, list[tuple[int, str, Any]]]:
    """The what-if changes a run plans with: its scenario's, then the request's own."""
    if request.scenario_id is None:
        return request.extra, []
    scenario = db.get(PlanningScenario, request.scenario_id)
    rows = [(c.id, c.kind, c.payload) for c in scenario.changes] if scenario else []
    return _combine(from_payloads(rows), request.extra), rows


def _combine(a: Changes, b: Changes) -> Changes:
    return Changes(
        a.downs + b.downs,
        a.rush_orders + b.rush_orders,
        a.absences + b.absences,
        a.extra_shifts + b.extra_shifts,
    )


# --- reading runs ----------------------------------------------------------------------


def run_view(runtime: PlanningRuntime, run: ScheduleRun) -> dict[str, Any]:
    """The stored run, overlaid with live state and progress while its job runs."""
    job = runtime.job(run.id)
    snap = job.snapshot() if job is not None else None
    state = run.state
    progress = run.progress or []
    if snap is not None and run.state in (RunState.QUEUED, RunState.RUNNING):
        state = str(snap.state) if not snap.state.finished else RunState.RUNNING
        progress = [p.__dict__ for p in snap.points]
    last = progress[-1] if progress else None
    return {
        "id": run.id,
        "kind": run.kind,
        "status": state,
        "scenario_id": run.scenario_id,
        "params": run.params,
        "reason": run.reason,
        "requested_by": run.requested_by,
        "created_at": run.created_at,
        "finished_at": run.finished_at,
        "progress": progress,
        "best_objective": None if last is None else last["objective"],
        "bound": None if last is None else last["bound"],
        "gap": None if last is None else last["gap"],
        "heuristic_plan_id": run.heuristic_plan_id,
        "plan_id": run.plan_id,
        "error": run.error,
        "version": 0 if snap is None else snap.version,
    }


def _check_rush_numbers(db: Session, changes: Changes) -> None:
    """Refuse a rush order whose number a real order has (say, the scenario was published).

    The solve would plan the same order twice; refused before the run is stored.
    """
    taken = repo.order_numbers_taken(db, [r.key for r in changes.rush_orders])
    if taken:
        shown = ", ".join(sorted(taken))
        raise ValidationProblem(
            f"order {shown} exists now, so the scenario's rush order {shown} would plan it"
            " twice (was the scenario published?): remove the change, then solve",
            errors=[FieldError("changes", f"rush order number {shown} is taken")],
        )
