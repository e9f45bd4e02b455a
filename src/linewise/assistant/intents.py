"""Intents: what a question asks, recognised by cue phrases and the kinds of things it
names, and how each is answered (which tool, which arguments, which sentence).

Each intent scores the question: the weights of its cue patterns that match, plus a
bonus when the question names what the intent needs. The best score above the bar wins;
below it the assistant abstains rather than guess."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from linewise.assistant.entities import Mentions
from linewise.assistant.repository import Named
from linewise.assistant.tools import ToolResult
from linewise.assistant.when import When

Plan = tuple[str, dict[str, Any]]  # tool name, arguments


class CannotAnswer(Exception):
    """The question is understood but cannot be answered from the data as asked."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Asked:
    """The question, understood: its text, what it names and its window."""

    text: str
    mentions: Mentions
    when: When | None
    default_site: Named | None
    now: datetime


@dataclass(frozen=True)
class Intent:
    name: str
    cues: tuple[tuple[str, float], ...]
    needs: tuple[str, ...]  # entity kinds that make the question answerable ("scope": any)
    plan: Callable[[Asked], Plan]
    word: Callable[[ToolResult, Asked], str]
    summary: str = ""
    compiled: list[tuple[re.Pattern[str], float]] = field(default_factory=list, compare=False)

    def cue_score(self, asked: Asked) -> float:
        """The weights of the cue phrases the question contains."""
        if not self.compiled:
            self.compiled.extend((re.compile(p), w) for p, w in self.cues)
        return sum(w for p, w in self.compiled if p.search(asked.text))

    def score(self, asked: Asked) -> float:
        total = self.cue_score(asked)
        if total <= 0:
            return 0.0
        if self.needs and any(_has(asked.mentions, kind) for kind in self.needs):
            total += 0.5
        return total


SCOPE_KINDS = ("machine", "line", "area", "site")


def _has(mentions: Mentions, kind: str) -> bool:
    if kind == "scope":
        return any(mentions.of(k) for k in SCOPE_KINDS)
    return bool(mentions.of(kind))


INTENTS: list[Intent] = []


def intent(i: Intent) -> Intent:
    INTENTS.append(i)
    return i


# An intent is chosen only on enough evidence of its own words (the bonus for naming what
# it needs does not count here): on a question worded unlike the cue phrases, a weak
# match answers a question nobody asked, with real numbers; abstaining is better. On 108
# held-out paraphrases this takes wrong answers from 40 to 31 and keeps the 23 right
# ones (docs/assistant.md).
MIN_CUES = 0.6


def best(asked: Asked, threshold: float = 1.0) -> tuple[Intent | None, float]:
    scored = sorted(
        ((i.score(asked), n, i) for n, i in enumerate(INTENTS)), key=lambda t: (-t[0], t[1])
    )
    if not scored or scored[0][0] < threshold:
        return None, scored[0][0] if scored else 0.0
    top = scored[0]
    if top[2].cue_score(asked) < MIN_CUES:
        return None, top[0]
    return top[2], top[0]
