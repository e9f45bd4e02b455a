"""`linewise mcp` as an agent starts it: a real subprocess spoken to by the MCP SDK's
stdio client, on each backend, as API keys of different roles."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from sqlalchemy.orm import Session

from linewise.core.security import Role
from linewise.core.time import utcnow
from linewise.domains.accounts import service as accounts
from linewise.domains.accounts.models import ApiKeyScope
from linewise.domains.production import service as production
from linewise.domains.production.models import OrderStatus
from tests.conftest import World

ORDER = "PO-26101"


def _key(db: Session, role: Role, name: str) -> str:
    _key_row, token = accounts.create_api_key(
        db, name=name, scope=ApiKeyScope.INTEGRATION, role=role
    )
    db.commit()
    return token


def _order(db: Session, world: World) -> None:
    order = production.create_order(
        db,
        {
            "number": ORDER,
            "product_id": world.product_id,
            "quantity": 120,
            "due_date": utcnow() + timedelta(days=5),
        },
    )
    order.status = OrderStatus.RELEASED
    db.commit()


def _params(url: str, key: str | None, cwd: Path, *args: str) -> StdioServerParameters:
    env = {
        "LINEWISE_DATABASE_URL": url,
        "PYTHONPATH": os.environ.get("PYTHONPATH", ""),
    }
    if key is not None:
        env["LINEWISE_API_KEY"] = key
    # A working directory of its own: no .env file of the checkout is read.
    return StdioServerParameters(
        command=sys.executable, args=["-m", "linewise.cli.main", "mcp", *args], env=env, cwd=cwd
    )


def _session(
    params: StdioServerParameters, calls: list[tuple[str, dict[str, Any]]]
) -> dict[str, Any]:
    """List the tools, make ``calls``; what came back, as plain data."""

    async def scenario() -> dict[str, Any]:
        out: dict[str, Any] = {"calls": []}
        # The server's standard error (a line saying who it serves as) is pytest's.
        async with Client(params) as client:
            listed = await client.list_tools()
            out["tools"] = {t.name: t for t in listed.tools}
            for name, arguments in calls:
                out["calls"].append(await client.call_tool(name, arguments))
        return out

    return anyio.run(scenario)


def _url(db: Session) -> str:
    return db.get_bind().url.render_as_string(hide_password=False)


def test_a_planner_key_lists_and_calls_tools(db: Session, world: World, tmp_path: Path) -> None:
    _order(db, world)
    key = _key(db, Role.PLANNER, "agent")
    line = world.line_ids["SMT-1"]
    got = _session(
        _params(_url(db), key, tmp_path),
        [
            ("order_status", {"number": ORDER}),
            ("kpi_figures", {"scope": "line", "id": line}),
            ("order_status", {"number": "PO-NOPE"}),
            ("ask", {"question": f"what is the status of {ORDER}?"}),
        ],
    )
    tools = got["tools"]
    assert {"order_status", "kpi_figures", "downtime_pareto", "ask"} <= set(tools)
    schema = tools["kpi_figures"].input_schema
    assert schema["type"] == "object"
    assert {"scope", "id"} <= set(schema["required"])
    assert set(schema["properties"]["scope"]["enum"]) == {"machine", "line", "area", "site"}
    assert tools["order_status"].input_schema["properties"]["number"]["type"] == "string"

    status, kpi, unknown, asked = got["calls"]
    assert not status.is_error
    body = json.loads(status.content[0].text)
    assert body["facts"]["number"] == ORDER
    assert body["facts"]["quantity"] == 120
    assert body["facts"]["status"] == "released"
    assert body["source"] == f"GET /api/v1/orders/by-number/{ORDER}"
    assert body["link"] == f"/orders/{ORDER}"
    assert status.structured_content == body

    assert not kpi.is_error, kpi.content[0].text
    figures = json.loads(kpi.content[0].text)
    assert figures["facts"]["scope"] == "SMT-1"
    assert figures["source"] == f"GET /api/v1/kpi/line/{line}"
    assert "Europe/Berlin" in figures["window"]

    assert unknown.is_error
    assert "PO-NOPE" in unknown.content[0].text

    assert not asked.is_error
    answer = asked.structured_content
    assert answer["abstained"] is False, answer["text"]
    assert answer["tool"] == "order_status"
    assert ORDER in answer["text"] and "120" in answer["text"]
    assert asked.content[0].text.startswith(answer["text"])


def test_an_operator_key_sees_no_area(db: Session, world: World, tmp_path: Path) -> None:
    """An integration key has a role and no areas: an operator's key may use the KPI tool
    (its role may) but, as over HTTP, may see no area's figures."""
    key = _key(db, Role.OPERATOR, "floor-agent")
    got = _session(
        _params(_url(db), key, tmp_path),
        [("kpi_figures", {"scope": "line", "id": world.line_ids["SMT-1"]})],
    )
    assert "kpi_figures" in got["tools"]
    (refused,) = got["calls"]
    assert refused.is_error
    assert "area" in refused.content[0].text.lower()


