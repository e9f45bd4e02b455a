"""The assistant on the hand-checkable machine-day (see conftest): its numbers are the KPI
route's, to the last digit, for the window the words name in the site's time zone."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import World
from tests.integration.performance.conftest import DAY


def ask(client: TestClient, question: str, context: dict[str, Any] | None = None) -> Any:
    r = client.post("/api/v1/assistant/ask", json={"question": question, "context": context})
    assert r.status_code == 200, r.text
    return r.json()


@pytest.mark.parametrize(
    "question",
    [
        f"What was the OEE on SMT line 1 on {DAY}?",
        f"oee smt-1 {DAY}",
        f"Could you tell me the overall equipment effectiveness of SMT1 on {DAY}, please",
    ],
)
def test_oee_of_a_named_day_is_the_kpi_routes_figure(
    day_data: dict[str, int], as_role: dict[str, TestClient], world: World, question: str
) -> None:
    manager = as_role["manager"]
    answer = ask(manager, question)
    line = world.line_ids["SMT-1"]
    api = manager.get(f"/api/v1/kpi/line/{line}?day={DAY}").json()
    assert not answer["abstained"], answer["text"]
    assert answer["intent"] == "oee"
    # Σ PRU×GQ 21000 s over PBT 27000 s (hand-checked in conftest).
    assert answer["facts"]["oee"] == api["kpis"]["oee"] == pytest.approx(21000 / 27000)
    assert "77.8 %" in answer["text"] and "SMT-1" in answer["text"]
    assert answer["window"] == "Mon 23 Nov (Europe/Berlin)"
    assert answer["source"] == f"GET /api/v1/kpi/line/{line}?day={DAY}"
    assert answer["link"] == f"/kpis?scope=line:{line}&period=range:{DAY}..{DAY}"


def test_machine_counts_downtime_and_a_follow_up(
    day_data: dict[str, int], as_role: dict[str, TestClient], world: World
) -> None:
    planner = as_role["planner"]
    first = ask(planner, f"how many good boards did SMT-1-PNP1 make on {DAY}")
    assert first["intent"] == "good_count" and first["facts"]["good"] == 600, first["text"]
    assert "600" in first["text"]
    # Follow-ups keep the machine and the day, or change one of them.
    scrap = ask(planner, "and the scrap?", first["context"])
    assert scrap["intent"] == "scrap_count", scrap["text"]
    assert scrap["facts"]["scrap"] == 10 and scrap["arguments"]["day"] == DAY
    before = ask(planner, "and the day before?", scrap["context"])
    assert before["abstained"] or before["arguments"]["day"] == DAY  # not a window it knows
    line = ask(planner, "what about SMT-1?", scrap["context"])
    assert line["intent"] == "scrap_count" and line["arguments"]["scope"] == "line"
    assert line["arguments"]["day"] == DAY
    down = ask(planner, f"why was smt-1-pnp1 down on {DAY}")
    machine = world.machine_ids["SMT-1-PNP1"]
    pareto = planner.get(f"/api/v1/kpi/machine/{machine}/pareto?day={DAY}").json()
    assert down["intent"] == "downtime_causes"
    assert [t["reason"] for t in down["facts"]["top"]] == [r["key"] for r in pareto["rows"][:3]]
    assert down["facts"]["total_duration_s"] == pareto["total_duration_s"]


def test_an_operator_gets_nothing_about_another_area(
    day_data: dict[str, int], as_role: dict[str, TestClient]
) -> None:
    operator = as_role["operator"]  # sees the SMT area only
    own = ask(operator, f"OEE of SMT-1 on {DAY}")
    assert not own["abstained"] and own["facts"]["oee"] is not None
    other = ask(operator, f"why was TEST-1-ICT down on {DAY}")
    assert other["abstained"] and other["facts"] is None
    assert "outside your areas" in other["text"]
    # The tool route answers as the KPI route does: 403.
    r = operator.post("/api/v1/assistant/tools/kpi_figures", json={"scope": "line", "id": 999_999})
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
