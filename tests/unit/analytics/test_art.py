"""The fuzzy ART detector (``analytics/art.py``): its wavelet features, an alarm at a
known event and none before it, the state as plain data, the bounded category count, and
the machine detector that runs it beside the novelty detector."""

from __future__ import annotations

import json
import math
import random
import time

import pytest

from linewise.analytics.anomaly import (
    HOLD,
    MachineDetector,
    as_kind,
    machine_detector,
    machine_from_state,
    machine_state,
    primed,
)
from linewise.analytics.art import ArtDetector, art_from_state, art_state, haar


def _signal(n: int, event_at: int, seed: int = 7) -> list[float]:
    """A daily-like cycle with noise; from ``event_at`` the cycle's shape breaks (a
    flat plateau at a level the signal had only at its peaks)."""
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        v = 50 + 10 * math.sin(2 * math.pi * i / 144) + rnd.gauss(0, 0.5)
        out.append(58.0 + rnd.gauss(0, 0.2) if event_at <= i < event_at + 150 else v)
    return out


def test_haar_puts_the_approximation_first_then_details_coarse_to_fine() -> None:
    out = haar([1.0, 0, 0, 0, 0, 0, 0, 0])
    r = math.sqrt(0.5)
    expected = [r / 2, -r / 2, -0.5, 0, -r, 0, 0, 0]
    assert all(abs(a - b) < 1e-12 for a, b in zip(out, expected, strict=True)), out
    x = [3.0, 1, 4, 1, 5, 9, 2, 6]  # orthonormal: the energy is kept
    assert abs(sum(v * v for v in haar(x)) - sum(v * v for v in x)) < 1e-9


def test_an_event_gives_an_alarm_and_the_steady_cycle_none() -> None:
    values = _signal(6000, 4500)
    d = ArtDetector(lo=min(values), hi=max(values), probation=750)
    t0 = time.perf_counter()
    scores = [d.update(v) for v in values]
    per_point_us = (time.perf_counter() - t0) / len(values) * 1e6
    alarms = [i for i, s in enumerate(scores) if s > 0]
    assert all(s in (0.0, 1.0) for s in scores)
    assert any(4500 <= a < 4650 for a in alarms), alarms
    assert not [a for a in alarms if 2500 <= a < 4500], alarms  # learned by then
    assert per_point_us < 200  # the benchmark measures it properly; this catches a blow-up


def test_the_graded_score_is_artimes_confidence() -> None:
    values = _signal(6000, 4500)
    d = ArtDetector(lo=min(values), hi=max(values), probation=750, graded=True)
    scores = [s for s in (d.update(v) for v in values) if s > 0]
    assert scores and all(0 < s <= 1 for s in scores)


def test_the_state_is_plain_data_and_a_restored_detector_goes_on_identically() -> None:
    values = _signal(6000, 4500)
    a = ArtDetector(probation=750, max_categories=48)  # range learned, categories capped
    for v in values[:3000]:
        a.update(v)
    state = json.loads(json.dumps(art_state(a)))
    b = art_from_state(state)
    rest_a = [a.update(v) for v in values[3000:]]
    rest_b = [b.update(v) for v in values[3000:]]
    assert rest_a == rest_b
    assert any(rest_a)
    assert a._art is not None and a._art.n == 48  # the cap held
    assert art_state(a) == art_state(b)


def test_a_state_stored_with_decimal_lists_still_loads_and_goes_on_identically() -> None:
    # The float and count lists were stored as JSON lists before they became base64 of
    # their bytes (the live path's write cost); a state stored so must still load.
    values = _signal(6000, 4500)
    a = ArtDetector(probation=750, max_categories=48)
    for v in values[:700]:  # inside the probation: the raw values are in the state too
        a.update(v)
    state = art_state(a)
    assert all(isinstance(state[k], str) for k in ("raw", "ds", "fw", "sims", "diffs", "medbin"))
    old = dict(state)
    for k in ("raw", "ds", "fw", "sims", "diffs", "medbin"):
        old[k] = list(getattr(a, "_" + k))
    b = art_from_state(json.loads(json.dumps(old)))
    c = art_from_state(json.loads(json.dumps(state)))
    assert b._raw == a._raw and b._medbin == a._medbin
    rest_a = [a.update(v) for v in values[700:]]
    assert [b.update(v) for v in values[700:]] == rest_a
    assert [c.update(v) for v in values[700:]] == rest_a
    assert any(rest_a)


def test_a_novelty_state_stored_before_art_and_base64_still_loads() -> None:
    # The live path's stored states from before: no "art" key, the learning buffer a
    # decimal list. One must load as the novelty detector alone and go on identically.
    values = _signal(3000, 2500)
    m = MachineDetector(learn=1440)
    for v in values[:1000]:  # still learning: the buffer holds the samples so far
        m.update({"temp": v})
    state = json.loads(json.dumps(machine_state(m)))
    assert isinstance(state["signals"]["temp"]["buffer"], str)
    old = dict(state)
    del old["art"]
    old["signals"] = {"temp": {**state["signals"]["temp"], "buffer": values[:1000]}}
    again = machine_from_state(json.loads(json.dumps(old)))
    assert again.art is None and again.detectors["temp"]._buffer == values[:1000]
    later = values[1000:] + [90.0] * 5  # ends far above the learned range: an alarm
    rest = [m.update({"temp": v}) for v in later]
    assert [again.update({"temp": v}) for v in later] == rest
    assert any(names for _, names in rest)


