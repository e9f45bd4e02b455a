"""Ingest protocol v1 events as plain dicts, and the MQTT topic each one belongs on.

Dicts rather than classes because they go straight to ``json.dumps``: the simulator is
a producer of wire data, and the server validates it with its own schema.
"""

from __future__ import annotations

from typing import Any

from linewise.simulation.spec import FactorySpec
from linewise.simulation.timefmt import iso

Event = dict[str, Any]

KINDS = ("state", "count", "telemetry")


class EventFactory:
    """Builds events with ids that are unique per machine and stable for a seed."""

    def __init__(self) -> None:
        self._serial: dict[str, int] = {}

    def _base(self, machine: str, ms: int, kind: str) -> Event:
        n = self._serial.get(machine, 0) + 1
        self._serial[machine] = n
        return {"id": f"{machine}-{n:09d}", "ts": iso(ms), "machine": machine, "type": kind}

    def state(
        self, machine: str, ms: int, state: str, reason: str | None, fault: str | None
    ) -> Event:
        event = self._base(machine, ms, "state")
        event["state"] = state
        if reason is not None:
            event["reason"] = reason
        if fault is not None:
            event["fault"] = fault
        return event

    def count(
        self,
        machine: str,
        ms: int,
        good: int,
        reject: int,
        rework: int,
        order: str,
        operation: int,
        product: str,
    ) -> Event:
        event = self._base(machine, ms, "count")
        event["good"] = good
        event["reject"] = reject
        if rework:
            event["rework"] = rework
        event["order"] = order
        event["operation"] = operation
        event["product"] = product
        return event

    def telemetry(
        self, machine: str, ms: int, signals: dict[str, float], units: dict[str, str]
    ) -> Event:
        event = self._base(machine, ms, "telemetry")
        event["signals"] = signals
        event["units"] = units
        return event


def line_of_machine(spec: FactorySpec) -> dict[str, str]:
    return {m.code: line.code for line in spec.lines for m in line.machines}


def topic_for(event: Event, site: str, line_of: dict[str, str]) -> str:
    """``linewise/v1/{site}/{line}/{machine}/{kind}``."""
    machine = event["machine"]
    return f"linewise/v1/{site}/{line_of[machine]}/{machine}/{event['type']}"
