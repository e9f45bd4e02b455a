"""The ground truth is consistent with itself, with the events, and with the factory."""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import datetime, time, timedelta
from pathlib import Path
from statistics import mean, median
from zoneinfo import ZoneInfo

from linewise.simulation import load_ground_truth
from linewise.simulation.ground_truth import Counts
from linewise.simulation.timefmt import parse_iso
from tests.unit.simulation.conftest import Run


def test_state_intervals_tile_the_run_per_machine(week: Run) -> None:
    truth = week.truth
    assert set(truth.machines) == {m.code for line in week.spec.lines for m in line.machines}
    for machine in truth.machines.values():
        spans = machine.intervals
        assert spans[0].start == truth.start and spans[-1].end == truth.end
        for a, b in itertools.pairwise(spans):
            assert a.end == b.start, machine.code
            assert a.end > a.start
            assert (a.state, a.reason, a.fault) != (b.state, b.reason, b.fault)


def test_state_events_replay_into_the_true_intervals(week: Run) -> None:
    replay: dict[str, list[tuple[datetime, str, str | None]]] = defaultdict(list)
    for event in week.events:
        if event["type"] == "state":
            replay[event["machine"]].append(
                (parse_iso(event["ts"]), event["state"], event.get("reason"))
            )
    for code, machine in week.truth.machines.items():
        truth = [(i.start, i.state, i.reason) for i in machine.intervals]
        assert replay[code] == truth


def _in_working_time(zone: ZoneInfo, moment: datetime, end: bool) -> bool:
    """Shifts 06:00-22:00 Monday to Friday with breaks 09:30-10:00 and 18:00-18:30."""
    local = moment.astimezone(zone)
    if end:  # an interval may end exactly on a boundary
        local -= timedelta(milliseconds=1)
    if local.weekday() > 4:
        return False
    clock = local.time()
    if not time(6) <= clock < time(22):
        return False
    return not (time(9, 30) <= clock < time(10) or time(18) <= clock < time(18, 30))


def test_no_production_or_setup_in_breaks_or_outside_shifts(week: Run) -> None:
    zone = ZoneInfo(week.spec.timezone)
    checked = 0
    for machine in week.truth.machines.values():
        for span in machine.intervals:
            if span.state in ("producing", "setup"):
                assert _in_working_time(zone, span.start, end=False), (machine.code, span)
                assert _in_working_time(zone, span.end, end=True), (machine.code, span)
                assert span.end - span.start <= timedelta(hours=4)  # no span across a break
                checked += 1
            if span.state == "planned_stop":
                assert span.reason in ("break", "no_shift")
    assert checked > 1000


def test_setups_happen_exactly_when_the_family_changes(week: Run) -> None:
    initial: dict[str, tuple[datetime, str]] = {}
    for order in week.spec.orders:
        product = next(p for p in week.spec.products if p.code == order.product)
        for step in product.steps:
            progress = order.progress.get(step.seq)
            if progress is not None and progress.status == "in_progress" and progress.line:
                known = initial.get(progress.line)
                if known is None or order.due < known[0]:
                    initial[progress.line] = (order.due, step.setup_family)
    setups = {(s.line, s.order, s.operation): s for s in week.truth.setups}
    by_line = defaultdict(list)
    for op in week.truth.operations:
        by_line[op.line].append(op)
    changes = 0
    for line, ops in by_line.items():
        family = initial[line][1] if line in initial else None
        for op in sorted(ops, key=lambda o: o.start or week.truth.start):
            if op.available == 0:
                assert (line, op.order, op.operation) not in setups
                continue
            changed = op.family != family
            assert ((line, op.order, op.operation) in setups) == changed, (line, op.order)
            changes += changed
            family = op.family
    assert changes == len(week.truth.setups) > 5
    windows = defaultdict(list)
    for s in week.truth.setups:
        windows[s.line].append((s.start, s.end or week.truth.end))
    for machine in week.truth.machines.values():
        for span in machine.intervals:
            if span.state == "setup":
                assert span.reason == "changeover"
                assert any(a <= span.start and span.end <= b for a, b in windows[machine.line])


