"""The API explorer at /docs, served from the installed package instead of a CDN.

A factory network is often offline, and a page that loads its script from a third party
without integrity checking is a hole in the content security policy. The Swagger UI
files come from the ``fastapi-offline`` wheel (pinned in the lock file).
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.staticfiles import StaticFiles
from starlette.responses import HTMLResponse

from linewise.core.security import PUBLIC

ASSETS = Path(fastapi_offline.__file__).resolve().parent / "static"
ASSETS_URL = "/docs-assets"
DOCS_URL = "/docs"


def install(app: FastAPI, openapi_url: str) -> None:
    """Serve /docs and its assets; the app must be created with ``docs_url=None``."""
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS), name="docs-assets")

    @app.get(DOCS_URL, include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} API",
            swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_URL}/favicon.png",
        )

    docs.permission = PUBLIC  # type: ignore[attr-defined]
