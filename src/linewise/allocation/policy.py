"""The proposals as a staffing policy for the simulator: apply them automatically.

Used to measure what following the suggestions would have saved: the same factory and
seed run once as planned and once with this policy moving operators every few minutes.
"""

from __future__ import annotations

from linewise.allocation.proposal import Person, Rules, Station, propose
from linewise.simulation.operators import StaffingPolicy, StaffingView


def suggestion_policy(
    machines_per_line: dict[str, int], rules: Rules | None = None
) -> StaffingPolicy:
    def policy(view: StaffingView) -> dict[str, str | None]:
        stations = [
            Station(
                line.code,
                line.area,
                line.skill,
                line.need,
                line.present,
                line.has_work,
                machines_per_line.get(line.code, 1),
            )
            for line in view.lines
        ]
        people = [
            Person(op.code, op.skills, op.areas, op.line, op.available) for op in view.operators
        ]
        proposal = propose(stations, people, rules)
        return {m.operator: m.to_station for m in proposal.moves}

    return policy
