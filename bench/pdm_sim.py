"""Early warnings on the simulated factory: the streaming anomaly detector against the
simulator's ground truth. The simulator's telemetry drifts over the last operating hours
before a wear failure (``SimParams.drift_horizon_h``); other failures come unannounced.

Per seeded run of the demo factory: every machine's telemetry goes through the two live
detectors a site can choose (``LINEWISE_ANOMALY_DETECTOR``): ``art``, the default (the
novelty detector with the fuzzy ART detector beside it), and ``novelty`` (the novelty
detector alone), each a ``MachineDetector`` with its machine defaults (a day of samples
to learn each signal's range, an alarm at score 1: a level outside that range or never
seen, or a new ART cluster; a signal rests 60 samples after its alarm, the machine 360),
and each alarm is compared with the ground truth's breakdowns of that machine:

- a failure is **warned** when an alarm falls in the 12 hours before it starts (wall
  clock; the drift spans 6 operating hours), the **lead time** is from the first such
  alarm to the failure;
- an alarm that warns of no failure and does not fall inside a stop or the hour after
  it (a restart) is a **false warning**; reported per machine per week.

Baseline in the same run: a static limit per signal (the mean ± 4 standard deviations
of its first day), the classic condition-monitoring alarm.

    python bench/pdm_sim.py [--weeks 2] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
RESULTS = ROOT / "bench" / "results"

from linewise.analytics.anomaly import MachineDetector  # noqa: E402
from linewise.demo.factory import build_factory  # noqa: E402
from linewise.simulation.engine import Simulation  # noqa: E402

WARN_BEFORE = timedelta(hours=12)
AFTER_STOP = timedelta(hours=1)
LEARN = 1440  # samples the detector learns a signal's range from: a day at one a minute


class StaticLimits:
    """Mean ± k sigma of each signal's first ``learn`` samples; an alarm per excursion."""

    def __init__(self, learn: int = 1440, k: float = 4.0, rest: int = 60) -> None:
        self.learn, self.k, self.rest = learn, k, rest
        self.seen: dict[str, list[float]] = defaultdict(list)
        self.limits: dict[str, tuple[float, float]] = {}
        self.since = 1 << 30

    def update(self, signals: dict[str, float]) -> bool:
        self.since += 1
        hit = False
        for name, v in signals.items():
            lim = self.limits.get(name)
            if lim is None:
                s = self.seen[name]
                s.append(v)
                if len(s) >= self.learn:
                    mu, sd = statistics.fmean(s), statistics.pstdev(s) or 1e-9
                    self.limits[name] = (mu - self.k * sd, mu + self.k * sd)
                continue
            hit = hit or not lim[0] <= v <= lim[1]
        if hit and self.since >= self.rest:
            self.since = 0
            return True
        return False


def _ts(s: str) -> datetime:
    return datetime.fromisoformat(s.replace("Z", "+00:00"))


def evaluate(
    alarms: dict[str, list[datetime]], breakdowns: list[Any], machines: int, weeks: float
) -> dict[str, Any]:
    by_machine: dict[str, list[Any]] = defaultdict(list)
    for b in breakdowns:
        by_machine[b.machine].append(b)
    warned_leads: list[float] = []
    drifted = [b for b in breakdowns if b.drifted]
    for b in drifted:
        early = [a for a in alarms.get(b.machine, []) if b.start - WARN_BEFORE <= a < b.start]
        if early:
            warned_leads.append((b.start - min(early)).total_seconds() / 3600)
    false = 0
    for machine, times in alarms.items():
        for a in times:
            explained = False
            for b in by_machine.get(machine, []):
                end = b.end or b.start
                if b.start - WARN_BEFORE <= a < b.start or b.start <= a < end + AFTER_STOP:
                    explained = True
                    break
            false += 0 if explained else 1
    unannounced = [b for b in breakdowns if not b.drifted]
    return {
        "failures_with_drift": len(drifted),
        "failures_without_drift": len(unannounced),
        "warned": len(warned_leads),
        "warned_share": len(warned_leads) / len(drifted) if drifted else None,
        "lead_h_median": statistics.median(warned_leads) if warned_leads else None,
        "lead_h_min": min(warned_leads) if warned_leads else None,
        "false_warnings": false,
        "false_per_machine_week": false / (machines * weeks),
    }