def test_a_learned_range_is_the_probations_widened_by_the_margin() -> None:
    values = _signal(2000, 10_000)
    d = ArtDetector(probation=750)
    for v in values[:749]:
        d.update(v)
    assert d.lo is None and len(d._raw) == 749  # still learning
    d.update(values[749])
    lo, hi = min(values[:750]), max(values[:750])
    assert d.lo is not None and d.hi is not None
    assert abs(d.lo - (lo - 0.1 * (hi - lo))) < 1e-9 and abs(d.hi - (hi + 0.1 * (hi - lo))) < 1e-9
    assert d._raw == [] and d._art is not None  # the probation was learned in one batch


def test_the_machine_detector_runs_both_when_asked_and_keeps_both_in_its_state() -> None:
    values = _signal(4000, 3000)
    m = MachineDetector(learn=750, art={})
    alarms = []
    for i, v in enumerate(values):
        if i == 2000:
            m = machine_from_state(json.loads(json.dumps(machine_state(m))))
        _, names = m.update({"temp": v})
        if names:
            alarms.append(i)
    assert m.art is not None and set(m.art) == {"temp"}
    assert alarms and 3000 <= alarms[0] < 3150, alarms
    # points since the novelty detector's last new context stay in the state (the
    # frontier bench gates ART by them)
    assert machine_from_state(machine_state(m)).detectors["temp"]._since_new == (
        m.detectors["temp"]._since_new
    )
    # a state stored before the ART detector existed loads as the novelty detector alone
    old = machine_state(m)
    del old["art"]
    for sig in old["signals"].values():  # type: ignore[attr-defined]
        del sig["since_new"]
    again = machine_from_state(old)
    assert again.art is None and set(again.detectors) == {"temp"}
    assert again.detectors["temp"]._since_new == 1 << 30
    # the default is the novelty detector alone, which misses this change of shape
    only = MachineDetector(learn=750)
    assert not [i for i, v in enumerate(values) if only.update({"temp": v})[1]]
    assert machine_from_state(json.loads(json.dumps(machine_state(only)))).art is None


def test_a_primed_baseline_is_of_the_kind_asked() -> None:
    history = {"temp": _signal(3000, 10_000)}
    assert primed(history, kind="novelty").art is None
    m = primed(history)  # the default kind, as the live default
    assert m.art is not None and m.art["temp"].lo is not None and m.art["temp"]._art is not None
    assert m.hold == HOLD == primed(history, kind="novelty").hold


def _alarms(m: MachineDetector, values: list[float]) -> list[int]:
    return [i for i, v in enumerate(values) if m.update({"temp": v})[1]]


def test_the_setting_chooses_the_detector_only_art_flags_a_change_of_shape() -> None:
    # A plateau at a level the cycle reaches at its peaks: no new level, no new step for
    # the novelty detector, a new shape for ART. Learned over a day (1,440 samples).
    values = _signal(5000, 4000)
    assert _alarms(machine_detector("novelty"), values) == []
    art = _alarms(machine_detector("art"), values)
    assert art and 4000 <= art[0] < 4150, art
    assert _alarms(machine_detector(), values) == art  # art is the default
    with pytest.raises(ValueError):
        machine_detector("gated")


def test_the_machine_holds_after_an_alarm_whichever_signal_raised_it() -> None:
    # Two signals leave their range one after the other, 100 samples apart: each
    # signal's own rest (60) would let both alarm, the machine's hold lets the first.
    def run(m: MachineDetector, n: int, jumps: dict[str, int]) -> list[int]:
        out = []
        for i in range(n):
            sig = {k: 50.0 + (i % 5) + (40 if i >= jumps[k] else 0) for k in ("a", "b")}
            if m.update(sig)[1]:
                out.append(i)
        return out

    alarms = run(MachineDetector(learn=200, hold=360), 1600, {"a": 500, "b": 600})
    # "a" stays outside its range (score 1 whenever it is not resting): the machine
    # alarms at 500, then every HOLD points after the last alarm it let through
    assert alarms == list(range(500, 1600, HOLD)), alarms
    free = run(MachineDetector(learn=200, hold=0), 1600, {"a": 500, "b": 600})
    assert free[:3] == [500, 560, 600] and len(free) > len(alarms)
    # the hold is in the state: a detector rebuilt mid-hold keeps it
    m = MachineDetector(learn=200)
    for i in range(700):
        m.update({"a": 50.0 + (i % 5) + (40 if i >= 500 else 0)})
    again = machine_from_state(json.loads(json.dumps(machine_state(m))))
    assert again.hold == HOLD and again._since_alarm == m._since_alarm == 699 - 500
    later = [{"a": 90.0 + (i % 5)} for i in range(700, 1300)]
    assert [again.update(x) for x in later] == [m.update(x) for x in later]


def test_a_stored_state_of_the_other_kind_is_converted() -> None:
    values = _signal(6000, 5000)
    old = MachineDetector()  # novelty alone, as stored before the setting existed
    for v in values[:2000]:
        old.update({"temp": v})
    state = machine_state(old)
    del state["hold"], state["since"]  # stored before the machine's hold
    m = machine_from_state(json.loads(json.dumps(state)))
    assert m.hold == HOLD
    as_kind(m, "art")  # ART added: it learns a day from here, then flags the plateau
    assert m.art == {} and m.detectors["temp"].lo is not None
    alarms = [i for i, v in enumerate(values[2000:], 2000) if m.update({"temp": v})[1]]
    assert alarms and 5000 <= alarms[0] < 5150, alarms
    # and back: without ART the machine is the novelty detector, which would have run
    # the same; it never sees the plateau
    as_kind(m, "novelty")
    assert m.art is None
    assert not [v for v in values[5000:] if m.update({"temp": v})[1]]
