"""The request id of the work in progress, for log lines and the jobs it enqueues.

Set by the HTTP middleware (``server/observability.py``) from the caller's
``X-Request-ID`` or a new one, and by a job worker from the id stored with the job, so
one id follows a piece of work from the request through its background jobs.
"""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar

# A caller's id is taken only if it is short and plain: it ends up in logs and headers.
_ACCEPTABLE = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")

request_id: ContextVar[str | None] = ContextVar("linewise_request_id", default=None)


def new_request_id() -> str:
    return uuid.uuid4().hex


def accept_request_id(value: str | None) -> str:
    """The caller's id if it is acceptable, otherwise a new one."""
    if value and _ACCEPTABLE.match(value):
        return value
    return new_request_id()


def current() -> str | None:
    return request_id.get()
