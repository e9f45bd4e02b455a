"""What the floor, stock, quality, maintenance and alert tools share: a scope checked
against the asker's areas as the KPI routes check it, the machines and lines in it, and
the phrases their intents share (now, a past window, "which ... are")."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from linewise.assistant.intents import Asked
from linewise.assistant.toolbox.common import ScopedParams, ScopeKindName, areas_of
from linewise.assistant.toolbox.phrasing import scope_of
from linewise.assistant.tools import ToolContext
from linewise.domains.performance.service import Scope, resolve_scope


class ScopeParams(BaseModel):
    scope: ScopeKindName = Field(description="machine, line, area or site")
    id: int = Field(description="the scope's id")


def checked_scope(ctx: ToolContext, p: ScopeParams | ScopedParams) -> Scope:
    """The scope with its machines; a machine, line or area outside the asker's areas is
    refused, a site is narrowed to them (as ``resolve_scope`` does for the KPI routes)."""
    return resolve_scope(ctx.db, p.scope, p.id, areas_of(ctx))


def zone_of(sc: Scope) -> str:
    return sc.calendars.site.timezone


def machine_ids(sc: Scope) -> list[int]:
    return [m.id for m in sc.machines]


def line_ids(sc: Scope) -> list[int]:
    return sorted({m.line_id for m in sc.machines})


def whole_site(sc: Scope, ctx: ToolContext) -> bool:
    """A site asked for by someone who sees all of it: the route's unfiltered answer."""
    return sc.row.kind == "site" and not ctx.principal.area_scoped


def scope_args(asked: Asked) -> dict[str, Any]:
    """The scope a question names (the site if none), without a window."""
    scope = scope_of(asked)
    return {"scope": scope.kind, "id": scope.id}


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def codes(items: list[str], limit: int = 8) -> str:
    """A list in words, cut after ``limit`` with how many more (a count the facts hold)."""
    shown = ", ".join(items[:limit])
    return shown if len(items) <= limit else f"{shown} and others"


# Phrasings several intents share.
NOW = r"\bnow\b|\bright now\b|\bcurrently\b|\bat the moment\b|\bat present\b|\batm\b"
PAST = r"\bwas\b|\bwere\b|\byesterday\b|\blast (?:week|shift|night)\b|\bwhy\b|\bhow long\b"
WHICH = r"\bwhich\b|\bwhat\b|\bany\b|\blist\b|\bshow\b|\bwho\b|\bare there\b"
