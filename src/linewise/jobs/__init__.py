"""One durable background job queue for the whole product (docs/jobs.md).

A seam below the domains: a domain enqueues in its own transaction with ``enqueue`` and
registers its handlers on the assembly's ``Registry``; workers run in the server and in
``linewise worker`` processes.
"""

from linewise.jobs import queue
from linewise.jobs.queue import Backoff, enqueue
from linewise.jobs.registry import JobContext, Registry

__all__ = ["Backoff", "JobContext", "Registry", "enqueue", "queue"]
