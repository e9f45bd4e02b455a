"""Helpers the intents of every tool module share: the scope a question is about and
its window as tool arguments."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from linewise.assistant.intents import SCOPE_KINDS, Asked, CannotAnswer
from linewise.assistant.repository import Named
from linewise.assistant.when import TODAY, When


def scope_of(asked: Asked) -> Named:
    """The most specific scope named (machine, then line, area, site), else the site."""
    for kind in SCOPE_KINDS:
        found = asked.mentions.of(kind)
        if found:
            return found[0]
    if asked.default_site is None:
        raise CannotAnswer("this factory has no site yet")
    return asked.default_site


def window_args(
    when: When | None, scope: Named, now: datetime, default: When = TODAY
) -> dict[str, Any]:
    """Arguments for a tool's window (day, shift, week or start/end), in the scope's zone."""
    query = (when or default).query(scope.timezone, now)
    out: dict[str, Any] = {}
    for key, value in query.items():
        out[key] = value.isoformat() if hasattr(value, "isoformat") else value
    return out


def scoped_args(asked: Asked, default: When = TODAY) -> dict[str, Any]:
    scope = scope_of(asked)
    return {
        "scope": scope.kind,
        "id": scope.id,
        **window_args(asked.when, scope, asked.now, default),
    }
