"""RFC 9457 problem+json errors with a human ``detail`` and per-field ``errors``."""

from __future__ import annotations

from typing import Any


class FieldError(dict[str, Any]):
    """One field's problem: ``{"field": "quantity", "message": "must be > 0"}``."""

    def __init__(self, field: str, message: str, **extra: Any) -> None:
        super().__init__(field=field, message=message, **extra)


class Problem(Exception):
    """An error the API turns into problem+json; raise it from services."""

    status = 400
    title = "Bad request"
    type_suffix = "bad-request"

    def __init__(
        self,
        detail: str,
        *,
        errors: list[FieldError] | None = None,
        status: int | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []
        if status is not None:
            self.status = status
        self.headers = headers or {}
        self.extra = extra

    def to_dict(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": f"https://linewise.dev/problems/{self.type_suffix}",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            body["instance"] = instance
        if self.errors:
            body["errors"] = list(self.errors)
        body.update(self.extra)
        return body


class ValidationProblem(Problem):
    status = 422
    title = "Validation failed"
    type_suffix = "validation"


class NotFound(Problem):
    status = 404
    title = "Not found"
    type_suffix = "not-found"


class Conflict(Problem):
    status = 409
    title = "Conflict"
    type_suffix = "conflict"


class PreconditionFailed(Problem):
    status = 412
    title = "Precondition failed"
    type_suffix = "precondition-failed"


class PreconditionRequired(Problem):
    status = 428
    title = "Precondition required"
    type_suffix = "precondition-required"


class Unauthorized(Problem):
    status = 401
    title = "Unauthorized"
    type_suffix = "unauthorized"


class Forbidden(Problem):
    status = 403
    title = "Forbidden"
    type_suffix = "forbidden"


class TooManyRequests(Problem):
    status = 429
    title = "Too many requests"
    type_suffix = "too-many-requests"


class PayloadTooLarge(Problem):
    status = 413
    title = "Payload too large"
    type_suffix = "payload-too-large"


class ServiceUnavailable(Problem):
    """Temporarily unable (e.g. ingest is behind); say when to retry with Retry-After."""

    status = 503
    title = "Service unavailable"
    type_suffix = "overloaded"


class InvalidTransition(Conflict):
    title = "Invalid status transition"
    type_suffix = "invalid-transition"
