"""Turn raw point values into Linewise events: telemetry, count increments, states.

Pure logic with no I/O, so that the tricky parts (counter resets and rollover, when a state
really changed) are tested without a PLC. Sources report values as they see them; the rules
decide whether that is news. Counter baselines are returned as ``memory`` so the agent can
commit them together with the events they produced (see :mod:`linewise.edge.buffer`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from linewise.edge.config import CounterMap, EdgeConfig, MachineMap, StateMap

log = logging.getLogger("linewise.edge.rules")
Event = dict[str, Any]


def counter_delta(previous: int, current: int, rollover: int | None) -> int:
    """Parts made between two readings of a running total.

    A total that went down either wrapped (a 16-bit counter past 65535) or was reset (new
    shift, PLC restart). With a known width, a drop from the upper half into the lower half
    is a wrap; anything else counts as a reset whose new value is all new parts.
    """
    if current >= previous:
        return current - previous
    if rollover is not None:
        wrapped = rollover - previous + current
        if 0 < wrapped <= rollover // 2:
            return wrapped
    return current


@dataclass
class _Last:
    state: tuple[str, str | None, str | None] | None = None
    signals: dict[str, float] | None = None


class Rules:
    """Per-machine memory of what was last sent, plus the latest value of every point."""

    def __init__(self, config: EdgeConfig, memory: dict[str, Any] | None = None) -> None:
        self.machines = config.machines
        self.latest: dict[str, float] = {}
        self.memory: dict[str, Any] = dict(memory or {})  # counter baselines, persisted
        self._last = {code: _Last(signals={}) for code in config.machines}

    def apply(self, values: dict[str, float], ts: datetime) -> tuple[list[Event], dict[str, Any]]:
        """Events caused by these new readings, and the memory entries they changed."""
        self.latest.update(values)
        events: list[Event] = []
        changed: dict[str, Any] = {}
        stamp = ts.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        for code, spec in self.machines.items():
            if not _touches(spec, values):
                continue
            base = {"ts": stamp, "machine": code}
            if spec.state and (state := self._state(code, spec.state)):
                events.append({**base, "type": "state", **state})
            if spec.counter and (count := self._count(code, spec.counter, values, changed)):
                events.append({**base, "type": "count", **count})
            if spec.telemetry and (sample := self._telemetry(code, spec, values)):
                events.append({**base, "type": "telemetry", **sample})
        return events, changed

    def _state(self, code: str, rule: StateMap) -> dict[str, Any] | None:
        state: str
        fault: str | None = None
        reason: str | None = None
        if rule.value is not None:
            if rule.value not in self.latest:
                return None
            assert rule.map is not None
            state = rule.map.get(int(self.latest[rule.value]), rule.default)
        else:
            assert rule.running is not None
            if rule.running not in self.latest:
                return None
            code_value = int(self.latest.get(rule.fault, 0)) if rule.fault else 0
            if code_value:
                state, fault = "down", str(code_value)
                reason = rule.faults.get(code_value)
            else:
                state = "producing" if self.latest[rule.running] else rule.default
        key = (state, fault, reason)
        if self._last[code].state == key:
            return None
        self._last[code].state = key
        out: dict[str, Any] = {"state": state}
        if fault is not None:
            out["fault"] = fault
        if reason is not None:
            out["reason"] = reason
        return out

    def _count(
        self, code: str, rule: CounterMap, values: dict[str, float], changed: dict[str, Any]
    ) -> dict[str, int] | None:
        deltas = {"good": 0, "reject": 0}
        for field, ref in (("good", rule.good), ("reject", rule.reject)):
            if ref is None or ref not in values:
                continue
            key = f"{code}.{field}"
            current = round(values[ref])
            previous = self.memory.get(key)
            if previous != current:
                self.memory[key] = changed[key] = current
            if previous is None:
                continue  # first reading ever: a baseline, not production
            delta = counter_delta(int(previous), current, rule.rollover)
            if current < previous:
                kind = "wrapped" if delta != current else "was reset"
                log.info("%s: %s counter %s (%d -> %d)", code, field, kind, previous, current)
            deltas[field] = delta
        if not any(deltas.values()):
            return None
        return deltas

    def _telemetry(
        self, code: str, spec: MachineMap, values: dict[str, float]
    ) -> dict[str, Any] | None:
        last = self._last[code].signals
        assert last is not None
        signals: dict[str, float] = {}
        units: dict[str, str] = {}
        for t in spec.telemetry:
            if t.point not in values:
                continue
            value = float(values[t.point])
            before = last.get(t.signal)
            if before is not None and abs(value - before) <= t.deadband:
                continue
            signals[t.signal] = last[t.signal] = value
            if t.unit:
                units[t.signal] = t.unit
        if not signals:
            return None
        return {"signals": signals, **({"units": units} if units else {})}


def _touches(spec: MachineMap, values: dict[str, float]) -> bool:
    refs = [t.point for t in spec.telemetry]
    if spec.counter:
        refs += [spec.counter.good, spec.counter.reject or ""]
    if spec.state:
        refs += [r or "" for r in (spec.state.value, spec.state.running, spec.state.fault)]
    return any(r in values for r in refs)