def test_count_events_add_up_to_the_true_counts(week: Run) -> None:
    per_machine: dict[str, Counts] = defaultdict(Counts)
    per_op: dict[tuple[str, int, str], Counts] = defaultdict(Counts)
    for event in week.events:
        if event["type"] == "count":
            args = (event["good"], event["reject"], event.get("rework", 0))
            per_machine[event["machine"]].add(*args)
            per_op[(event["order"], event["operation"], event["machine"])].add(*args)
    for code, machine in week.truth.machines.items():
        assert per_machine.get(code, Counts()) == machine.counts, code
    truth_ops = {
        (op.order, op.operation, code): counts
        for op in week.truth.operations
        for code, counts in op.machines.items()
    }
    assert truth_ops == dict(per_op)
    assert sum(c.good for c in per_machine.values()) > 10_000


def test_no_operation_or_station_outputs_more_than_it_received(week: Run) -> None:
    spec = week.spec
    prior = {(o.number, seq): p.good for o in spec.orders for seq, p in o.progress.items()}
    done = {(op.order, op.operation): op for op in week.truth.operations}
    for op in week.truth.operations:
        assert op.good + op.reject <= op.started <= op.available
        line = spec.line(op.line)
        previous = None
        for machine in line.machines:
            counts = op.machines.get(machine.code, Counts())
            if previous is not None:
                assert counts.produced <= previous.good, (op.order, machine.code)
            assert counts.rework <= counts.good
            previous = counts
        assert op.good == previous.good if previous else op.good == 0
        upstream = done.get((op.order, op.operation - 1))
        if upstream is not None:
            delivered = upstream.good + prior.get((op.order, op.operation - 1), 0)
            assert upstream.end is not None and op.start is not None
            assert upstream.end <= op.start
            assert op.available <= delivered


def test_breakdowns_last_at_least_the_threshold_and_micro_stops_less(week: Run) -> None:
    thresholds = {
        m.code: m.minor_stop_threshold_s for line in week.spec.lines for m in line.machines
    }
    repairs = defaultdict(list)
    for b in week.truth.breakdowns:
        repairs[b.machine].append((b.start, b.end or week.truth.end))
    micro = 0
    for machine in week.truth.machines.values():
        limit = timedelta(seconds=thresholds[machine.code])
        for span in machine.intervals:
            in_repair = any(a <= span.start < b for a, b in repairs[machine.code])
            if span.state == "down" and not in_repair:
                assert span.end - span.start < limit, (machine.code, span)
                micro += 1
    assert micro > 20
    for b in week.truth.breakdowns:
        if b.end is not None:  # repair time excludes breaks and nights, so at least this
            assert b.end - b.start >= timedelta(seconds=thresholds[b.machine])


def test_telemetry_drifts_before_some_breakdowns(week: Run) -> None:
    samples: dict[str, list[tuple[datetime, float]]] = defaultdict(list)
    for event in week.events:
        if event["type"] == "telemetry" and "vibration_rms" in event["signals"]:
            samples[event["machine"]].append(
                (parse_iso(event["ts"]), event["signals"]["vibration_rms"])
            )
    drifted = [b for b in week.truth.breakdowns if b.drifted and b.machine in samples]
    assert drifted
    rising = 0
    for b in drifted:
        series = samples[b.machine]
        # while producing, long before any breakdown of this run versus just before this one
        running = [v for t, v in series if v > 0.2 and t < b.start - timedelta(hours=12)]
        before = [v for t, v in series if b.start - timedelta(minutes=30) <= t < b.start]
        if len(running) > 50 and before and mean(before) > median(running) * 1.3:
            rising += 1
    assert rising >= 1


def test_ground_truth_round_trips_through_json(week: Run, tmp_path: Path) -> None:
    path = tmp_path / "truth.json"
    week.truth.write(path)
    assert load_ground_truth(path) == week.truth
