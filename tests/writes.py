"""Record the SQL statements that write, to check that reads never do."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event

WRITES = ("INSERT", "UPDATE", "DELETE", "MERGE", "UPSERT", "CREATE", "DROP", "ALTER")
# The job queue's worker threads (jobs/worker.py) write on their own schedule (periodic
# jobs at each minute, the KPI refresh): background work, not a read's doing.
JOB_THREADS = "linewise-jobs-"


@contextmanager
def recorded_writes(engine: Engine) -> Iterator[list[str]]:
    """Every writing statement sent through ``engine`` while the block runs."""
    seen: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if threading.current_thread().name.startswith(JOB_THREADS):
            return
        if statement.lstrip().upper().startswith(WRITES):
            seen.append(statement.strip().split("\n", 1)[0][:120])

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)
