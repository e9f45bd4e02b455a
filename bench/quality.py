"""Quality benchmark: what evaluating a new reading costs.

1. Engine: an I-MR chart over the latest 125 readings plus all eight Nelson rules (what
   runs on each new reading), beside the bare arithmetic mean of the same 125 values
   (a floor for "touching every value once") measured in the same run.
2. Service, on SQLite: recording one inspection result with one measured variable
   (validation, first-pass lookup, insert, the chart and the rules, the signal rows)
   beside recording the same result without a measurement (no SPC), in the same run.

    python bench/quality.py            # 2000 engine runs, 400 recorded results
    python bench/quality.py --quick    # smoke run

Prints a table and writes bench/results/quality.json.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
RESULTS = ROOT / "bench" / "results"


def _pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def engine_bench(runs: int) -> dict[str, Any]:
    from linewise.spc import NELSON, evaluate_rules, imr_chart

    rng = random.Random(1)
    values = [rng.gauss(5.0, 0.03) for _ in range(125)]
    spc, base = [], []
    for _ in range(runs):
        t = time.perf_counter()
        chart = imr_chart(values)
        evaluate_rules(chart.points, NELSON)
        spc.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        _ = sum(values) / len(values)
        base.append((time.perf_counter() - t) * 1000)
    return {
        "spc_p50_ms": statistics.median(spc),
        "spc_p99_ms": _pct(spc, 0.99),
        "baseline_p50_ms": statistics.median(base),
    }


def service_bench(results: int) -> dict[str, Any]:
    from sqlalchemy.orm import Session

    import linewise.models  # noqa: F401  (every table)
    from linewise.core.db import Base, make_engine
    from linewise.domains.production.models import Product, RoutingStep
    from linewise.domains.quality import service
    from linewise.domains.quality.models import Characteristic, InspectionPlan

    tmp = tempfile.mkdtemp()
    engine = make_engine(f"sqlite:///{tmp}/bench.db")
    Base.metadata.create_all(engine)
    with Session(engine) as db:
        product = Product(code="P", name="P", family="f")
        product.steps = [RoutingStep(seq=1, name="T", work_center_type="TEST")]
        db.add(product)
        db.flush()
        plan = InspectionPlan(product_id=product.id, step_seq=1, name="ICT")
        db.add(plan)
        db.flush()
        char = Characteristic(
            plan_id=plan.id, name="U", kind="variable", lsl=4.75, usl=5.25, chart="imr",
            subgroup_size=1, rules=[f"nelson{i}" for i in range(1, 9)],
        )  # fmt: skip
        # An attribute on a p chart in samples of 12 verdicts (a window of 125 samples
        # is 1,500 verdicts: their sums and the last 15 samples are read per evaluation).
        scan = Characteristic(
            plan_id=plan.id, name="Scan", kind="attribute", chart="p", subgroup_size=12,
            rules=["we1", "we2", "we3", "we4"],
        )  # fmt: skip
        db.add_all([char, scan])
        db.commit()
        pid, plan_id, char_id, scan_id = product.id, plan.id, char.id, scan.id
    rng = random.Random(2)
    t0 = datetime(2026, 12, 1, tzinfo=UTC)

    def record(i: int, with_value: bool, verdict: bool = False) -> float:
        if verdict:
            measured = (service.MeasurementData(scan_id, None, rng.random() > 0.02),)
        elif with_value:
            measured = (service.MeasurementData(char_id, rng.gauss(5.0, 0.03), None),)
        else:
            measured = ()
        data = service.InspectionData(
            product_id=pid,
            step_seq=1,
            plan_id=plan_id,
            serial=f"{'A' if verdict else 'V' if with_value else 'N'}{i}",
            inspected_at=t0 + timedelta(seconds=i),
            measurements=measured,
        )
        with Session(engine) as db:
            t = time.perf_counter()
            service.record_inspection(db, data, actor="bench")
            db.commit()
            return (time.perf_counter() - t) * 1000

    for i in range(130):  # a full chart window before measuring
        record(i, True)
    with_spc = [record(1000 + i, True) for i in range(results)]
    without = [record(1000 + i, False) for i in range(results)]
    for i in range(125 * 12):  # a full window of samples
        record(i, False, verdict=True)
    # every verdict: the p50 is of verdicts that fill a sample, each 12th completes one
    # (the window's sums and its last 15 samples, chart and evaluate four rules)
    verdicts = [record(5000 + i, False, verdict=True) for i in range(results)]
    completing = verdicts[11::12]
    return {
        "verdict_p50_ms": statistics.median(verdicts),
        "verdict_completing_p50_ms": statistics.median(completing),
        "verdict_completing_max_ms": max(completing),
        "record_spc_p50_ms": statistics.median(with_spc),
        "record_spc_p99_ms": _pct(with_spc, 0.99),
        "record_plain_p50_ms": statistics.median(without),
        "record_plain_p99_ms": _pct(without, 0.99),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    runs, results = (200, 40) if args.quick else (2000, 400)
    eng = engine_bench(runs)
    svc = service_bench(results)
    rows = [
        ("engine: I-MR over 125 + 8 Nelson rules (p50)", eng["spc_p50_ms"],
         "mean of 125 values", eng["baseline_p50_ms"]),
        ("engine: same (p99)", eng["spc_p99_ms"], "", None),
        ("service: record + SPC, SQLite (p50)", svc["record_spc_p50_ms"],
         "record without a value", svc["record_plain_p50_ms"]),
        ("service: record + SPC, SQLite (p99)", svc["record_spc_p99_ms"],
         "record without a value", svc["record_plain_p99_ms"]),
        ("service: attribute verdict, p chart n=12 (p50)", svc["verdict_p50_ms"],
         "record without a value", svc["record_plain_p50_ms"]),
        ("service: verdict completing a sample (p50)", svc["verdict_completing_p50_ms"],
         "record without a value", svc["record_plain_p50_ms"]),
        ("service: verdict completing a sample (max)", svc["verdict_completing_max_ms"],
         "", None),
    ]  # fmt: skip
    print(f"{'measure':48} {'ms':>8}  {'baseline':26} {'ms':>8} {'ratio':>7}")
    for name, ms, base_name, base in rows:
        ratio = f"{ms / base:7.1f}" if base else ""
        base_ms = f"{base:8.4f}" if base is not None else ""
        print(f"{name:48} {ms:8.3f}  {base_name:26} {base_ms:>8} {ratio}")
    RESULTS.mkdir(exist_ok=True)
    out = {"engine": eng, "service": svc, "runs": runs, "results": results}
    (RESULTS / "quality.json").write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
