"""Routes: ask a question; list and call the assistant's tools (as MCP clients do)."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Body, Depends
from sqlalchemy.orm import Session

from linewise.api.deps import Principal, get_db, require
from linewise.assistant.answer import ask
from linewise.assistant.schemas import AnswerOut, AskIn, ToolOut, ToolResultOut
from linewise.assistant.tools import REGISTRY, ToolContext, ToolRefused, load_all, tools_for
from linewise.core.errors import FieldError, Forbidden, NotFound, ValidationProblem
from linewise.core.time import utcnow

router = APIRouter(tags=["assistant"])
ASK = "assistant:ask"


@router.post("/assistant/ask", response_model=AnswerOut)
def ask_question(
    body: AskIn,
    principal: Principal = Depends(require(ASK)),
    db: Session = Depends(get_db),
) -> dict[str, Any]:
    """A question in words, answered from the data with the caller's permissions, or an
    abstention that says why. Numbers in ``text`` come only from ``facts``."""
    started = time.perf_counter()
    context = None if body.context is None else body.context.model_dump(mode="json")
    answer = ask(db, principal, body.question, context)
    return {**answer.__dict__, "elapsed_ms": round((time.perf_counter() - started) * 1000, 1)}


@router.get("/assistant/tools", response_model=list[ToolOut])
def list_tools(principal: Principal = Depends(require(ASK))) -> list[dict[str, Any]]:
    """The tools this caller may use, with their input schemas (JSON Schema)."""
    return [
        {
            "name": t.name,
            "description": t.description,
            "permission": t.permission,
            "input_schema": t.params.model_json_schema(),
        }
        for t in tools_for(principal)
    ]


@router.post("/assistant/tools/{name}", response_model=ToolResultOut)
def call_tool(
    name: str,
    arguments: dict[str, Any] = Body(default_factory=dict),
    principal: Principal = Depends(require(ASK)),
    db: Session = Depends(get_db),
) -> dict[str, Any]:
    """Call one tool with its arguments; refusals are 403 (permission), 404 (unknown tool
    or entity) or 422 (bad arguments, naming the field)."""
    load_all()
    tool = REGISTRY.get(name)
    if tool is None:
        raise NotFound(f"no assistant tool called '{name}'")
    if not tool.allowed(principal):
        raise Forbidden(f"your role may not use {name} ({tool.permission})")
    try:
        result = tool.call(ToolContext(db, principal, utcnow()), arguments)
    except ToolRefused as exc:
        if exc.status == 403:
            raise Forbidden(exc.reason) from exc
        if exc.status == 404:
            raise NotFound(exc.reason) from exc
        raise ValidationProblem(exc.reason, errors=[FieldError("arguments", exc.reason)]) from exc
    return {
        "facts": result.facts,
        "source": result.source,
        "link": result.link,
        "window": result.window,
    }
