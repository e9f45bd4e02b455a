"""Quality: first pass yield and the other quality figures, characteristics out of
statistical control, and open nonconformances, as the quality routes give them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import select

from linewise.assistant import render
from linewise.assistant.intents import Asked, Intent, Plan, intent
from linewise.assistant.toolbox.common import (
    ScopedParams,
    areas_of,
    iso,
    scope_and_window,
    window_words,
)
from linewise.assistant.toolbox.phrasing import scoped_args
from linewise.assistant.toolbox.scoping import (
    WHICH,
    ScopeParams,
    checked_scope,
    scope_args,
    scope_lines,
    zone_of,
)
from linewise.assistant.tools import ToolContext, ToolResult, tool
from linewise.assistant.when import When
from linewise.core.time import utcnow
from linewise.domains.equipment.models import Line, Machine, Site
from linewise.domains.production.models import Product
from linewise.domains.quality import repository as quality_repo
from linewise.domains.quality import service as quality

# The quality routes' default window.
LAST_7_DAYS = When("the last 7 days", days=7)


class QualityParams(ScopedParams):
    product_id: int | None = Field(
        None, description="only this product's results", ge=1, le=2_147_483_647
    )


def _iso_q(value: datetime) -> str:
    return value.isoformat().replace("+", "%2B")


@tool(
    "quality_figures",
    "First pass yield (overall and per step), rolled throughput yield, scrap and rework "
    "ratios and DPMO from inspection results of a line, area or site over a window",
    QualityParams,
    "quality:read",
)
def quality_figures(ctx: ToolContext, p: QualityParams) -> ToolResult:
    sc, resolved, timezone = scope_and_window(ctx, p)
    # As GET /quality/figures: the asker's lines (all for the whole site), narrowed to the
    # scope's; results recorded on no line count everywhere, as the route counts them.
    lines = scope_lines(ctx, sc)
    start, end = resolved.window.start, resolved.window.end
    body = quality.figures(ctx.db, start, end, product_id=p.product_id, line_ids=lines)
    product = ctx.db.get(Product, p.product_id) if p.product_id is not None else None
    facts: dict[str, Any] = {
        "scope": sc.row.code,
        "product": product.code if product is not None else None,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "timezone": timezone,
        **{
            k: body[k]
            for k in (
                "inspected",
                "first_pass_good",
                "fpy",
                "rty",
                "produced",
                "scrap_quantity",
                "rework_quantity",
                "scrap_ratio",
                "rework_ratio",
                "defects",
                "dpmo",
            )
        },
        "steps": [
            {
                "step_seq": s["step_seq"],
                "inspected": s["inspected"],
                "fpy": s["fpy"],
            }
            for s in body["steps"]
        ],
    }
    query = f"from={_iso_q(start)}&to={_iso_q(end)}"
    if p.product_id is not None:
        query += f"&product_id={p.product_id}"
    return ToolResult(
        facts,
        f"GET /api/v1/quality/figures?{query}",
        "/quality",
        window_words(resolved, timezone),
    )


@tool(
    "spc_out_of_control",
    "Characteristics marked out of statistical control and not yet cleared, with the run "
    "rules of their latest signal and where they were read, of a machine, line, area or site",
    ScopeParams,
    "quality:read",
)
def spc_out_of_control(ctx: ToolContext, p: ScopeParams) -> ToolResult:
    sc = checked_scope(ctx, p)
    visible = quality.visible_lines(ctx.db, areas_of(ctx))
    scoped = scope_lines(ctx, sc)
    wanted = None if scoped is None else set(scoped)
    machine = p.id if p.scope == "machine" else None
    items = []
    # As GET /quality/out-of-control: marks read on a visible line, or on no line.
    for c in quality_repo.out_of_control(ctx.db, utcnow()):
        if visible is not None and c.line_id is not None and c.line_id not in visible:
            continue
        if wanted is not None and c.line_id is not None and c.line_id not in wanted:
            continue
        if machine is not None and c.machine_id not in (None, machine):
            continue
        items.append(c)
    line_codes = dict(ctx.db.query(Line.id, Line.code).all())
    machine_codes = dict(ctx.db.query(Machine.id, Machine.code).all())
    facts: dict[str, Any] = {
        "scope": sc.row.code,
        "timezone": zone_of(sc),
        "count": len(items),
        "items": [
            {
                "characteristic_id": c.characteristic_id,
                "name": c.name,
                "since": iso(c.since),
                "rules": list(c.rules),
                "machine": machine_codes.get(c.machine_id) if c.machine_id else None,
                "line": line_codes.get(c.line_id) if c.line_id else None,
            }
            for c in items
        ],
    }
    query = f"?line_id={p.id}" if p.scope == "line" else ""
    return ToolResult(facts, f"GET /api/v1/quality/out-of-control{query}", "/quality")


class NonconformanceParams(BaseModel):
    limit: int = Field(5, ge=1, le=50, description="how many of the newest to list")


@tool(
    "open_nonconformances",
    "Open nonconformances (newest first): what is wrong, how many units, which lot, "
    "whether it is on hold",
    NonconformanceParams,
    "quality:read",
)
def open_nonconformances(ctx: ToolContext, p: NonconformanceParams) -> ToolResult:
    items, total = quality.list_nonconformances(ctx.db, status="open", limit=p.limit)
    products = dict(ctx.db.query(Product.id, Product.code).all())
    # Nonconformances name no line: their times read in the (first) site's zone.
    zone = ctx.db.scalar(select(Site.timezone).order_by(Site.id).limit(1)) or "UTC"
    facts: dict[str, Any] = {
        "timezone": zone,
        "total": total,
        "on_hold": sum(1 for n in items if n.hold),
        "listed": len(items),
        "items": [
            {
                "id": n.id,
                "description": n.description,
                "product": products.get(n.product_id),
                "quantity": n.quantity,
                "lot": n.lot,
                "hold": n.hold,
                "created_at": iso(n.created_at),
            }
            for n in items
        ],
    }
    return ToolResult(
        facts, f"GET /api/v1/quality/nonconformances?status=open&limit={p.limit}", "/quality"
    )


# --- intents ---------------------------------------------------------------------------


def _quality_args(asked: Asked) -> Plan:
    args = scoped_args(asked, LAST_7_DAYS)
    product = asked.mentions.of("product")
    if product:
        args["product_id"] = product[0].id
    return "quality_figures", args


def _fpy_word(result: ToolResult, asked: Asked) -> str:
    f = result.facts
    of = f"{f['scope']}" + (f" ({f['product']})" if f["product"] else "")
    if not f["inspected"]:
        return f"{of} has no inspection results in {result.window}: no first pass yield."
    steps = ""
    if len(f["steps"]) > 1:
        steps = " By step: " + ", ".join(
            f"step {s['step_seq']} {render.pct(s['fpy'])}" for s in f["steps"]
        )
        steps += f"; rolled throughput yield {render.pct(f['rty'])}."
    dpmo = f", DPMO {f['dpmo']:,.0f}" if f["dpmo"] is not None else ""
    return (
        f"First pass yield of {of} for {result.window} is {render.pct(f['fpy'])} "
        f"({render.count(f['first_pass_good'])} of {render.count(f['inspected'])} "
        f"inspected passed first time; {render.count(f['defects'])} defects{dpmo})." + steps
    )


intent(
    Intent(
        "first_pass_yield",
        (
            (
                r"\bfirst[- ]?pass\b|\bfpy\b|\brty\b|\brolled throughput\b|\bdpmo\b"
                r"|\bdefects? per\b|\bfirst[- ]time[- ]right\b|\bright first time\b"
                r"|\bquality figures\b|\bquality (?:kpis?|numbers|stats)\b|\bpass rate\b"
                r"|\binspection (?:results?|figures)\b|\bhow (?:good|bad) is (?:the )?quality\b",
                2.0,
            ),
        ),
        ("scope",),
        _quality_args,
        _fpy_word,
        summary="first pass yield and quality figures",
    )
)


def _spc_word(result: ToolResult, asked: Asked) -> str:
    f = result.facts
    if not f["count"]:
        return f"No characteristic of {f['scope']} is out of control now."
    zone = f["timezone"]
    parts = []
    for c in f["items"][:6]:
        where = c["machine"] or c["line"]
        at = f" on {where}" if where else ""
        parts.append(
            f"{c['name']}{at} since {render.moment(c['since'], zone)} ({', '.join(c['rules'])})"
        )
    more = "" if f["count"] <= 6 else "; and others"
    return (
        f"{f['count']} characteristics of {f['scope']} are out of control: "
        + "; ".join(parts)
        + more
        + "."
    )


intent(
    Intent(
        "spc_violations",
        (
            (
                r"\bspc\b|\bout of (?:statistical )?control\b|\bcontrol charts?\b"
                r"|\bcontrol limits?\b|\brun rules?\b|\bwestern electric\b|\bnelson rules?\b"
                r"|\bprocess (?:drift|out)\b|\bcharts? (?:alarms?|signals?|violations?)\b"
                r"|\bsignals? on (?:the )?charts?\b",
                2.0,
            ),
            (r"\bviolations?\b|\bsignals?\b|\bopen\b|\bcharts?\b", 0.3),
        ),
        ("scope",),
        lambda asked: ("spc_out_of_control", scope_args(asked)),
        _spc_word,
        summary="characteristics out of statistical control",
    )
)


def _ncr_word(result: ToolResult, asked: Asked) -> str:
    f = result.facts
    if not f["total"]:
        return "There is no open nonconformance."
    zone = f["timezone"]
    parts = []
    for n in f["items"]:
        lot = f", lot {n['lot']}" if n["lot"] else ""
        hold = ", on hold" if n["hold"] else ""
        parts.append(
            f"#{n['id']} {n['product']}: {n['description']} ({render.count(n['quantity'])} "
            f"units{lot}{hold}, opened {render.moment(n['created_at'], zone)})"
        )
    return (
        f"{f['total']} nonconformances are open; the newest {f['listed']}: "
        + "; ".join(parts)
        + "."
    )


intent(
    Intent(
        "open_nonconformances",
        (
            (
                r"\bnon-? ?conformanc\w*|\bncrs?\b|\bncs\b|\bquality (?:issues|problems|holds)\b"
                r"|\b(?:lots?|units|serials|batches) on hold\b|\bholds?\b|\bquarantined\b"
                r"|\bdefective (?:lots?|batches)\b|\bwhat is on hold\b",
                2.0,
            ),
            (r"\bon hold\b|\bblocked (?:lots?|units)\b", 1.2),
            (r"\bopen\b|\bunresolved\b|\bpending\b|" + WHICH, 0.3),
            (r"\bpo-?\s?\d+|\border\b", -3.5),
        ),
        (),
        lambda asked: ("open_nonconformances", {}),
        _ncr_word,
        summary="open nonconformances",
    )
)
