"""KPIs for any scope and window, and the downtime Pareto: the KPI routes' services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import Field

from linewise.assistant import render
from linewise.assistant.intents import Asked, Intent, intent
from linewise.assistant.toolbox.common import (
    ScopedParams,
    kpi_page,
    scope_and_window,
    window_facts,
    window_query,
    window_words,
)
from linewise.assistant.toolbox.phrasing import scoped_args
from linewise.assistant.tools import ToolContext, ToolRefused, ToolResult, tool
from linewise.core.errors import NotFound
from linewise.domains.performance.pareto import pareto_of
from linewise.domains.performance.service import figures
from linewise.kpi import Convention, ParetoMeasure

KPI_NAMES = (
    "oee",
    "availability",
    "effectiveness",
    "quality_ratio",
    "nee",
    "scrap_ratio",
    "first_pass_yield",
    "mtbf_s",
    "mttr_s",
    "throughput_rate_per_hour",
)


@tool(
    "kpi_figures",
    "ISO 22400 KPIs (OEE, availability, effectiveness, quality, MTBF, MTTR ...) and counts "
    "(good, scrap, rework) of a machine, line, area or site over a window",
    ScopedParams,
    "kpi:read",
)
def kpi_figures(ctx: ToolContext, p: ScopedParams) -> ToolResult:
    sc, resolved, timezone = scope_and_window(ctx, p)
    body = figures(ctx.db, sc, resolved, Convention.ISO_22400, ctx.now)
    kpis = body["kpis"]
    counts = body["counts"]
    elements = body["time_elements_s"]
    facts: dict[str, Any] = {
        "scope": sc.row.code,
        "scope_name": sc.row.name,
        **{name: kpis.get(name) for name in KPI_NAMES},
        "good": counts["GQ"],
        "produced": counts["PQ"],
        "scrap": counts["SQ"],
        "rework": counts["RQ"],
        "down_s": elements["adot"],
        "planned_busy_s": elements["pbt"],
        "failures": body["events"]["failures"],
        **window_facts(resolved),
    }
    query = window_query(p)
    return ToolResult(
        facts,
        f"GET /api/v1/kpi/{p.scope}/{p.id}" + (f"?{query}" if query else ""),
        kpi_page(p.scope, sc, resolved, p, timezone),
        window_words(resolved, timezone),
    )


class ParetoParams(ScopedParams):
    top: int = Field(3, ge=1, le=20)


@tool(
    "downtime_pareto",
    "The biggest downtime causes (by reason) of a machine, line, area or site over a window, "
    "with their duration and number of stops",
    ParetoParams,
    "kpi:read",
)
def downtime_pareto(ctx: ToolContext, p: ParetoParams) -> ToolResult:
    sc, resolved, timezone = scope_and_window(ctx, p)
    try:
        body = pareto_of(
            ctx.db, sc, resolved, "reason", ParetoMeasure.DURATION, True, False, ctx.now
        )
    except NotFound as exc:
        raise ToolRefused(exc.detail, 404) from exc
    rows = body["rows"]
    top = [
        {"reason": r["key"], "duration_s": r["duration_s"], "stops": r["count"]}
        for r in rows[: p.top]
    ]
    query = window_query(p)
    return ToolResult(
        {
            "scope": sc.row.code,
            "top": top,
            "causes": len(rows),
            "total_duration_s": body["total_duration_s"],
            "total_stops": body["total_count"],
            **window_facts(resolved),
        },
        f"GET /api/v1/kpi/{p.scope}/{p.id}/pareto" + (f"?{query}" if query else ""),
        f"/downtime?scope={p.scope}&id={p.id}" + (f"&{query}" if query else ""),
        window_words(resolved, timezone),
    )


# --- intents ---------------------------------------------------------------------------


def _kpi_sentence(
    label: str, key: str, fmt: Callable[[Any], str]
) -> Callable[[ToolResult, Asked], str]:
    def word(result: ToolResult, asked: Asked) -> str:
        f = result.facts
        value = f.get(key)
        if value is None:
            return (
                f"{label} of {f['scope']} for {result.window} cannot be computed: "
                "there was no planned production time with data in it."
            )
        return f"{label} of {f['scope']} for {result.window} is {fmt(value)}."

    return word


def _kpi_intent(
    name: str, cues: tuple[tuple[str, float], ...], label: str, key: str, fmt: Callable[[Any], str]
) -> None:
    intent(
        Intent(
            name,
            cues,
            ("scope",),
            lambda asked: ("kpi_figures", scoped_args(asked)),
            _kpi_sentence(label, key, fmt),
            summary=f"{label} of a machine, line, area or site",
        )
    )


_kpi_intent(
    "oee", ((r"\boee\b|overall equipment|equipment effectiveness", 2.0),), "OEE", "oee", render.pct
)
_kpi_intent(
    "availability",
    ((r"\bavailab|\buptime\b", 1.6),),
    "Availability",
    "availability",
    render.pct,
)
_kpi_intent(
    "performance",
    ((r"\bperformance\b|\beffectiveness\b|\bspeed loss|\brunning at speed", 1.6),),
    "Performance (effectiveness)",
    "effectiveness",
    render.pct,
)
_kpi_intent(
    "quality_ratio",
    ((r"\bquality (?:rate|ratio)\b|\byield\b|\bgood ratio\b", 1.6),),
    "Quality ratio (good / produced)",
    "quality_ratio",
    render.pct,
)
_kpi_intent(
    "mtbf", ((r"\bmtbf\b|mean time between failure", 2.0),), "MTBF", "mtbf_s", render.duration
)
_kpi_intent(
    "mttr",
    ((r"\bmttr\b|mean time to repair|time to repair", 2.0),),
    "MTTR",
    "mttr_s",
    render.duration,
)


def _counted(label: str, key: str) -> Callable[[ToolResult, Asked], str]:
    def word(result: ToolResult, asked: Asked) -> str:
        f = result.facts
        return f"{f['scope']} made {render.count(f[key])} {label} units in {result.window}."

    return word


intent(
    Intent(
        "good_count",
        (
            (r"\bhow (?:many|much)\b", 0.6),
            (r"\bgood\b|\bproduced\b|\bmade\b|\boutput\b|\bunits\b|\bpcbs?\b|\bboards\b", 0.7),
        ),
        ("scope",),
        lambda asked: ("kpi_figures", scoped_args(asked)),
        _counted("good", "good"),
        summary="good units made",
    )
)
intent(
    Intent(
        "scrap_count",
        ((r"\bscrap(?:ped)?\b|\brejects?\b|\brejected\b|\bbad (?:units|boards)\b", 1.4),),
        ("scope",),
        lambda asked: ("kpi_figures", scoped_args(asked)),
        _counted("scrap", "scrap"),
        summary="scrapped units",
    )
)


def _downtime_word(result: ToolResult, asked: Asked) -> str:
    f = result.facts
    if not f["top"]:
        return f"{f['scope']} had no downtime in {result.window}."
    causes = "; ".join(
        f"{t['reason']} {render.duration(t['duration_s'])} ({t['stops']} stops)" for t in f["top"]
    )
    return (
        f"{f['scope']} was down {render.duration(f['total_duration_s'])} in {result.window}; "
        f"the biggest causes: {causes}."
    )


intent(
    Intent(
        "downtime_causes",
        (
            (r"\bdown ?time\b|\bstops?\b|\bstoppages?\b|\bbreakdowns?\b|\bwhat stopped\b", 1.0),
            (
                r"\bwhy\b|\bcauses?\b|\breasons?\b|\bpareto\b|\bbiggest\b|\btop\b|\bmain\b|\bmost\b"
                r"|\bhow long\b",
                0.6,
            ),
        ),
        ("scope",),
        lambda asked: ("downtime_pareto", scoped_args(asked)),
        _downtime_word,
        summary="downtime and its biggest causes",
    )
)
