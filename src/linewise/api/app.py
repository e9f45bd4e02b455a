"""The FastAPI application: routers, errors, static UI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine

import linewise
from linewise.api import audit as audit_api
from linewise.api import errors
from linewise.api.deps import Principal, require
from linewise.config import Settings, get_settings
from linewise.core import audit
from linewise.core.db import make_engine, make_session_factory
from linewise.core.security import PUBLIC
from linewise.domains.accounts import api as accounts_api
from linewise.domains.accounts.service import LoginLimiter
from linewise.domains.equipment import api as equipment_api
from linewise.domains.inventory import api as inventory_api
from linewise.domains.people import api as people_api
from linewise.domains.production import api as production_api
from linewise.domains.quality import api as quality_api
from linewise.exchange import api as exchange_api

WEB_DIST = Path(__file__).resolve().parent.parent / "web" / "dist"
API_PREFIX = "/api/v1"


def api_router() -> APIRouter:
    router = APIRouter(prefix=API_PREFIX)

    @router.get("/health", tags=["meta"])
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


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    settings = settings or get_settings()
    engine = engine or make_engine(settings.database_url)
    audit.install()
    app = FastAPI(
        title="Linewise",
        version=linewise.__version__,
        description="Manufacturing operations platform: plan, run, monitor, explain.",
        docs_url="/docs",
        openapi_url=f"{API_PREFIX}/openapi.json",
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = make_session_factory(engine)
    app.state.login_limiter = LoginLimiter(
        max_failures=settings.login_max_failures, window_s=settings.login_window_seconds
    )
    errors.install(app)
    app.include_router(api_router())
    _mount_ui(app, WEB_DIST)
    return app
