"""Ask a question, get an answer from the data or an honest "I can't tell".

The flow: normalize the words, find the things and the window the question names,
pick the intent (or carry the previous one for a follow-up such as "and yesterday?"),
call its tool with the asker's permissions, word the result, and check that every
number in the words came from the tool result before it leaves."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from linewise.api.deps import Principal
from linewise.assistant import provenance, router
from linewise.assistant.entities import Found, Mentions, Resolver
from linewise.assistant.intents import INTENTS, Asked, CannotAnswer, Intent, best
from linewise.assistant.language import mend_typos, normalize
from linewise.assistant.repository import Named
from linewise.assistant.tools import REGISTRY, ToolContext, ToolRefused, ToolResult, load_all
from linewise.assistant.when import When, find_when
from linewise.core.time import utcnow

CANT = "I can't tell that from the data"
_FOLLOW_UP = re.compile(r"^(?:and|what about|how about|same for|and for|also|now)\b")


@dataclass
class Answer:
    text: str
    abstained: bool
    intent: str | None = None
    tool: str | None = None
    arguments: dict[str, Any] = field(default_factory=dict)
    facts: dict[str, Any] | None = None
    source: str | None = None
    link: str | None = None
    window: str | None = None
    context: dict[str, Any] = field(default_factory=dict)
    wording: dict[str, Any] | None = None  # who worded it, when a language model is set


def _site(resolver: Resolver) -> Named | None:
    return next((t for t in resolver.things if t.kind == "site"), None)


def _carried(context: dict[str, Any], resolver: Resolver) -> list[Named]:
    by_key = {(t.kind, t.id, t.code): t for t in resolver.things}
    out = []
    for m in context.get("mentions", []):
        key = (m.get("kind"), m.get("id"), m.get("code"))
        if key in by_key:
            out.append(by_key[key])
        elif m.get("kind") == "order":
            out.append(Named("order", int(m.get("id", 0)), str(m.get("code")), str(m.get("code"))))
    return out


def _merge(old: list[Named], new: Mentions) -> Mentions:
    """A follow-up keeps what it does not replace: a new scope replaces the old scope,
    a new order the old order."""
    families = {"order": "order"}
    new_families = {families.get(f.thing.kind, "scope") for f in new.found}
    kept = [Found(t, -1, -1) for t in old if families.get(t.kind, "scope") not in new_families]
    return Mentions(kept + new.found, new.unknown)


def _when_of(context: dict[str, Any]) -> When | None:
    data = context.get("when")
    if not isinstance(data, dict):
        return None
    try:
        on = data.get("on")
        fields = {k: v for k, v in data.items() if k != "on"}
        return When(**fields, on=date.fromisoformat(on) if on else None)
    except (TypeError, ValueError):
        return None


_PRONOUN = re.compile(r"\b(?:it|its|it's|that|this one|there|same|them|they)\b")


_QUESTION = re.compile(
    r"^(?:what|which|who|where|when|why|how|is|are|was|were|do|does|did|can|will|has|have"
    r"|show|list|give|tell)\b"
)


def _stands_alone(text: str) -> bool:
    """A question of its own: it opens like one and has some words, not "and SMT-2?"."""
    return (
        bool(_QUESTION.match(text))
        and len(text.split()) >= 4
        and not (_FOLLOW_UP.match(text) or _PRONOUN.search(text))
    )


def _continues(text: str, chosen: Intent | None, mentions: Mentions, when: When | None) -> bool:
    """Whether a question leans on the previous one."""
    if _FOLLOW_UP.match(text) or _PRONOUN.search(text):
        return True
    if chosen is None:
        return bool(mentions.found or when)
    # An order question that names no order can only mean the order asked about before.
    return "order" in chosen.needs and not mentions.of("order")


def _unknown(mentions: Mentions) -> str:
    names = ", ".join(mentions.unknown)
    return f"{CANT}: nothing in this factory is called {names}."


def _refuse(text: str, context: dict[str, Any]) -> Answer:
    return Answer(text, True, context=context)


def ask(
    db: Session,
    principal: Principal,
    question: str,
    context: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> Answer:
    """The offline answer, or the language model's when one is set and its words pass
    the same provenance check (llm.py)."""
    from linewise.assistant import llm  # it imports this module

    now = now or utcnow()
    offline = _offline(db, principal, question, context, now)
    model = llm.configured()
    return offline if model is None else llm.reword(model, db, principal, question, offline, now)


def _offline(
    db: Session,
    principal: Principal,
    question: str,
    context: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> Answer:
    load_all()
    now = now or utcnow()
    context = context or {}
    resolver = Resolver(db)
    text = mend_typos(normalize(question), resolver.vocabulary())
    mentions = resolver.find(text)
    when = find_when(text, now.date())
    site = _site(resolver)
    asked = Asked(text, mentions, when, site, now)
    chosen, _score = best(asked)
    previous = next((i for i in INTENTS if i.name == context.get("intent")), None)
    # A whole question the grammar does not place goes to the router before it can be
    # taken for a follow-up of the previous one ("what has to go out this week" after a
    # machine question); fragments ("for SMT-2 this week") stay follow-ups.
    whole = chosen is None and not mentions.unknown and _stands_alone(text)
    if whole:
        chosen = _second_opinion(asked, None)
    if previous is not None and _continues(text, chosen, mentions, when):
        # A follow-up ("and yesterday?", "and the scrap?", "is it late?"): its own intent
        # if it names one, else the previous; what it does not name, the previous names.
        if chosen is None or (_FOLLOW_UP.match(text) and chosen.cue_score(asked) < 1.0):
            # "what about SMT-1?" asks the previous question again, not "what is SMT-1".
            chosen = previous
        mentions = _merge(_carried(context, resolver), mentions)
        asked = Asked(text, mentions, when or _when_of(context), site, now)
    elif not mentions.unknown and not whole:
        chosen = _second_opinion(asked, chosen)
    if mentions.unknown:
        return _refuse(_unknown(mentions), context)
    if chosen is None:
        return _refuse(
            f"{CANT}: I answer questions about orders, KPIs, downtime, stock, quality, "
            "maintenance and alerts in this factory; ask about one of them.",
            context,
        )
    return _answer(db, principal, chosen, asked, question, now)


def _second_opinion(asked: Asked, chosen: Intent | None) -> Intent | None:
    """The paraphrase router's word on the grammar's choice (router.py): it answers
    where the grammar has no intent and takes over where it is clearly surer of another
    than the grammar, whose cue phrases are few."""
    model = router.get()
    if model is None:
        return chosen
    routed = model.route(router.masked(asked.text, asked.mentions))
    if routed is None:
        return chosen
    named = next((i for i in INTENTS if i.name == routed.intent), None)
    if chosen is None:
        return named if routed.answers else None
    overrides = routed.overrides(chosen.name, chosen.cue_score(asked))
    return named if named is not None and named is not chosen and overrides else chosen


def _answer(
    db: Session, principal: Principal, chosen: Intent, asked: Asked, question: str, now: datetime
) -> Answer:
    next_context = {
        "intent": chosen.name,
        "mentions": [
            {"kind": f.thing.kind, "id": f.thing.id, "code": f.thing.code}
            for f in asked.mentions.found
        ],
        "when": None if asked.when is None else _when_dict(asked.when),
    }
    try:
        tool_name, arguments = chosen.plan(asked)
    except CannotAnswer as exc:
        return _refuse(f"{CANT}: {exc.reason}.", next_context)
    tool = REGISTRY[tool_name]
    try:
        result: ToolResult = tool.call(ToolContext(db, principal, now), arguments)
    except ToolRefused as exc:
        return _refuse(f"{CANT}: {exc.reason}.", next_context)
    text = chosen.word(result, asked)
    checked = provenance.check(text, [result.facts], [result.window or ""], question)
    if not checked.ok:
        return _refuse(
            f"{CANT}: the answer would contain numbers no data backs "
            f"({', '.join(checked.unbacked)}).",
            next_context,
        )
    return Answer(
        text,
        False,
        chosen.name,
        tool_name,
        arguments,
        result.facts,
        result.source,
        result.link,
        result.window,
        next_context,
    )


def _when_dict(when: When) -> dict[str, Any]:
    return {
        "phrase": when.phrase,
        "days_ago": when.days_ago,
        "weekday": when.weekday,
        "weeks_ago": when.weeks_ago,
        "shift": when.shift,
        "days": when.days,
        "on": when.on.isoformat() if when.on else None,
    }
