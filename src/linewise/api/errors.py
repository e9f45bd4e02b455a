"""Turn every error into RFC 9457 problem+json.

Database conflicts are mapped here and nowhere else, whether a handler's flush or the
request's commit (api/deps.py) raised them: a row changed by someone else since it was
read (SQLAlchemy's version counter, StaleDataError) is 412 when the request carried an
If-Match precondition and 409 otherwise; a unique or foreign-key violation is 409.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from linewise.core.errors import Conflict, FieldError, PreconditionFailed, Problem

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


# SQLSTATE classes (PostgreSQL) and message prefixes (SQLite) of integrity errors.
_UNIQUE = ("23505", "UNIQUE constraint failed")
_FOREIGN_KEY = ("23503", "FOREIGN KEY constraint failed")


def _integrity_kind(exc: IntegrityError) -> str:
    code = getattr(exc.orig, "sqlstate", None) or ""
    text = str(exc.orig)
    if code == _UNIQUE[0] or _UNIQUE[1] in text:
        return "unique"
    if code == _FOREIGN_KEY[0] or _FOREIGN_KEY[1] in text:
        return "foreign_key"
    return "other"


def conflict_problem(exc: IntegrityError | StaleDataError, request: Request) -> Problem:
    """The one mapping of database conflicts to problems (409 or 412)."""
    if isinstance(exc, StaleDataError):
        if request.headers.get("if-match") is not None:
            return PreconditionFailed("the resource changed since you read it; reload")
        return Conflict("the record changed at the same time; reload and try again")
    kind = _integrity_kind(exc)
    if kind == "unique":
        problem: Problem = Conflict("a record with the same unique value already exists")
    elif kind == "foreign_key":
        problem = Conflict("the record is still in use, or refers to one that does not exist")
    else:
        problem = Conflict(f"the change conflicts with existing data: {exc.orig}")
    return problem


def install(app: FastAPI) -> None:
    @app.exception_handler(StaleDataError)
    async def _stale(request: Request, exc: StaleDataError) -> JSONResponse:
        return problem_response(conflict_problem(exc, request), request)

    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, exc: IntegrityError) -> JSONResponse:
        log.info("integrity error on %s %s: %s", request.method, request.url.path, exc.orig)
        return problem_response(conflict_problem(exc, request), request)

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
