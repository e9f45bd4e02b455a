"""The FastAPI application: routers, errors, static UI."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine

import linewise
from linewise.api import audit as audit_api
from linewise.api import docs_ui, errors, openapi
from linewise.api.deps import Principal, require
from linewise.api.headers import SecurityHeaders
from linewise.api.live import LiveHub
from linewise.api.live import router as live_router
from linewise.api.schemas import HealthOut
from linewise.config import Settings, get_settings
from linewise.core import audit
from linewise.core.bus import Bus
from linewise.core.db import make_engine, make_session_factory
from linewise.core.security import PUBLIC
from linewise.domains.accounts import api as accounts_api
from linewise.domains.accounts.service import LoginLimiter
from linewise.domains.equipment import api as equipment_api
from linewise.domains.inventory import api as inventory_api
from linewise.domains.people import api as people_api
from linewise.domains.performance import api as performance_api
from linewise.domains.planning import api as planning_api
from linewise.domains.production import api as production_api
from linewise.domains.quality import api as quality_api
from linewise.exchange import api as exchange_api
from linewise.ingest import api as ingest_api
from linewise.ingest.recorder import Recorder

WEB_DIST = Path(__file__).resolve().parent.parent / "web" / "dist"
API_PREFIX = "/api/v1"


def api_router() -> APIRouter:
    router = APIRouter(prefix=API_PREFIX)

    @router.get("/health", tags=["meta"], response_model=HealthOut)
    def health(_p: Principal = Depends(require(PUBLIC))) -> dict[str, Any]:
        return {"status": "ok", "version": linewise.__version__}

    for sub in (
        accounts_api.router,
        equipment_api.router,
        inventory_api.router,
        quality_api.router,
        people_api.router,
        production_api.router,
        audit_api.router,
        exchange_api.router,
        ingest_api.router,
        planning_api.router,
        performance_api.router,
        live_router,
    ):
        router.include_router(sub)
    return router


def _mount_ui(app: FastAPI, dist: Path) -> None:
    index = dist / "index.html"
    if (dist / "assets").is_dir():
        app.mount("/assets", StaticFiles(directory=dist / "assets"), name="assets")

    @app.get("/{path:path}", include_in_schema=False)
    def spa(path: str) -> Any:
        # Unknown /api paths are real 404s; everything else is the single-page app.
        if path.startswith("api/"):
            return JSONResponse(
                {
                    "type": "about:blank",
                    "title": "Not found",
                    "status": 404,
                    "detail": f"no API route /{path}",
                },
                status_code=404,
                media_type="application/problem+json",
            )
        candidate = (dist / path).resolve()
        if path and candidate.is_file() and dist.resolve() in candidate.parents:
            return FileResponse(candidate)
        if index.is_file():
            return FileResponse(index)
        return JSONResponse(
            {"detail": "UI not built: run `make ui`; the API is at /docs"}, status_code=503
        )

    spa.permission = PUBLIC  # type: ignore[attr-defined]


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Start the recorder, the live hub, the NOTIFY bridge and MQTT ingest; stop in reverse."""
    settings: Settings = app.state.settings
    recorder: Recorder = app.state.recorder
    recorder.start()
    await app.state.live_hub.start()
    listener = None
    if app.state.engine.dialect.name == "postgresql":
        from linewise.ingest.notify import NotifyListener

        listener = NotifyListener(app.state.engine, app.state.bus, recorder.origin)
        listener.start()
        app.state.notify_listener = listener
    mqtt_task = None
    if settings.mqtt_url:
        from linewise.ingest.mqtt import MqttIngest, MqttSettings

        mqtt = MqttIngest(
            MqttSettings.from_url(
                settings.mqtt_url,
                client_id=settings.mqtt_client_id,
                share_group=settings.mqtt_share_group,
                ca_file=str(settings.mqtt_ca_file) if settings.mqtt_ca_file else None,
                default_port=settings.port,
            ),
            recorder,
            timedelta(seconds=settings.ingest_max_future_s),
            timedelta(seconds=settings.ingest_max_past_s),
        )
        app.state.mqtt = mqtt
        mqtt_task = asyncio.create_task(mqtt.run(), name="linewise-mqtt")
    background = [
        asyncio.create_task(factory(app), name=getattr(factory, "__name__", "background"))
        for factory in app.state.background
    ]
    if settings.kpi_refresh_s > 0:
        from linewise.domains.performance.refresher import run_refresher

        refresh = run_refresher(app.state.session_factory, settings.kpi_refresh_s)
        background.append(asyncio.create_task(refresh, name="linewise-kpi-refresh"))
    try:
        yield
    finally:
        for task in background:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if mqtt_task is not None:
            mqtt_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await mqtt_task
        await app.state.live_hub.stop()
        if listener is not None:
            listener.stop()
        recorder.stop()


def create_app(
    settings: Settings | None = None,
    engine: Engine | None = None,
    background: list[Callable[[FastAPI], Awaitable[None]]] | None = None,
) -> FastAPI:
    """The app; ``background`` coroutines run for the app's lifetime (e.g. the demo feed)."""
    settings = settings or get_settings()
    engine = engine or make_engine(settings.database_url)
    audit.install()
    app = FastAPI(
        title="Linewise",
        version=linewise.__version__,
        description="Manufacturing operations platform: plan, run, monitor, explain.",
        docs_url=None,  # served from the package by docs_ui, not from a CDN
        openapi_url=f"{API_PREFIX}/openapi.json",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = make_session_factory(engine)
    app.state.login_limiter = LoginLimiter(
        max_failures=settings.login_max_failures, window_s=settings.login_window_seconds
    )
    app.state.background = list(background or [])
    app.state.bus = Bus()
    app.state.recorder = Recorder(
        engine, app.state.bus, max_pending_events=settings.ingest_max_pending_events
    )
    app.state.live_hub = LiveHub(app.state.session_factory, app.state.bus)
    errors.install(app)
    docs_ui.install(app, f"{API_PREFIX}/openapi.json")
    app.add_middleware(SecurityHeaders, api_prefix=f"{API_PREFIX}/")
    app.include_router(api_router())
    openapi.install(app)
    _mount_ui(app, WEB_DIST)
    return app
