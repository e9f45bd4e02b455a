"""The assistant's tools over the Model Context Protocol (stdio), for agents and IDEs.

One process serves one client, as one API key. The key is resolved to a principal on
every request, exactly as a bearer header is over HTTP: a key revoked while the client
is connected stops working at its next call, and the key's role decides which tools are
listed and which calls are refused, as on GET/POST /assistant/tools. Refusals are MCP
tool errors (``isError``) whose text is the reason, so an agent can read and relay it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import anyio
import mcp_types as types
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel import Server
from mcp.server.stdio import stdio_server
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session, sessionmaker

from linewise.api.deps import Principal, authorize, principal_from_bearer
from linewise.assistant.answer import ask
from linewise.assistant.schemas import ContextIn
from linewise.assistant.tools import REGISTRY, Tool, ToolContext, ToolRefused, load_all, tools_for
from linewise.core.db import read_only_factory, session_scope
from linewise.core.errors import Problem
from linewise.core.time import utcnow

ASK_PERMISSION = "assistant:ask"
ASK_TOOL = "ask"
# The route each tool result mirrors, and where the figures are explained.
_RESULT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "facts": {"type": "object", "description": "every figure the tool found"},
        "source": {"type": "string", "description": "the API route the figures come from"},
        "link": {"type": ["string", "null"], "description": "the page that explains them"},
        "window": {"type": ["string", "null"], "description": "the window, site's time zone"},
    },
    "required": ["facts", "source"],
}


class AskParams(BaseModel):
    question: str = Field(min_length=1, max_length=500, description="a question in words")
    context: ContextIn | None = Field(
        None, description="the previous answer's context, for follow-ups such as 'and yesterday?'"
    )


class Refused(Exception):
    """A request the key may not make: becomes an MCP tool error with this reason."""


@dataclass
class Gate:
    """Opens a unit of work as the key's principal, checked as an HTTP request is."""

    sessions: sessionmaker[Session]
    api_key: str

    def principal(self, db: Session) -> Principal:
        try:
            principal = principal_from_bearer(db, self.api_key)
            authorize(principal, ASK_PERMISSION)
        except Problem as exc:
            raise Refused(exc.detail) from exc
        db.info["actor"] = principal.actor
        return principal

    def check(self) -> Principal:
        """Fail fast at start: a wrong key is reported before any client talks to us."""
        with session_scope(read_only_factory(self.sessions)) as db:
            return self.principal(db)


def _description(tool: Tool) -> str:
    return f"{tool.description}. Needs permission {tool.permission}."


def describe(principal: Principal) -> list[types.Tool]:
    """The tools ``principal`` may call (the same list as GET /assistant/tools), plus ask."""
    readonly = types.ToolAnnotations(read_only_hint=True, open_world_hint=False)
    listed = [
        types.Tool(
            name=t.name,
            description=_description(t),
            input_schema=t.params.model_json_schema(),
            output_schema=_RESULT_SCHEMA,
            annotations=readonly,
        )
        for t in tools_for(principal)
    ]
    listed.append(
        types.Tool(
            name=ASK_TOOL,
            description=(
                "Ask a question about this factory in words (orders, KPIs, downtime ...); "
                "the answer comes from the tools above, with the facts its numbers come "
                "from, or says why the data cannot answer it."
            ),
            input_schema=AskParams.model_json_schema(),
            annotations=readonly,
        )
    )
    return listed


def _error(reason: str) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(text=reason)], is_error=True)


def _result(body: dict[str, Any], text: str | None = None) -> types.CallToolResult:
    content = [types.TextContent(text=text if text is not None else json.dumps(body, default=str))]
    structured = json.loads(json.dumps(body, default=str))
    return types.CallToolResult(content=content, structured_content=structured)


def call(
    gate: Gate, name: str, arguments: dict[str, Any], now: datetime | None = None
) -> types.CallToolResult:
    """Run one tool call in its own unit of work (blocking: called on a worker thread)."""
    load_all()
    try:
        with session_scope(read_only_factory(gate.sessions)) as db:
            principal = gate.principal(db)
            if name == ASK_TOOL:
                return _ask(db, principal, arguments, now)
            tool = REGISTRY.get(name)
            if tool is None:
                raise Refused(f"no assistant tool called '{name}'")
            if not tool.allowed(principal):
                raise Refused(f"your role may not use {name} ({tool.permission})")
            try:
                result = tool.call(ToolContext(db, principal, now or utcnow()), arguments)
            except ToolRefused as exc:
                raise Refused(exc.reason) from exc
            return _result(
                {
                    "facts": result.facts,
                    "source": result.source,
                    "link": result.link,
                    "window": result.window,
                }
            )
    except Refused as exc:
        return _error(str(exc))


def _ask(
    db: Session, principal: Principal, arguments: dict[str, Any], now: datetime | None
) -> types.CallToolResult:
    try:
        params = AskParams.model_validate(arguments)
    except ValueError as exc:
        raise Refused(f"arguments: {exc}") from exc
    context = None if params.context is None else params.context.model_dump(mode="json")
    answer = ask(db, principal, params.question, context, now)
    body = dict(answer.__dict__)
    # The words first, for a client that shows text only; the whole answer as structure.
    return _result(body, text=f"{answer.text}\n\n{json.dumps(body, default=str)}")


def build_server(gate: Gate) -> Server[Any]:
    async def list_tools(
        ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        def listing() -> list[types.Tool]:
            try:
                with session_scope(read_only_factory(gate.sessions)) as db:
                    return describe(gate.principal(db))
            except Refused:
                return []  # a revoked key sees nothing; its calls say why

        return types.ListToolsResult(tools=await anyio.to_thread.run_sync(listing))

    async def call_tool(
        ctx: ServerRequestContext[Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        arguments = dict(params.arguments or {})
        return await anyio.to_thread.run_sync(lambda: call(gate, params.name, arguments))

    return Server(
        "linewise",
        instructions=(
            "Linewise MES: production orders, KPIs and downtime of this factory, read with "
            "the permissions of the API key this server runs as."
        ),
        on_list_tools=list_tools,
        on_call_tool=call_tool,
    )


async def serve_stdio(gate: Gate) -> None:
    server = build_server(gate)
    async with stdio_server() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())
