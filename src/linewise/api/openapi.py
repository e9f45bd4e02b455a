"""The OpenAPI document, with every operation's problem+json error responses.

FastAPI documents only the success response and a 422 in its own error shape. Our errors
are RFC 9457 problem+json (see ``api/errors.py``), so the document is post-processed
once, in one place: each operation lists the statuses it can answer with, derived from
what the route declares (its permission, path parameters, method, If-Match header), all
pointing at one shared ``ProblemDetails`` schema.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel, ConfigDict

from linewise.core.security import PUBLIC

MEDIA = "application/problem+json"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# Statuses a route raises beyond what its declaration implies, and why.
EXTRA_STATUSES: dict[tuple[str, str], tuple[int, ...]] = {
    # Wrong credentials on a public route; too many failed sign-ins (LoginLimiter).
    ("POST", "/api/v1/auth/login"): (401, 429),
    ("POST", "/api/v1/auth/badge"): (401, 429),
    # Body over the size limit; recorder behind (Retry-After).
    ("POST", "/api/v1/ingest"): (413, 503),
    # Uploads (documents/service.py): over LINEWISE_DOCUMENTS_MAX_BYTES; not a PDF or an
    # image by its bytes.
    ("POST", "/api/v1/routing-steps/{step_id}/documents"): (413, 415),
    ("POST", "/api/v1/maintenance/orders/{order_id}/files"): (413, 415),
    # A failing readiness check (server/probes.py).
    ("GET", "/api/v1/health/ready"): (503,),
    # A read that needs state: no baseline, or not solved yet.
    ("GET", "/api/v1/scenarios/{scenario_id}/compare"): (409,),
    # An id in the query or body that names nothing: the machine, the baseline plan, the
    # scenario to solve.
    ("GET", "/api/v1/downtime/reasons"): (404,),
    ("POST", "/api/v1/downtime/assignments"): (404,),
    ("POST", "/api/v1/scenarios"): (404,),
    ("POST", "/api/v1/schedules"): (404,),
    ("PUT", "/api/v1/alert-escalations"): (404,),  # the rule named in the body
    # The signed-in account is no operator's (a supervisor asking for "my" station).
    ("GET", "/api/v1/labour/me"): (404,),
    ("POST", "/api/v1/labour/clock"): (404,),
    # Identity (issue 25): a sign-in's second step with an expired or used challenge, a
    # wrong code; single sign-on when it is not configured (404).
    ("POST", "/api/v1/auth/mfa/verify"): (401,),
    ("POST", "/api/v1/auth/mfa/enrol"): (401,),
    ("POST", "/api/v1/auth/mfa/enrol/confirm"): (401,),
    ("GET", "/api/v1/auth/oidc/login"): (404,),
    ("GET", "/api/v1/auth/oidc/callback"): (404,),
}
# Changes that conflict with nothing stored: signing in and out, appending machine events
# (a repeated event is answered as a duplicate, not a conflict).
NEVER_CONFLICT = frozenset(
    {
        ("POST", "/api/v1/auth/login"),
        ("POST", "/api/v1/auth/badge"),
        ("POST", "/api/v1/auth/logout"),
        ("POST", "/api/v1/ingest"),
    }
)

DESCRIPTIONS = {
    400: "The request body cannot be read (it is not valid UTF-8 or not the declared type).",
    401: "Not signed in, or the session or bearer token is invalid.",
    403: "The caller's role lacks the permission, or the CSRF header is missing.",
    404: "A resource named in the path (or an id in the query or body) does not exist.",
    409: "Conflict: stale version, duplicate key or a transition not allowed now.",
    412: "If-Match does not match the current version (reload and retry).",
    413: "The request body is too large.",
    415: "The uploaded file is not of an accepted type (judged by its bytes).",
    422: "Invalid input; `errors` names each field.",
    428: "An update needs If-Match or `version` in the body.",
    429: "Too many attempts or requests; retry after the time in Retry-After.",
    503: "Temporarily unable: overloaded, or the server is starting or stopping; retry.",
}


class FieldProblem(BaseModel):
    """One field's problem; ``field`` is a dotted path such as ``steps[0].seq``."""

    model_config = ConfigDict(extra="allow")

    field: str
    message: str


class ProblemDetails(BaseModel):
    """RFC 9457 problem details, the body of every error response."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[FieldProblem] = []


def route_permission(route: APIRoute) -> str | None:
    """The permission a route's ``require(...)`` dependency enforces, if any."""
    found: str | None = getattr(route.endpoint, "permission", None)
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        perm = getattr(dep.call, "permission", None)
        if perm is not None:
            found = perm
        stack.extend(dep.dependencies)
    return found


def route_needs_service(route: APIRoute) -> bool:
    """Whether a dependency of the route needs a background service (``.needs_service``):
    while the service container has not started it, the route answers 503."""
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        if getattr(dep.call, "needs_service", None):
            return True
        stack.extend(dep.dependencies)
    return False


def problem_statuses(
    method: str, path: str, permission: str | None, operation: dict[str, Any]
) -> list[int]:
    """The error statuses an operation can answer with."""
    statuses: set[int] = set(EXTRA_STATUSES.get((method, path), ()))
    if permission != PUBLIC:
        statuses |= {401, 403, 429}  # 429: the caller's rate limit (api/rate_limit.py)
    if "{" in path:
        statuses.add(404)
    if method in WRITE_METHODS and (method, path) not in NEVER_CONFLICT:
        statuses.add(409)
    params = operation.get("parameters", [])
    if params or "requestBody" in operation:
        statuses.add(422)
    if "requestBody" in operation:
        statuses.add(400)  # a body the framework cannot decode, before any validation
    if any(p.get("in") == "header" and p["name"].lower() == "if-match" for p in params):
        statuses |= {412, 428}
    return sorted(statuses)


def _problem_response(status: int) -> dict[str, Any]:
    return {
        "description": DESCRIPTIONS[status],
        "content": {MEDIA: {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}},
    }


def document_problems(doc: dict[str, Any], app: FastAPI) -> dict[str, Any]:
    """Add problem+json responses to every operation of ``doc`` (in place) and return it."""
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    for model in (FieldProblem, ProblemDetails):
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    for ctx in iter_route_contexts(app.routes):
        route = ctx.original_route
        if not isinstance(route, APIRoute) or not route.include_in_schema or ctx.path is None:
            continue
        for method in ctx.methods or ():
            operation = doc["paths"].get(ctx.path, {}).get(method.lower())
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)  # FastAPI's own shape; ours is problem+json
            statuses = problem_statuses(method, ctx.path, route_permission(route), operation)
            if route_needs_service(route):
                statuses = sorted({*statuses, 503})
            for status in statuses:
                responses[str(status)] = _problem_response(status)
            operation["responses"] = dict(sorted(responses.items()))
    # FastAPI's validation error schemas are no longer referenced by any operation.
    if "HTTPValidationError" not in json.dumps(doc["paths"]):
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
    doc["components"]["schemas"] = dict(sorted(schemas.items()))
    return doc


def install(app: FastAPI) -> None:
    """Serve the post-processed document at the app's ``openapi_url``."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if not getattr(app.state, "openapi_documented", False):
            app.openapi_schema = document_problems(build(), app)
            app.state.openapi_documented = True
        assert app.openapi_schema is not None
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def document_text(app: FastAPI) -> str:
    """The document as committed in ui/openapi.json: stable key order, trailing newline."""
    return json.dumps(app.openapi(), indent=2, ensure_ascii=False) + "\n"
