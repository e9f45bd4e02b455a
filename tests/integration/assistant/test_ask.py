"""Asking in words: orders by number, abstentions that name what is missing, the tool
routes' permissions and input errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import World


def ask(client: TestClient, question: str, context: dict[str, Any] | None = None) -> Any:
    r = client.post("/api/v1/assistant/ask", json={"question": question, "context": context})
    assert r.status_code == 200, r.text
    return r.json()


def make_order(planner: TestClient, world: World, number: str) -> dict[str, Any]:
    due = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    r = planner.post(
        "/api/v1/orders",
        json={"number": number, "product_id": world.product_id, "quantity": 40, "due_date": due},
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_the_stage_of_an_order_asked_several_ways(
    as_role: dict[str, TestClient], world: World
) -> None:
    planner = as_role["planner"]
    make_order(planner, world, "PO-26004")
    api = planner.get("/api/v1/orders/by-number/PO-26004").json()
    for question in (
        "Which stage is order PO-26004 in?",
        "where is po-26004",
        "what step is order 26004 at",
        "wich stage is PO 26004 in",  # a typo and a space
    ):
        answer = ask(as_role["operator"], question)
        assert answer["intent"] == "order_stage", (question, answer["text"])
        assert answer["facts"]["stage"]["seq"] == api["current_stage"]["seq"] == 1
        assert answer["facts"]["progress"] == api["progress"]
        assert "PO-26004" in answer["text"] and "stage 1 of 2" in answer["text"]
        assert answer["link"] == "/orders/PO-26004"
    late = ask(planner, "is PO-26004 late?")
    assert late["intent"] == "order_late" and late["facts"]["late"] == api["late"]


def test_abstentions_name_what_is_missing_and_carry_no_facts(
    as_role: dict[str, TestClient], world: World
) -> None:
    manager = as_role["manager"]
    for question, words in (
        ("OEE of SMT-9 today", "SMT-9"),
        ("is PO-99999 late?", "PO-99999"),
        ("availability of smt line 7 yesterday", "SMT line 7"),
        ("what's the weather tomorrow", "orders, KPIs"),
        ("which stage is it in?", "which order"),
    ):
        answer = ask(manager, question)
        assert answer["abstained"], (question, answer["text"])
        assert answer["text"].startswith("I can't tell that from the data")
        assert words in answer["text"], (question, answer["text"])
        assert answer["facts"] is None


def test_tools_are_listed_with_schemas_and_bad_arguments_name_the_field(
    as_role: dict[str, TestClient], world: World
) -> None:
    operator = as_role["operator"]
    tools = {t["name"]: t for t in operator.get("/api/v1/assistant/tools").json()}
    assert {"kpi_figures", "downtime_pareto", "order_status"} <= set(tools)
    assert tools["kpi_figures"]["input_schema"]["properties"]["scope"]["enum"] == [
        "machine",
        "line",
        "area",
        "site",
    ]
    r = operator.post("/api/v1/assistant/tools/kpi_figures", json={"scope": "plant", "id": 1})
    assert r.status_code == 422 and "scope" in r.json()["detail"]
    r = operator.post(
        "/api/v1/assistant/tools/kpi_figures",
        json={"scope": "line", "id": world.line_ids["TEST-1"]},
    )
    assert r.status_code == 403, r.text
    assert operator.post("/api/v1/assistant/tools/nope", json={}).status_code == 404
    anonymous = TestClient(operator.app)
    assert anonymous.post("/api/v1/assistant/ask", json={"question": "oee"}).status_code == 401


def test_hostile_questions_contexts_and_arguments_get_clear_answers(
    as_role: dict[str, TestClient], world: World
) -> None:
    manager = as_role["manager"]
    for context, field in (
        ({"intent": 5}, "intent"),
        ({"intent": "oee", "mentions": "x"}, "mentions"),
        ({"intent": "oee", "mentions": [{"kind": "order", "id": "x", "code": "PO-1"}]}, "id"),
        ({"intent": "oee", "when": {"days_ago": 10**9}}, "days_ago"),
        ({"intent": "oee", "when": {"on": "0001-01-01"}}, "on"),
        ({"a": {"b": [[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]}}, "a"),
    ):
        r = manager.post(
            "/api/v1/assistant/ask", json={"question": "and yesterday?", "context": context}
        )
        assert r.status_code == 422, (context, r.text)
        assert r.headers["content-type"] == "application/problem+json"
        assert field in r.text, (field, r.text)
    # A window the calendar cannot place is refused in words, not answered for today.
    for question in ("oee of SMT-1 on 0001-01-01", "oee of SMT-1 on 9999-12-31"):
        answer = ask(manager, question)
        assert answer["abstained"] and "day" in answer["text"], answer["text"]
    for arguments, field in (
        ({"scope": "line", "id": 2**70}, "id"),
        ({"scope": "line", "id": world.line_ids["SMT-1"], "day": "0001-01-01"}, "day"),
    ):
        r = manager.post("/api/v1/assistant/tools/kpi_figures", json=arguments)
        assert r.status_code == 422 and field in r.json()["detail"], r.text
    # The server keeps answering, and an answer's own context is accepted back.
    first = ask(manager, "OEE of SMT-1 today")
    assert not ask(manager, "and yesterday?", first["context"])["abstained"]


def test_paraphrases_the_grammar_misses_reach_the_right_intent(
    as_role: dict[str, TestClient], world: World
) -> None:
    manager = as_role["manager"]
    for question, intent in (
        # the grammar abstained on these
        ("what has to go out this week", "orders_due"),
        ("why hasn't PO-26004 moved", "order_delay_cause"),
        # the grammar chose another intent on these (the stops, who works where)
        ("stops waiting for a reason code on SMT-1", "unassigned_stops"),
        ("which machine is closest to failing", "machine_health"),
    ):
        if "PO-26004" in question:
            make_order(as_role["planner"], world, "PO-26004")
        answer = ask(manager, question)
        got = answer["intent"] or answer["context"].get("intent")
        assert got == intent, (question, answer["text"])
    # Off-topic questions stay refused: the router answers only near its examples.
    for question in ("what is the capital of France", "tell me a joke"):
        refused = ask(manager, question)
        assert refused["abstained"] and refused["facts"] is None, refused["text"]


def test_a_new_question_after_another_is_not_taken_for_a_follow_up(
    as_role: dict[str, TestClient], world: World
) -> None:
    manager = as_role["manager"]
    first = ask(manager, "which machine is closest to failing")
    assert first["intent"] == "machine_health"
    # A whole question of another kind, which the grammar alone does not place: it
    # was answered as the machine question again ("this week" read as a follow-up).
    second = ask(manager, "what has to go out this week", first["context"])
    assert (second["intent"] or second["context"].get("intent")) == "orders_due"
    # A fragment still continues the previous question, with its new window.
    third = ask(manager, "and last week?", second["context"])
    assert (third["intent"] or third["context"].get("intent")) == "orders_due"
