"""Typed, permission-checked tools: what the assistant, its optional language model and
MCP clients may call. Each tool calls the same services as the API route it mirrors and
answers only what the asking principal may see there."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from linewise.api.deps import Principal
from linewise.core.errors import Forbidden, NotFound, Problem
from linewise.core.security import roles_for


@dataclass
class ToolContext:
    db: Session
    principal: Principal
    now: datetime


@dataclass
class ToolResult:
    """What a tool found: ``facts`` (JSON-able, every number the answer may use), where
    it came from (the API route) and the page that explains it (a UI path)."""

    facts: dict[str, Any]
    source: str
    link: str | None = None
    window: str | None = None  # the window in words, in the site's time zone


class ToolRefused(Exception):
    """The tool cannot answer: unknown entity, outside the caller's areas, no data."""

    def __init__(self, reason: str, status: int = 422) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status  # as the API would answer: 403 outside your areas, 404 unknown


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    params: type[BaseModel]
    permission: str
    run: Callable[[ToolContext, Any], ToolResult]
    examples: tuple[str, ...] = field(default=())

    def allowed(self, principal: Principal) -> bool:
        return principal.role is not None and principal.role in roles_for(self.permission)

    def call(self, ctx: ToolContext, arguments: dict[str, Any]) -> ToolResult:
        """Validate ``arguments``, check the permission, run. Refusals of the services
        underneath (not found, outside your areas) become ``ToolRefused``."""
        if not self.allowed(ctx.principal):
            raise ToolRefused(f"your role may not use {self.name} ({self.permission})", 403)
        try:
            params = self.params.model_validate(arguments)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "arguments"
            raise ToolRefused(f"{where}: {first['msg']}") from exc
        try:
            return self.run(ctx, params)
        except NotFound as exc:
            raise ToolRefused(exc.detail, 404) from exc
        except Forbidden as exc:
            raise ToolRefused(exc.detail, 403) from exc
        except Problem as exc:
            raise ToolRefused(exc.detail) from exc
        except OverflowError as exc:  # a date or number the calendar cannot place
            raise ToolRefused(f"a value is out of range: {exc}") from exc


REGISTRY: dict[str, Tool] = {}


def tool(
    name: str, description: str, params: type[BaseModel], permission: str
) -> Callable[[Callable[[ToolContext, Any], ToolResult]], Callable[[ToolContext, Any], ToolResult]]:
    """Register a tool function under ``name``."""

    def register(
        fn: Callable[[ToolContext, Any], ToolResult],
    ) -> Callable[[ToolContext, Any], ToolResult]:
        if name in REGISTRY:
            raise ValueError(f"tool {name} registered twice")
        REGISTRY[name] = Tool(name, description, params, permission, fn)
        return fn

    return register


def tools_for(principal: Principal) -> list[Tool]:
    load_all()
    return [t for t in REGISTRY.values() if t.allowed(principal)]


def load_all() -> None:
    """Import every tool module (each registers its tools on import)."""
    from linewise.assistant import toolbox  # noqa: F401
