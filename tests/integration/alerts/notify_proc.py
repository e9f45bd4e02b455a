"""A worker process that sends alert notifications (the server's own handler):
``python -m tests.integration.alerts.notify_proc URL SMTP_PORT STALE_AFTER_S``; runs until
killed. Used by the outbox kill -9 test."""

from __future__ import annotations

import signal
import sys
import threading

from linewise.config import Settings
from linewise.core.db import make_engine, make_session_factory
from linewise.domains.alerts import jobs as alert_jobs
from linewise.domains.alerts import routing
from linewise.jobs import Registry
from linewise.jobs.worker import Worker


def main() -> None:
    url, port, stale_after = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    settings = Settings(database_url=url, smtp_host="127.0.0.1", smtp_port=port)
    registry = Registry()
    registry.register(routing.NOTIFY_KIND, alert_jobs.notify_job(settings), own_transaction=True)
    worker = Worker(
        make_session_factory(make_engine(url)),
        registry,
        concurrency=1,
        batch=10,
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
