"""The optional language model in the answer flow, against an OpenAI-compatible server.

No model can run here (offline, no weights): the server below is a real HTTP server on a
free port that speaks the chat completions protocol and answers from a script, the way
Ollama, vLLM or a llama.cpp server would answer with tool calls. What is tested is the
flow around the model: the tools offered, the tool run with the asker's permissions, the
provenance check of the model's words, and every way back to the offline answer."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from linewise.api.deps import Principal
from linewise.assistant.answer import Answer, ask
from linewise.config import get_settings
from linewise.core.security import Role
from linewise.core.time import utcnow
from linewise.domains.production import service as production
from linewise.domains.production.models import OrderStatus
from tests.conftest import World, login

ORDER = "PO-26107"
QUESTION = f"what is the status of {ORDER}?"
PLANNER = Principal(kind="user", name="planner", role=Role.PLANNER)


@dataclass
class ScriptedModel:
    """Answers each chat completion request with the next scripted assistant message."""

    script: list[dict[str, Any]]
    requests: list[dict[str, Any]] = field(default_factory=list)
    hold: threading.Event | None = None  # set: answer only once released (a slow model)


def _serve(model: ScriptedModel) -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            model.requests.append({"path": self.path, "body": body})
            if model.hold is not None:
                model.hold.wait(10)
            message = model.script.pop(0)
            reply = {
                "id": f"chatcmpl-{len(model.requests)}",
                "object": "chat.completion",
                "model": body["model"],
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", **message},
                        "finish_reason": "tool_calls" if "tool_calls" in message else "stop",
                    }
                ],
            }
            data = json.dumps(reply).encode()
            try:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the slow model's client gave up waiting, as it should

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/v1"


@pytest.fixture
def model_at(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Point the assistant's settings at a URL (the settings are cached: cleared here)."""
    servers: list[ThreadingHTTPServer] = []

    def point(url: str, timeout_s: float = 5.0) -> None:
        monkeypatch.setenv("LINEWISE_ASSISTANT_LLM_URL", url)
        monkeypatch.setenv("LINEWISE_ASSISTANT_LLM_MODEL", "scripted-7b")
        monkeypatch.setenv("LINEWISE_ASSISTANT_LLM_TIMEOUT_S", str(timeout_s))
        get_settings.cache_clear()

    def start(model: ScriptedModel, timeout_s: float = 5.0) -> ScriptedModel:
        server, url = _serve(model)
        servers.append(server)
        point(url, timeout_s)
        return model

    start.point = point  # type: ignore[attr-defined]
    yield start
    for server in servers:
        server.shutdown()
        server.server_close()
    monkeypatch.delenv("LINEWISE_ASSISTANT_LLM_URL")
    get_settings.cache_clear()


@pytest.fixture
def order(db: Session, world: World) -> str:
    made = production.create_order(
        db,
        {
            "number": ORDER,
            "product_id": world.product_id,
            "quantity": 240,
            "due_date": utcnow() + timedelta(days=3),
        },
    )
    made.status = OrderStatus.RELEASED
    db.commit()
    return ORDER


def _tool_call(name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    return {
        "content": None,
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": name, "arguments": json.dumps(arguments)},
            }
        ],
    }


def _offline(db: Session) -> Answer:
    get_settings.cache_clear()
    answer = ask(db, PLANNER, QUESTION)
    assert answer.wording is None  # no model configured: nothing to say about one
    assert not answer.abstained
    return answer


def test_the_model_picks_a_tool_and_words_the_answer(
    db: Session, order: str, model_at: Any
) -> None:
    words = f"{ORDER} is released: 240 units ordered, 0 good so far."
    model = model_at(
        ScriptedModel([_tool_call("order_status", {"number": ORDER}), {"content": words}])
    )
    answer = ask(db, PLANNER, QUESTION)
    assert answer.text == words
    assert answer.wording == {"by": "model", "model": "scripted-7b", "fallback": None}
    assert answer.tool == "order_status"
    assert answer.facts is not None and answer.facts["quantity"] == 240
    assert answer.source == f"GET /api/v1/orders/by-number/{ORDER}"

    first, second = (r["body"] for r in model.requests)
    assert model.requests[0]["path"] == "/v1/chat/completions"
    assert first["model"] == "scripted-7b"
    offered = {t["function"]["name"] for t in first["tools"]}
    assert {"order_status", "kpi_figures"} <= offered
    assert first["messages"][-1] == {"role": "user", "content": QUESTION}
    assert "SMT-1" in first["messages"][0]["content"]  # the places it may name
    told = json.loads(second["messages"][-1]["content"])
    assert second["messages"][-1]["role"] == "tool"
    assert second["messages"][-1]["tool_call_id"] == "call_1"
    assert told["facts"]["number"] == ORDER and told["facts"]["quantity"] == 240


def test_an_invented_number_falls_back_to_the_offline_answer(
    db: Session, order: str, model_at: Any
) -> None:
    offline = _offline(db)
    model_at(
        ScriptedModel(
            [
                _tool_call("order_status", {"number": ORDER}),
                {"content": f"{ORDER} is 73% complete with 240 units ordered."},
            ]
        )
    )
    answer = ask(db, PLANNER, QUESTION)
    assert answer.text == offline.text
    assert answer.wording is not None
    assert answer.wording["by"] == "template"
    assert "73" in answer.wording["fallback"]
    assert answer.facts == offline.facts


def test_a_refused_tool_call_and_no_tool_fall_back(
    db: Session, world: World, order: str, model_at: Any
) -> None:
    """An operator's model asks for another area's figures: refused as the API refuses,
    told to the model, and the words that follow back nothing: the offline answer."""
    operator = Principal(
        kind="user",
        name="operator",
        role=Role.OPERATOR,
        area_ids=frozenset({world.area_ids["SMT"]}),
    )
    get_settings.cache_clear()
    offline = ask(db, operator, QUESTION)
    model = model_at(
        ScriptedModel(
            [
                _tool_call("kpi_figures", {"scope": "line", "id": world.line_ids["TEST-1"]}),
                {"content": "I cannot tell."},
            ]
        )
    )
    answer = ask(db, operator, QUESTION)
    assert answer.wording is not None and answer.wording["fallback"] == "the model called no tool"
    told = json.loads(model.requests[1]["body"]["messages"][-1]["content"])
    assert "area" in told["error"]
    assert answer.text == offline.text


def test_the_endpoint_down_or_slow_gives_the_offline_answer(
    db: Session, order: str, model_at: Any
) -> None:
    offline = _offline(db)
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    model_at.point(f"http://127.0.0.1:{port}/v1")
    down = ask(db, PLANNER, QUESTION)
    assert down.text == offline.text
    assert down.wording is not None and "endpoint failed" in down.wording["fallback"]

    release = threading.Event()
    slow = ScriptedModel([{"content": "too late"}], hold=release)
    model_at(slow, timeout_s=0.5)
    try:
        late = ask(db, PLANNER, QUESTION)
    finally:
        release.set()
    assert late.text == offline.text
    assert late.wording is not None and late.wording["fallback"] == "no answer within 0.5 s"
    assert len(slow.requests) == 1


def test_the_route_says_who_worded_the_answer(
    client: TestClient, db: Session, order: str, model_at: Any
) -> None:
    words = f"{ORDER} is released with 240 units ordered."
    model_at(ScriptedModel([_tool_call("order_status", {"number": ORDER}), {"content": words}]))
    login(client, "planner")
    r = client.post("/api/v1/assistant/ask", json={"question": QUESTION})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["text"] == words
    assert body["wording"] == {"by": "model", "model": "scripted-7b", "fallback": None}