def test_a_tool_the_role_may_not_use_is_not_listed_and_refused(
    db: Session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every tool so far is open to every role; a tool that needs more (the permission of
    the user list) is registered for this test, and the server's own listing and calling
    code runs in this process, with an operator's key."""
    from pydantic import BaseModel

    from linewise.assistant import mcp_server
    from linewise.assistant.tools import REGISTRY, Tool, ToolResult, load_all
    from linewise.core.db import make_session_factory

    class NoParams(BaseModel):
        pass

    load_all()
    ran: list[str] = []

    def who(ctx: object, params: BaseModel) -> ToolResult:
        ran.append("who")
        return ToolResult({"people": 6}, "GET /api/v1/users")

    monkeypatch.setitem(REGISTRY, "who", Tool("who", "Users", NoParams, "users:read", who))
    gate = mcp_server.Gate(make_session_factory(db.get_bind()), _key(db, Role.OPERATOR, "op"))
    with Session(db.get_bind()) as s:
        listed = {t.name for t in mcp_server.describe(gate.principal(s))}
    assert "order_status" in listed and "who" not in listed
    refused = mcp_server.call(gate, "who", {})
    assert refused.is_error
    assert "users:read" in refused.content[0].text
    assert ran == []

    manager = mcp_server.Gate(gate.sessions, _key(db, Role.MANAGER, "boss"))
    allowed = mcp_server.call(manager, "who", {})
    assert not allowed.is_error
    assert json.loads(allowed.content[0].text)["facts"] == {"people": 6}


def test_a_bad_key_is_refused_before_any_message(db: Session, world: World, tmp_path: Path) -> None:
    params = _params(_url(db), "lw_nosuch_secret", tmp_path)
    run = subprocess.run(
        [params.command, *params.args],
        env={**os.environ, **(params.env or {})},
        cwd=tmp_path,
        input=b"",
        capture_output=True,
        timeout=60,
    )
    assert run.returncode != 0
    assert "API key refused: invalid or revoked API key" in run.stderr.decode()
    assert run.stdout == b""  # nothing an MCP client could mistake for a message


def test_malformed_and_device_keys_are_refused(db: Session, world: World) -> None:
    """The same check as the subprocess's start, in this process (a process each is slow)."""
    from linewise.assistant import mcp_server
    from linewise.core.db import make_session_factory

    device = accounts.create_api_key(db, name="press", scope=ApiKeyScope.DEVICE, role=None)[1]
    db.commit()
    sessions = make_session_factory(db.get_bind())
    cases = {
        "not-a-key": "malformed bearer token",
        device: "device API keys may only ingest machine data",
    }
    for key, reason in cases.items():
        with pytest.raises(mcp_server.Refused, match=reason):
            mcp_server.Gate(sessions, key).check()


def test_a_key_revoked_while_connected_stops_working(
    db: Session, world: World, tmp_path: Path
) -> None:
    from linewise.domains.accounts.models import ApiKey

    key = _key(db, Role.MANAGER, "agent")
    prefix = key.split("_")[1]

    async def scenario() -> tuple[Any, Any]:
        async with Client(_params(_url(db), key, tmp_path)) as client:
            before = await client.call_tool("order_status", {"number": "PO-NOPE"})
            row = db.query(ApiKey).filter_by(prefix=prefix).one()
            row.revoked_at = utcnow()
            db.commit()
            after = await client.call_tool("order_status", {"number": "PO-NOPE"})
            return before, after

    before, after = anyio.run(scenario)
    assert "PO-NOPE" in before.content[0].text
    assert after.is_error
    assert "invalid or revoked API key" in after.content[0].text
