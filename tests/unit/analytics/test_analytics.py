"""The pure analytics engines: NAB's scoring rules on hand-made files, the streaming
detector on a signal with a known event, and downsampling for the screen."""

from __future__ import annotations

import itertools
import math
import time
from datetime import UTC, datetime, timedelta

import pytest

from linewise.analytics import nab
from linewise.analytics.anomaly import MachineDetector, StreamingDetector
from linewise.analytics.downsample import downsample

STD = nab.PROFILES["standard"]


def test_scaled_sigmoid_and_probation() -> None:
    assert nab.scaled_sigmoid(0.0) == 0.0
    assert nab.scaled_sigmoid(-1.0) == pytest.approx(0.98661, abs=1e-5)
    assert nab.scaled_sigmoid(3.5) == -1.0
    assert nab.probation(1000) == 150 and nab.probation(100_000) == 750


def test_file_score_counts_the_earliest_detection_and_discounts_late_false_positives() -> None:
    rows = 2000
    window = (1000, 1099)  # 100 rows, after the 300-row probation
    f = nab.prepare(rows, [window])
    nothing = [False] * rows
    assert nab.file_score(f, nothing, STD) == -1.0
    at_left = list(nothing)
    at_left[1000] = at_left[1050] = True  # the later one in the window adds nothing
    assert nab.file_score(f, at_left, STD) == pytest.approx(1.0)
    at_right = list(nothing)
    at_right[1099] = True
    assert nab.file_score(f, at_right, STD) == pytest.approx(
        STD.tp * nab.scaled_sigmoid(-1 / 100) / nab.scaled_sigmoid(-1.0)
    )
    just_after, far_after, in_probation = list(nothing), list(nothing), list(nothing)
    just_after[1110] = True
    far_after[1900] = True
    in_probation[10] = True
    assert -1.0 - STD.fp < nab.file_score(f, just_after, STD) < -1.0
    assert nab.file_score(f, far_after, STD) == pytest.approx(-1.0 - STD.fp)
    assert nab.file_score(f, in_probation, STD) == -1.0
    # Normalised between null (-1) and perfect (+1).
    assert nab.corpus_score([f], [[1.0 if i == 1000 else 0.0 for i in range(rows)]], 0.5, STD) == (
        pytest.approx(100.0)
    )
    assert nab.corpus_score([f], [[0.0] * rows], 0.5, STD) == 0.0


def _signal(n: int, event_at: int) -> list[float]:
    # A daily-ish wave with noise, then a level the signal never had.
    out = []
    for i in range(n):
        v = 50 + 10 * math.sin(i / 20) + ((i * 7919) % 13) / 13
        out.append(v + (30 if i >= event_at else 0))
    return out


def test_the_detector_alarms_at_an_event_once_and_is_cheap() -> None:
    values = _signal(3000, 2500)
    d = StreamingDetector(rest=200)
    t0 = time.perf_counter()
    scores = [d.update(v) for v in values]
    per_point_us = (time.perf_counter() - t0) / len(values) * 1e6
    alarms = [i for i, s in enumerate(scores) if s >= 0.5]
    assert alarms and alarms[0] == 2500, alarms[:5]
    assert all(a >= 2500 for a in alarms)  # nothing before the event once learned
    assert all(b - a >= 200 for a, b in itertools.pairwise(alarms))
    assert per_point_us < 50


def test_a_machine_alarm_names_its_signals() -> None:
    m = MachineDetector(ranges={"vacuum": (40.0, 100.0)}, rest=10)
    for i in range(500):
        m.update({"vacuum": 70 + (i % 5), "temp": 40 + (i % 3) * 0.1})
    score, names = m.update({"vacuum": 20.0, "temp": 40.2})  # temp goes on as ever
    assert score == 1.0 and names == ["vacuum"]


def test_downsample_keeps_spikes_and_leaves_out_empty_buckets() -> None:
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    pts = [(t0 + timedelta(seconds=i), 1.0) for i in range(100)]
    pts[37] = (pts[37][0], 99.0)
    out = downsample(pts, t0, t0 + timedelta(seconds=200), 20)
    assert len(out) == 10  # the second half has no points
    spike = out[3]
    assert spike.n == 10 and spike.max == 99.0 and spike.min == 1.0
    assert spike.mean == pytest.approx((9 + 99) / 10)
    assert downsample(pts, t0, t0, 5) == []
