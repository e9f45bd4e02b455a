"""kill -9 workers at random while 2,000 jobs run, restart them: 0 jobs lost, 0 run to
completion twice (the bench runs the same with 10,000)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from tests.integration.jobs.crash import run_crash


@pytest.mark.slow
def test_kill_9_workers_loses_no_job_and_completes_none_twice(engine: Engine) -> None:
    result = run_crash(engine, jobs=2000, workers=3, kills=6)
    assert result.kills == 6
    assert result.reaped >= 1  # a kill hit jobs in flight, and another worker ran them
    assert result.lost == 0
    assert result.twice == 0
    assert result.dead == 0
    assert result.succeeded == 2000
