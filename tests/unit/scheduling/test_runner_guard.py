"""The guard of a solve job's first phase: nothing else can interrupt building the
problem and the first dispatch, so it ends a job cancelled or overrunning there."""

from __future__ import annotations

import threading
import time

from linewise.scheduling.model import Instance, SolveResult
from linewise.scheduling.runner import JobSettings, JobState, SolveJob, Unplannable
from tests.unit.scheduling.test_properties import random_instance


def _stuck_job(
    release: threading.Event, time_limit: float = 60.0, grace: float = 60.0
) -> tuple[SolveJob, list[SolveResult], list[JobState]]:
    heuristics: list[SolveResult] = []
    done: list[JobState] = []

    def prepare() -> Instance:
        release.wait(30)  # a problem that takes "forever" to build
        return random_instance(1, jobs=4)

    job = SolveJob(
        prepare,
        JobSettings(time_limit=time_limit, num_workers=1, guard_grace=grace),
        on_heuristic=heuristics.append,
        on_done=lambda j: done.append(j.snapshot().state),
    )
    return job, heuristics, done


def test_a_cancel_before_the_heuristic_plan_ends_the_job_at_once() -> None:
    release = threading.Event()
    job, heuristics, done = _stuck_job(release)
    job.start()
    job.cancel()
    assert job.join(5.0)
    snap = job.snapshot()
    assert snap.state == JobState.CANCELLED and snap.result is None
    assert snap.error == "cancelled before a plan was made"
    assert done == [JobState.CANCELLED]
    # What the abandoned thread produces later is dropped, and on_done runs only once.
    release.set()
    job._thread.join(10.0)
    assert heuristics == [] and done == [JobState.CANCELLED]
    assert job.snapshot().state == JobState.CANCELLED


def test_a_job_with_no_plan_by_its_limit_ends_failed() -> None:
    release = threading.Event()
    job, _heuristics, done = _stuck_job(release, time_limit=0.2, grace=0.3)
    began = time.monotonic()
    job.start()
    assert job.join(5.0)
    assert time.monotonic() - began < 3.0
    snap = job.snapshot()
    assert snap.state == JobState.FAILED
    assert snap.error is not None and snap.error.startswith("no plan within the time limit")
    assert done == [JobState.FAILED]
    release.set()


def test_the_guard_stands_down_once_the_heuristic_plan_exists() -> None:
    # Saving the heuristic plan outlasts limit and grace: the optimiser's own limits
    # bound the job from there, and it ends with its plan.
    job = SolveJob(
        lambda: random_instance(2, jobs=4),
        JobSettings(time_limit=1.0, num_workers=1, guard_grace=0.0),
        on_heuristic=lambda _result: time.sleep(1.5),
    )
    job.start()
    assert job.join(60.0)
    snap = job.snapshot()
    assert snap.state == JobState.SUCCEEDED and snap.result is not None


def test_unplannable_data_fails_with_its_own_message() -> None:
    def prepare() -> Instance:
        raise Unplannable("line L1's calendar 'C1' has no working time")

    job = SolveJob(prepare, JobSettings(time_limit=1.0))
    job.start()
    assert job.join(5.0)
    snap = job.snapshot()
    assert snap.state == JobState.FAILED
    assert snap.error == "line L1's calendar 'C1' has no working time"