def run(weeks: float, seed: int, learn: int = LEARN, threshold: float = 1.0) -> dict[str, Any]:
    start = datetime(2026, 3, 2, tzinfo=UTC)
    spec = build_factory(start, around_the_clock=True)
    sim = Simulation(spec, start, timedelta(weeks=weeks), seed)
    ours: dict[str, MachineDetector] = {}
    both: dict[str, MachineDetector] = {}  # the same with the ART detector beside it
    base: dict[str, StaticLimits] = {}
    a_ours: dict[str, list[datetime]] = defaultdict(list)
    a_both: dict[str, list[datetime]] = defaultdict(list)
    a_base: dict[str, list[datetime]] = defaultdict(list)
    cost_both = 0.0
    t0 = time.perf_counter()
    samples = 0
    cost = 0.0
    for event in sim.run():
        if event["type"] != "telemetry":
            continue
        m = event["machine"]
        signals = event["signals"]
        ts = _ts(event["ts"])
        samples += 1
        c0 = time.perf_counter()
        _, names = ours.setdefault(m, MachineDetector(threshold, learn=learn)).update(signals)
        cost += time.perf_counter() - c0
        if names:
            a_ours[m].append(ts)
        c0 = time.perf_counter()
        d = both.setdefault(m, MachineDetector(threshold, learn=learn, art={}))
        _, names = d.update(signals)
        cost_both += time.perf_counter() - c0
        if names:
            a_both[m].append(ts)
        if base.setdefault(m, StaticLimits()).update(signals):
            a_base[m].append(ts)
    truth = sim.ground_truth()
    machines = len({mc.code for line in spec.lines for mc in line.machines})
    return {
        "weeks": weeks,
        "seed": seed,
        "machines": machines,
        "samples": samples,
        "run_s": time.perf_counter() - t0,
        "detector_us_per_machine_sample": cost / max(1, samples) * 1e6,
        "with_art_us_per_machine_sample": cost_both / max(1, samples) * 1e6,
        "ours": evaluate(a_ours, truth.breakdowns, machines, weeks),
        "with_art": evaluate(a_both, truth.breakdowns, machines, weeks),
        "static_limits": evaluate(a_base, truth.breakdowns, machines, weeks),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--weeks", type=float, default=2.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--learn", type=int, default=LEARN)
    ap.add_argument("--threshold", type=float, default=1.0)
    args = ap.parse_args()
    r = run(args.weeks, args.seed, args.learn, args.threshold)
    print(f"demo factory, {r['weeks']:g} simulated weeks, seed {r['seed']}: "
          f"{r['machines']} machines, {r['samples']} telemetry samples")  # fmt: skip
    o, b = r["ours"], r["static_limits"]
    print(f"failures: {o['failures_with_drift']} announced by drift, "
          f"{o['failures_without_drift']} unannounced")  # fmt: skip

    def fmt(v: Any, p: str = ".2f") -> str:
        return "-" if v is None else format(v, p)

    print(f"  {'':28s} {'warned':>8s} {'lead h (median)':>16s} {'false / machine-week':>21s}")
    named = [("default (art)", r["with_art"]), ("novelty setting", o)]
    for name, x in [*named, ("static limits (baseline)", b)]:
        share, lead = fmt(x["warned_share"], ".0%"), fmt(x["lead_h_median"])
        print(f"  {name:28s} {share:>8s} {lead:>16s} {fmt(x['false_per_machine_week']):>21s}")
    print(f"  detector cost: {r['detector_us_per_machine_sample']:.1f} µs per machine sample"
          f" ({r['with_art_us_per_machine_sample']:.1f} with ART)")  # fmt: skip
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "pdm_sim.json").write_text(json.dumps(r, indent=2, default=str))


if __name__ == "__main__":
    main()
