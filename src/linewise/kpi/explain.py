"""Turn a result into plain JSON-ready data: the numbers, the formulas and their sources.

The explain endpoint and the assistant answer "why is OEE 61 %?" with this: every time
element in seconds, every product's counts and PRU, the formula text of each KPI in the
convention used, and the ids of the state intervals, shifts, planned stops and count
records behind each element.
"""

from __future__ import annotations

from typing import Any

from linewise.kpi.aggregate import LineEvaluation
from linewise.kpi.elements import StopRecord
from linewise.kpi.evaluate import Evaluation
from linewise.kpi.formulas import FORMULAS


def _stop(stop: StopRecord) -> dict[str, Any]:
    return {
        "work_unit": stop.work_unit,
        "state": stop.state.value,
        "start": stop.start.isoformat(),
        "end": stop.end.isoformat(),
        "duration_s": stop.duration.total_seconds(),
        "lost_s": stop.lost.total_seconds(),
        "reason": stop.reason,
        "fault": stop.fault,
        "minor": stop.minor,
        "counted_here": stop.counted,
        "intervals": list(stop.interval_ids),
    }


def explain(evaluation: Evaluation) -> dict[str, Any]:
    """Everything needed to recompute ``evaluation`` by hand, as plain dicts and lists."""
    counts = evaluation.counts
    return {
        "scope": evaluation.scope,
        "parts": list(evaluation.parts),
        "window": {
            "start": evaluation.window.start.isoformat(),
            "end": evaluation.window.end.isoformat(),
            "hours": evaluation.window.duration.total_seconds() / 3600,
        },
        "convention": evaluation.convention.value,
        "time_elements_s": evaluation.elements.as_seconds(),
        "counts": {
            "PQ": counts.produced,
            "GQ": counts.good,
            "SQ": counts.scrap,
            "RQ": counts.rework,
            "IP": counts.inspected,
            "GP": counts.first_pass_good,
            "sum_PRU_x_PQ_s": counts.ideal_produced_s,
            "sum_PRU_x_GQ_s": counts.ideal_good_s,
        },
        "products": [
            {
                "work_unit": p.work_unit,
                "product": p.product,
                "PRU_s": p.ideal_cycle_s,
                "PQ": p.produced,
                "GQ": p.good,
                "SQ": p.scrap,
                "RQ": p.rework,
                "IP": p.inspected,
                "GP": p.first_pass_good,
            }
            for p in evaluation.products
        ],
        "events": {"failures": evaluation.failures, "minor_stops": evaluation.minor_stops},
        "kpis": evaluation.kpis.as_dict(),
        "formulas": dict(FORMULAS[evaluation.convention]),
        "sources": {k: list(v) for k, v in evaluation.sources.items()},
        "stops": [_stop(s) for s in evaluation.stops],
    }


def explain_line(line: LineEvaluation) -> dict[str, Any]:
    """Output-based line OEE with its inputs, and each station explained beside it."""
    return {
        "line": line.line_id,
        "convention": line.convention.value,
        "oee_output_based": line.oee,
        "formula": "Σ(line PRU × GQ out of the last station) / line PBT (largest station PBT)",
        "pbt_s": line.pbt.total_seconds(),
        "good_out": dict(line.good_out),
        "line_PRU_s": dict(line.ideal_cycle_s),
        "stations_combined": explain(line.combined),
        "stations": [explain(s) for s in line.stations],
    }
