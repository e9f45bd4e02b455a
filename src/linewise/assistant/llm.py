"""An optional language model in the answer flow: it picks a tool and words the answer.

Off unless LINEWISE_ASSISTANT_LLM_URL and LINEWISE_ASSISTANT_LLM_MODEL name an
OpenAI-compatible chat completions endpoint (Ollama, vLLM, llama.cpp server). The model
sees only the tools the asker's role may use, and calls them through the same permission
checks (``Tool.call``). Its final words go through ``provenance.check`` against the facts
of the tool result they come with, like the templates' words; when they fail, or the
model errs, is slow or calls no tool, the offline answer goes out and its ``wording``
says why. The offline answer is always computed first: it is the fallback, and its
context carries follow-ups.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy.orm import Session

from linewise.api.deps import Principal
from linewise.assistant import provenance
from linewise.assistant.answer import Answer
from linewise.assistant.repository import catalog
from linewise.assistant.tools import REGISTRY, ToolContext, ToolRefused, ToolResult, tools_for
from linewise.config import Settings, get_settings

log = logging.getLogger(__name__)

# A question takes one tool call, sometimes a second after a refusal; more is a loop.
MAX_ROUNDS = 3
# The places the model may name: a prompt of a few kilobytes even on a large site.
MAX_PLACES = 300
SYSTEM = """You answer questions about a factory from its manufacturing execution system.
Call exactly one of the tools to get the data, then answer in one or two sentences.
Use only numbers that appear in the tool result (you may round them or write a ratio
as a percentage); never compute, estimate or invent a number. Name the time window the
tool result gives. If the tool result has an "error", say briefly that you cannot tell.
Now: {now} (UTC). Places (kind, id, code, name):
{places}"""


@dataclass(frozen=True)
class Endpoint:
    url: str  # the chat completions URL
    model: str
    api_key: str
    timeout_s: float


class ModelFailed(Exception):
    """The model could not give a usable answer; the offline one goes out instead."""


def configured(settings: Settings | None = None) -> Endpoint | None:
    cfg = settings or get_settings()
    if not cfg.assistant_llm_url or not cfg.assistant_llm_model:
        return None
    url = cfg.assistant_llm_url.rstrip("/")
    if not url.endswith("/chat/completions"):
        url += "/chat/completions"
    return Endpoint(
        url, cfg.assistant_llm_model, cfg.assistant_llm_api_key, cfg.assistant_llm_timeout_s
    )


def function_tools(principal: Principal) -> list[dict[str, Any]]:
    """The OpenAI function-calling description of the tools ``principal`` may use."""
    return [
        {
            "type": "function",
            "function": {
                "name": t.name,
                "description": t.description,
                "parameters": t.params.model_json_schema(),
            },
        }
        for t in tools_for(principal)
    ]


def _places(db: Session) -> str:
    kinds = ("site", "area", "line", "machine")
    rows = [t for t in catalog(db) if t.kind in kinds][:MAX_PLACES]
    return "\n".join(f"{t.kind} {t.id} {t.code} {t.name}" for t in rows)


@dataclass
class _Called:
    name: str
    arguments: dict[str, Any]
    result: ToolResult


class _Conversation:
    def __init__(
        self, endpoint: Endpoint, db: Session, principal: Principal, now: datetime
    ) -> None:
        self.endpoint = endpoint
        self.ctx = ToolContext(db, principal, now)
        self.deadline = time.monotonic() + endpoint.timeout_s
        self.tools = function_tools(principal)
        self.called: _Called | None = None

    def complete(self, client: httpx.Client, messages: list[dict[str, Any]]) -> dict[str, Any]:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise ModelFailed(f"no answer within {self.endpoint.timeout_s:g} s")
        headers = (
            {"Authorization": f"Bearer {self.endpoint.api_key}"} if self.endpoint.api_key else {}
        )
        body = {
            "model": self.endpoint.model,
            "messages": messages,
            "tools": self.tools,
            "tool_choice": "auto",
            "temperature": 0,
        }
        try:
            response = client.post(self.endpoint.url, json=body, headers=headers, timeout=left)
            response.raise_for_status()
            message = response.json()["choices"][0]["message"]
        except httpx.TimeoutException as exc:
            raise ModelFailed(f"no answer within {self.endpoint.timeout_s:g} s") from exc
        except httpx.HTTPError as exc:
            raise ModelFailed(f"the model's endpoint failed: {exc}") from exc
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise ModelFailed("the model's endpoint sent no chat completion") from exc
        if not isinstance(message, dict):
            raise ModelFailed("the model's endpoint sent no chat completion")
        return message

    def run_tool(self, call: dict[str, Any]) -> dict[str, Any]:
        """One tool call of the model, permission-checked; what to tell the model."""
        try:
            name = str(call["function"]["name"])
            raw = call["function"].get("arguments") or "{}"
            arguments = json.loads(raw) if isinstance(raw, str) else dict(raw)
        except (KeyError, TypeError, ValueError):
            return {"error": "malformed tool call"}
        tool = REGISTRY.get(name)
        if tool is None:
            return {"error": f"no tool called {name}"}
        try:
            result = tool.call(self.ctx, arguments if isinstance(arguments, dict) else {})
        except ToolRefused as exc:
            return {"error": exc.reason}
        self.called = _Called(name, arguments, result)
        return {"facts": result.facts, "window": result.window}

    def words(self, question: str) -> str:
        messages: list[dict[str, Any]] = [
            {
                "role": "system",
                "content": SYSTEM.format(
                    now=self.ctx.now.isoformat(timespec="minutes"), places=_places(self.ctx.db)
                ),
            },
            {"role": "user", "content": question},
        ]
        with httpx.Client() as client:
            for _ in range(MAX_ROUNDS):
                message = self.complete(client, messages)
                calls = message.get("tool_calls") or []
                if not calls:
                    return str(message.get("content") or "").strip()
                messages.append(
                    {"role": "assistant", "content": message.get("content"), "tool_calls": calls}
                )
                for call in calls:
                    told = self.run_tool(call)
                    messages.append(
                        {
                            "role": "tool",
                            "tool_call_id": call.get("id", ""),
                            "content": json.dumps(told, default=str),
                        }
                    )
        raise ModelFailed(f"no answer after {MAX_ROUNDS} rounds of tool calls")


def reword(
    endpoint: Endpoint,
    db: Session,
    principal: Principal,
    question: str,
    offline: Answer,
    now: datetime,
) -> Answer:
    """The model's answer when its words pass the provenance check; else ``offline``,
    with the reason in its ``wording``."""
    conversation = _Conversation(endpoint, db, principal, now)

    def fallback(reason: str) -> Answer:
        log.info("assistant: offline answer (%s)", reason)
        wording = {"by": "template", "model": endpoint.model, "fallback": reason}
        return replace(offline, wording=wording)

    try:
        text = conversation.words(question)
    except ModelFailed as exc:
        return fallback(str(exc))
    called = conversation.called
    if called is None:
        return fallback("the model called no tool")
    if not text:
        return fallback("the model gave no answer")
    result = called.result
    checked = provenance.check(text, [result.facts], [result.window or ""], question)
    if not checked.ok:
        return fallback(f"the model wrote numbers no fact backs ({', '.join(checked.unbacked)})")
    return Answer(
        text,
        False,
        offline.intent if offline.tool == called.name else None,
        called.name,
        called.arguments,
        result.facts,
        result.source,
        result.link,
        result.window,
        offline.context,
        wording={"by": "model", "model": endpoint.model, "fallback": None},
    )
