"""The FastAPI application: routers, errors, static UI."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

import linewise
from linewise.api import audit as audit_api
from linewise.api import errors, openapi
from linewise.api.deps import Principal, require
from linewise.api.int_bounds import bound_integer_inputs
from linewise.api.rate_limit import RateLimits
from linewise.api.schemas import HealthOut, ReadyOut
from linewise.assistant import api as assistant_api
from linewise.config import Settings, get_settings
from linewise.core import audit, events, tracing
from linewise.core.bus import Bus
from linewise.core.db import make_engine, make_session_factory
from linewise.core.errors import ServiceUnavailable
from linewise.core.security import PUBLIC
from linewise.domains.accounts import api as accounts_api
from linewise.domains.accounts import oidc
from linewise.domains.accounts.service import LoginLimiter
from linewise.domains.alerts import api as alerts_api
from linewise.domains.delivery import api as delivery_api
from linewise.domains.delivery import cost_api as delivery_cost_api
from linewise.domains.delivery import prediction_api as delivery_prediction_api
from linewise.domains.documents import api as documents_api
from linewise.domains.equipment import api as equipment_api
from linewise.domains.idle import api as idle_api
from linewise.domains.inventory import api as inventory_api
from linewise.domains.labour import api as labour_api
from linewise.domains.maintenance import api as maintenance_api
from linewise.domains.maintenance.calendar import maintenance_windows
from linewise.domains.people import api as people_api
from linewise.domains.people import working_time
from linewise.domains.performance import api as performance_api
from linewise.domains.planning import api as planning_api
from linewise.domains.production import api as production_api
from linewise.domains.quality import api as quality_api
from linewise.domains.reports import api as reports_api
from linewise.domains.terminal import api as terminal_api
from linewise.exchange import api as exchange_api
from linewise.ingest import api as ingest_api
from linewise.ingest.recorder import Recorder
from linewise.jobs import api as jobs_api
from linewise.server import docs_ui, metrics, probes
from linewise.server.headers import SecurityHeaders
from linewise.server.live import LiveHub
from linewise.server.live import router as live_router
from linewise.server.observability import Observability
from linewise.server.projections import ingest_projections, order_references

WEB_DIST = Path(__file__).resolve().parent.parent / "web" / "dist"
API_PREFIX = "/api/v1"


def api_router() -> APIRouter:
    router = APIRouter(prefix=API_PREFIX)

    @router.get("/health", tags=["meta"], response_model=HealthOut)
    async def health(_p: Principal = Depends(require(PUBLIC))) -> dict[str, Any]:
        # On the event loop: a load balancer's probe is answered even when every worker
        # thread is busy with database work.
        return {"status": "ok", "version": linewise.__version__}

    @router.get("/health/live", tags=["meta"], response_model=HealthOut)
    async def live(_p: Principal = Depends(require(PUBLIC))) -> dict[str, Any]:
        """Liveness: the process answers on its event loop."""
        return {"status": "ok", "version": linewise.__version__}

    @router.get("/health/ready", tags=["meta"], response_model=ReadyOut)
    async def ready(request: Request, _p: Principal = Depends(require(PUBLIC))) -> dict[str, Any]:
        """Readiness: the database answers, the recorder keeps up, the broker (if any)
        is connected and every background service runs; 503 names what does not."""
        checks = await run_in_threadpool(probes.readiness, request.app)
        failing = [f"{name}: {c['detail']}" for name, c in checks.items() if not c["ok"]]
        if failing:
            raise ServiceUnavailable("not ready: " + "; ".join(failing), checks=checks)
        return {"status": "ready", "checks": checks}

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
        jobs_api.router,
        terminal_api.router,
        alerts_api.router,
        idle_api.router,
        live_router,
        labour_api.router,
        reports_api.router,
        documents_api.router,
        delivery_api.router,
        delivery_cost_api.router,
        delivery_prediction_api.router,
        maintenance_api.router,
        maintenance_api.files_router,
        assistant_api.router,
    ):
        router.include_router(sub)
    return router


@functools.cache
def _assembled_api() -> FastAPI:
    """Every API route, included and bounded once per process.

    FastAPI reads each route's signature and builds its validators when a router is
    included: about 300 routes took half a second per app. A process that makes many
    apps (the test suite makes one per test) now pays it once. The routes hold no state
    of an app (that lives in ``app.state``); what the including app lends them is its
    ``dependency_overrides``, which Linewise does not use.
    """
    assembled = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)  # nothing but the API
    assembled.include_router(api_router())
    bound_integer_inputs(assembled)
    return assembled


def _mount_metrics(app: FastAPI) -> None:
    @app.get("/metrics", include_in_schema=False)
    def prometheus(_p: Principal = Depends(require("metrics:read"))) -> Response:
        # Behind sign-in: an admin's integration key is Prometheus' bearer token.
        body, content_type = metrics.render(app)
        return Response(body, media_type=content_type)


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
    """Start every background service in order (server/services.py); stop in reverse."""
    from linewise.server.services import build_container

    container = build_container(app)
    app.state.container = container
    await container.start()
    try:
        yield
    finally:
        await container.stop()
        app.state.tracing.flush()  # the last spans leave before the process does


def create_app(
    settings: Settings | None = None,
    engine: Engine | None = None,
    background: list[Callable[[FastAPI], Awaitable[None]]] | None = None,
) -> FastAPI:
    """The app; ``background`` coroutines run for the app's lifetime (e.g. the demo feed)."""
    settings = settings or get_settings()
    if oidc.enabled(settings):
        oidc.Mapping.of(settings)  # a wrong group mapping stops the start, not a sign-on
    engine = engine or make_engine(settings.database_url)
    audit.install()
    events.install()
    audit.anchor(engine, settings.audit_checkpoint)
    working_time.register_source(maintenance_windows)  # scheduled maintenance: planned stops
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
    app.state.tracing = tracing.configure(settings.tracing_otlp_endpoint)
    app.state.bus = Bus()
    app.state.session_factory = make_session_factory(engine)
    # Events recorded on the app's sessions are published on its bus after commit.
    info: dict[str, Any] = {}
    events.bind_bus(info, app.state.bus)
    app.state.session_factory.configure(info=info)
    app.state.login_limiter = LoginLimiter(
        max_failures=settings.login_max_failures, window_s=settings.login_window_seconds
    )
    app.state.rate_limits = RateLimits.of(
        settings.rate_limit_per_minute, settings.rate_limit_device_per_minute
    )
    app.state.background = list(background or [])
    app.state.recorder = Recorder(
        engine,
        app.state.bus,
        projections=ingest_projections(settings),
        orders=order_references(),
        max_pending_events=settings.ingest_max_pending_events,
    )
    app.state.live_hub = LiveHub(app.state.session_factory, app.state.bus)
    errors.install(app)
    docs_ui.install(app, f"{API_PREFIX}/openapi.json")
    app.add_middleware(SecurityHeaders, api_prefix=f"{API_PREFIX}/")
    # Outermost: the request id is set before anything else runs or logs.
    metrics.install(app)
    app.add_middleware(Observability, metrics=app.state.http_metrics, tracing=app.state.tracing)
    # The routes, assembled once per process and shared (see _assembled_api).
    app.router.routes.extend(_assembled_api().router.routes)
    openapi.install(app)
    _mount_metrics(app)
    _mount_ui(app, WEB_DIST)
    return app
