"""Run the optimiser in a child process, so that a crash in native code stays there.

CP-SAT is C++. Released OR-Tools versions up to the one this project pins have open,
nondeterministic memory-safety bugs in the parallel search (heap corruption and
segmentation faults on scheduling models with intervals, no-overlaps, circuits and
hints; upstream issues google/or-tools#5048, #5025, #5357). One such crash was seen
here too: a 10,000-order benchmark process died with SIGSEGV inside ``CpSolver.solve``
during window search, in two of three runs of all benchmark sizes, and could not be
reproduced on demand (not under a debugger, not by replaying the dumped models). In
the server that would take the API, ingest and every other job down with it.

So a solve job runs the optimiser (``solve`` or ``solve_decomposed``) in a child
process: the instance and settings go in pickled, progress points and the result come
back through a pipe, and cancelling sets a process-shared event the engine polls as
before. If the child dies without a result, ``OptimiserFailed`` says how (signal or exit
code) and the caller keeps the heuristic plan it already has.

The child is forked from a *fork server* that has already imported the engine
(0.3 s of imports, OR-Tools mostly), so only the first task pays for that: a trivial
task's round trip measured 0.49 s the first time, 0.14 s after. Forking the server
process itself would be unsafe, since it runs threads.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import resource
import signal
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, replace
from multiprocessing.context import BaseContext
from typing import Any

from linewise.scheduling.cpsat import CancelFlag, SolverParams, solve
from linewise.scheduling.decompose import solve_decomposed
from linewise.scheduling.dispatch import Heuristic
from linewise.scheduling.model import Instance, ObjectiveConfig, Plan, SolveResult

# After a cancel, how long the child may take to hand back its best plan before it is
# stopped the hard way (the engine checks the flag every 50 ms; building a model for a
# very large window can take a few seconds more).
CANCEL_GRACE_S = 15.0
# On top of the time limit: model building, pickling and process start are not all
# inside the engine's own clock. A child past this is considered hung and is killed.
OVERRUN_GRACE_S = 60.0
# Kept back from the child's time limit for sending its plan back.
RETURN_MARGIN_S = 0.3


class OptimiserFailed(RuntimeError):
    """The optimiser ended without a result: its process crashed, hung or raised."""


@dataclass(frozen=True)
class OptimiseTask:
    """Everything the child needs: plain, picklable data."""

    instance: Instance
    config: ObjectiveConfig
    params: SolverParams  # without callbacks or cancel flag: those are set in the child
    decompose: bool
    warm_plan: Plan | None
    warm_rule: Heuristic | None
    # time.monotonic() when the parent handed the task over (the clock is system-wide
    # on Linux): handing over a large instance takes a second or more, which the child
    # takes off its time limit so that the whole run keeps to it.
    sent_at: float | None = None


Target = Callable[[OptimiseTask, SolverParams], SolveResult]


def run_engine(task: OptimiseTask, params: SolverParams) -> SolveResult:
    """The default target: the engine entry point the task asks for."""
    if task.decompose:
        warm = None
        if task.warm_plan is not None and task.warm_rule is not None:
            warm = (task.warm_plan, task.warm_rule)
        return solve_decomposed(task.instance, task.config, params, warm_start=warm)
    return solve(task.instance, task.config, params, warm_start=task.warm_plan)


def _child(
    target: Target,
    task: OptimiseTask,
    conn: multiprocessing.connection.Connection,
    cancel: CancelFlag,
) -> None:
    def progress(elapsed: float, objective: float, bound: float, gap: float) -> None:
        conn.send(("progress", (elapsed, objective, bound, gap)))

    limit = task.params.time_limit
    if task.sent_at is not None:
        spent = time.monotonic() - task.sent_at
        if 0 <= spent < limit:  # otherwise the clocks do not compare: keep the limit
            limit = max(0.1, limit - spent - RETURN_MARGIN_S)
    params = replace(task.params, time_limit=limit, on_progress=progress, cancel=cancel)
    try:
        result = target(task, params)
    except BaseException as exc:  # reported to the parent, which raises it there
        conn.send(("error", f"{exc.__class__.__name__}: {exc}", traceback.format_exc()))
    else:
        peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
        conn.send(("result", result, peak_kib / 1024))
    finally:
        conn.close()


_context_lock = threading.Lock()
_context: BaseContext | None = None


def _mp_context() -> BaseContext:
    global _context
    with _context_lock:
        if _context is None:
            if "forkserver" in multiprocessing.get_all_start_methods():
                ctx = multiprocessing.get_context("forkserver")
                ctx.set_forkserver_preload([__name__])
                _context = ctx
            else:
                _context = multiprocessing.get_context("spawn")
        return _context


def _describe_exit(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with code {code} without a result"


def optimise_isolated(
    task: OptimiseTask,
    on_progress: Callable[[float, float, float, float], None] | None = None,
    cancel: CancelFlag | None = None,
    target: Target = run_engine,
    stats: dict[str, float] | None = None,
) -> SolveResult:
    """Run ``target`` (by default the engine) on ``task`` in a child process.

    ``on_progress`` is called in this thread for every progress point the child sends;
    setting ``cancel`` asks the child to stop and hand back its best plan. Raises
    ``OptimiserFailed`` if the child dies, hangs or fails; the message says which.
    ``target`` must be a module-level function (it is pickled by name). ``stats``, if
    given, receives the child's peak resident memory as ``peak_rss_mb`` (a benchmark
    cannot see it otherwise: the child belongs to the fork server).
    """
    ctx = _mp_context()
    receiver, sender = ctx.Pipe(duplex=False)
    shared_cancel = ctx.Event()
    sent_at = time.monotonic()
    task = replace(
        task, params=replace(task.params, on_progress=None, cancel=None), sent_at=sent_at
    )
    process = ctx.Process(  # type: ignore[attr-defined]
        target=_child,
        args=(target, task, sender, shared_cancel),
        name="linewise-optimiser",
        daemon=True,
    )
    try:
        # Writes the pickled task to the child: fails if the child dies meanwhile.
        process.start()
    except OSError as exc:
        receiver.close()
        sender.close()
        raise OptimiserFailed(f"The optimiser process could not be started ({exc})") from exc
    sender.close()  # the child holds its end; EOF here then means the child is gone
    deadline = sent_at + task.params.time_limit + OVERRUN_GRACE_S
    cancelled_at: float | None = None
    try:
        while True:
            if cancel is not None and cancel.is_set() and cancelled_at is None:
                shared_cancel.set()
                cancelled_at = time.monotonic()
                deadline = min(deadline, cancelled_at + CANCEL_GRACE_S)
            if time.monotonic() > deadline:
                raise OptimiserFailed(
                    "The optimiser did not finish in time and was stopped"
                    if cancelled_at is None
                    else "The optimiser did not stop after cancelling and was stopped"
                )
            if not receiver.poll(0.05):
                continue
            try:
                message: tuple[Any, ...] = receiver.recv()
            except (EOFError, OSError):
                process.join(5)
                exit_text = _describe_exit(process.exitcode)
                raise OptimiserFailed(f"The optimiser process {exit_text}") from None
            kind = message[0]
            if kind == "progress" and on_progress is not None:
                on_progress(*message[1])
            elif kind == "result":
                result: SolveResult = message[1]
                if stats is not None:
                    stats["peak_rss_mb"] = message[2]
                return result
            elif kind == "error":
                raise OptimiserFailed(f"The optimiser failed: {message[1]}")
    finally:
        receiver.close()
        process.join(1)
        if process.is_alive():
            process.kill()
            process.join(5)
