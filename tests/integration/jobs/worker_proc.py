"""A worker process of the test job kind: ``python -m tests.integration.jobs.worker_proc
URL STALE_AFTER_S [CONCURRENCY [BATCH]]``; runs until killed. Used by the kill -9 test and the
bench."""

from __future__ import annotations

import signal
import sys
import threading

from linewise.core.db import make_engine, make_session_factory
from linewise.jobs.worker import Worker
from tests.integration.jobs.effects import registry


def main() -> None:
    url, stale_after = sys.argv[1], float(sys.argv[2])
    concurrency = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    batch = int(sys.argv[4]) if len(sys.argv) > 4 else 20
    engine = make_engine(url)
    worker = Worker(
        make_session_factory(engine),
        registry(),
        concurrency=concurrency,
        batch=batch,
        poll_s=0.05,
        heartbeat_s=stale_after / 4,
        stale_after_s=stale_after,
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    worker.start()
    stop.wait()
    worker.stop()


if __name__ == "__main__":
    main()
