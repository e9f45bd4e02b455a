"""The planning runtime of a running app, for request handlers.

The service container (server/services.py) creates it at start-up, which is when runs
left unfinished by a previous process are marked failed, and stops it; nothing creates
it lazily. A request that arrives while it is not running gets a 503.
"""

from __future__ import annotations

from fastapi import Request

from linewise.core.errors import ServiceUnavailable
from linewise.domains.planning.service import PlanningRuntime


def runtime_of(request: Request) -> PlanningRuntime:
    runtime: PlanningRuntime | None = getattr(request.app.state, "planning", None)
    if runtime is None:
        raise ServiceUnavailable("the planner is not running: the server is starting or stopping")
    return runtime


runtime_of.needs_service = "planning"  # type: ignore[attr-defined]  # documents the 503
