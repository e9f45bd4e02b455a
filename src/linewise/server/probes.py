"""Liveness and readiness, for a load balancer or an orchestrator.

- live: the process answers on its event loop (nothing else is checked: restarting a
  process because its database is away would not bring the database back).
- ready: it can do its work now: the database answers, the recorder runs and keeps up,
  the MQTT broker is connected when one is configured, every background service runs.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import text

# Above this share of the recorder's queue, new ingest would be refused (503): not ready.
LAG_SHARE = 0.8


def readiness(app: Any) -> dict[str, dict[str, Any]]:
    state = app.state
    checks: dict[str, dict[str, Any]] = {}
    started = time.perf_counter()
    try:
        with state.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        checks["database"] = {
            "ok": True,
            "detail": f"answered in {(time.perf_counter() - started) * 1000:.0f} ms",
        }
    except Exception as exc:  # any failure means not ready; the reason is reported
        checks["database"] = {"ok": False, "detail": f"{type(exc).__name__}: {exc}"[:300]}
    recorder = state.recorder
    limit = recorder.max_pending
    lagging = recorder.pending > limit * LAG_SHARE
    checks["recorder"] = {
        "ok": recorder.running and not lagging,
        "detail": (
            f"{recorder.pending} events waiting (limit {limit})"
            if recorder.running
            else "the recorder is not running"
        ),
    }
    mqtt = getattr(state, "mqtt", None)
    if mqtt is not None:
        connected = mqtt.connected.is_set()
        checks["mqtt"] = {
            "ok": connected,
            "detail": "connected" if connected else "not connected to the broker",
        }
    container = getattr(state, "container", None)
    if container is not None:
        missing = [n for n in container.names if n not in container.running]
        checks["services"] = {
            "ok": not missing,
            "detail": "all running" if not missing else "not running: " + ", ".join(missing),
        }
    return checks
