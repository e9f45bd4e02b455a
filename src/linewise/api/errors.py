"""Turn every error into RFC 9457 problem+json."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from linewise.core.errors import FieldError, Problem

log = logging.getLogger("linewise.api")
MEDIA = "application/problem+json"


def _field_name(loc: tuple[Any, ...]) -> str:
    # ("body", "steps", 0, "seq") -> "steps[0].seq"; ("query", "limit") -> "limit"
    parts = list(loc[1:]) if loc and loc[0] in ("body", "query", "path", "header") else list(loc)
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or str(loc[0] if loc else "body")


def problem_response(problem: Problem, request: Request) -> JSONResponse:
    return JSONResponse(
        problem.to_dict(instance=request.url.path),
        status_code=problem.status,
        media_type=MEDIA,
        headers=problem.headers,
    )


def install(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(exc, request)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            FieldError(_field_name(tuple(e.get("loc", ()))), str(e.get("msg", "invalid")))
            for e in exc.errors()
        ]
        names = ", ".join(dict.fromkeys(e["field"] for e in errors))
        problem = Problem(f"invalid input: {names}", errors=errors, status=422)
        problem.title = "Validation failed"
        problem.type_suffix = "validation"
        return problem_response(problem, request)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # Keep the exception's headers: a 405 must say which methods are Allowed.
        headers = dict(exc.headers) if exc.headers else None
        problem = Problem(str(exc.detail), status=exc.status_code, headers=headers)
        problem.title = {404: "Not found", 405: "Method not allowed"}.get(
            exc.status_code, "HTTP error"
        )
        return problem_response(problem, request)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        problem = Problem("internal error; it has been logged", status=500)
        problem.title = "Internal server error"
        return problem_response(problem, request)
