"""Plan publication announces itself after commit; a refused publication does not."""

from __future__ import annotations

from linewise.core.events import DomainEvent
from linewise.domains.planning.events import PlanPublished
from tests.integration.planning.conftest import Demo


def test_publishing_a_plan_publishes_an_event(demo: Demo) -> None:
    heard: list[DomainEvent] = []
    demo.app.state.bus.subscribe(heard.append, DomainEvent)
    first = demo.solve()["plan_id"]
    demo.publish(first)
    assert heard == [PlanPublished(first, None, None)]
    second = demo.solve()["plan_id"]
    demo.publish(second)
    assert heard[1:] == [PlanPublished(second, first, None)]
    refused = demo.planner.post(f"/api/v1/plans/{first}/publish", json={})
    assert refused.status_code == 409  # superseded: nothing happened, nothing heard
    assert len(heard) == 2
