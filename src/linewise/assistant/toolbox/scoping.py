"""What the floor, stock, quality, maintenance and alert tools share: a scope checked
against the asker's areas as the KPI routes check it, the machines and lines in it, and
the phrases their intents share (now, a past window, "which ... are")."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import select

from linewise.assistant.intents import Asked
from linewise.assistant.toolbox.common import ScopedParams, ScopeKindName, areas_of
from linewise.assistant.toolbox.phrasing import scope_of
from linewise.assistant.tools import ToolContext
from linewise.domains.equipment.models import Area, Line
from linewise.domains.performance.service import Scope, resolve_scope


class ScopeParams(BaseModel):
    scope: ScopeKindName = Field(description="machine, line, area or site")
    id: int = Field(description="the scope's id", ge=1, le=2_147_483_647)


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


def scope_lines(ctx: ToolContext, sc: Scope) -> list[int] | None:
    """The lines a scope covers, as the line filters of the quality routes take them
    (None: every line, for a whole site seen by someone not bound to areas). From the
    lines themselves, not their machines: a line without machines still has results."""
    kind = sc.row.kind
    if kind == "site":
        if not ctx.principal.area_scoped:
            return None
        return list(
            ctx.db.scalars(
                select(Line.id)
                .join(Area, Area.id == Line.area_id)
                .where(Area.site_id == sc.row.id, Line.area_id.in_(ctx.principal.area_ids))
            )
        )
    if kind == "area":
        return list(ctx.db.scalars(select(Line.id).where(Line.area_id == sc.row.id)))
    if kind == "line":
        return [sc.row.id]
    return line_ids(sc)


def scope_args(asked: Asked) -> dict[str, Any]:
    """The scope a question names (the site if none), without a window."""
    scope = scope_of(asked)
    return {"scope": scope.kind, "id": scope.id}


def codes(items: list[str], limit: int = 8) -> str:
    """A list in words, cut after ``limit`` with how many more (a count the facts hold)."""
    shown = ", ".join(items[:limit])
    return shown if len(items) <= limit else f"{shown} and others"


# Phrasings several intents share.
NOW = r"\bnow\b|\bright now\b|\bcurrently\b|\bat the moment\b|\bat present\b|\batm\b"
PAST = r"\bwas\b|\bwere\b|\byesterday\b|\blast (?:week|shift|night)\b|\bwhy\b|\bhow long\b"
WHICH = r"\bwhich\b|\bwhat\b|\bany\b|\blist\b|\bshow\b|\bwho\b|\bare there\b"
