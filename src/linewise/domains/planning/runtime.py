"""Wiring of the planning runtime into the app: created once, on first use or at startup.

Requests can arrive before (or without) the lifespan, e.g. from a test client used
without a context manager, so the runtime is created lazily; the router's lifespan also
creates it at startup, which is when interrupted runs are marked failed, and stops it.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI, Request

from linewise.domains.planning.disruption import DisruptionWatcher
from linewise.domains.planning.service import PlanningRuntime

_create_lock = threading.Lock()


def ensure_runtime(app: Any) -> PlanningRuntime:
    state = app.state
    with _create_lock:
        runtime: PlanningRuntime | None = getattr(state, "planning", None)
        if runtime is None:
            runtime = PlanningRuntime(state.session_factory)
            watcher = DisruptionWatcher(runtime)
            state.planning_watcher = watcher
            state.planning_unsubscribe = state.bus.subscribe(watcher)
            state.planning = runtime
        return runtime


def runtime_of(request: Request) -> PlanningRuntime:
    return ensure_runtime(request.app)


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    ensure_runtime(app)
    try:
        yield
    finally:
        runtime: PlanningRuntime | None = getattr(app.state, "planning", None)
        if runtime is not None:
            app.state.planning_unsubscribe()
            app.state.planning_watcher.close()
            runtime.shutdown()
            app.state.planning = None
