"""Delivery: open orders at risk of finishing late, why one order is late, and which
stage causes the delays of the orders due in a window (the /delivery routes' services).
Like the routes they read the latest refresh run's estimates when it is fresh and
forecast every open order for the answer only without one."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from pydantic import AwareDatetime, BaseModel, Field

from linewise.assistant import render
from linewise.assistant.intents import Asked, CannotAnswer, Intent, Plan, intent
from linewise.assistant.toolbox.common import EARLIEST, LATEST, iso
from linewise.assistant.toolbox.orders import OrderParams
from linewise.assistant.toolbox.phrasing import window_args
from linewise.assistant.toolbox.places import (
    SHOWN,
    day_or_week,
    numbers_said,
    site_zone,
    span_words,
)
from linewise.assistant.tools import ToolContext, ToolRefused, ToolResult, tool
from linewise.domains.delivery import service
from linewise.domains.production import repository as orders_repo
from linewise.kpi import TimeWindow

RISKY = 0.5  # the Deliveries page marks an order at risk from a 50 % chance of being late


def _estimate_facts(est: service.Context, e: service.OrderEstimate) -> dict[str, Any]:
    """One order's estimate with the fields and roundings of GET /delivery/orders."""
    o, d = e.order, e.delay
    delay = None
    if d is not None:
        _line_id, code = service.line_label(est, d.line)
        delay = {
            "seq": d.seq,
            "line": code,
            "kind": d.kind,
            "behind_min": round(d.behind_s / 60, 1),
            "cause": d.cause,
        }
    return {
        "number": o.number,
        "status": str(o.status),
        "due_date": iso(o.due_date),
        "eta": iso(e.estimate.finish),
        "p_late": round(e.estimate.p_late, 4),
        "late_by_min": round((e.estimate.finish - o.due_date).total_seconds() / 60, 1),
        "calibrated": e.estimate.calibrated,
        "delay": delay,
    }


def _stored_facts(item: dict[str, Any]) -> dict[str, Any]:
    """The same facts from a stored estimate (``service.stored_orders``/``stored_order``)."""
    d = item["delay"]
    delay = None
    if d is not None:
        delay = {k: d[k] for k in ("seq", "kind", "behind_min", "cause")} | {"line": d["line_code"]}
    return {
        "number": item["number"],
        "status": str(item["status"]),
        "due_date": iso(item["due_date"]),
        "eta": iso(item["eta"]),
        "p_late": item["p_late"],
        "late_by_min": item["late_by_min"],
        "calibrated": item["calibrated"],
        "delay": delay,
    }


def _open_estimates(ctx: ToolContext) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Every open order's facts, riskiest first, and where they come from: the latest
    refresh run when it is fresh (as the route reads it), else a forecast for this read."""
    stored = service.stored_orders(ctx.db, ctx.now, None)
    if stored is not None:
        source = {"stored": True, "as_of": iso(stored["as_of"])}
        return [_stored_facts(i) for i in stored["items"]], source
    est = service.load(ctx.db, ctx.now)
    return [_estimate_facts(est, e) for e in service.estimates(est)], {
        "stored": False,
        "as_of": iso(ctx.now),
    }


class RiskParams(BaseModel):
    threshold: float = Field(RISKY, gt=0, le=1, description="the chance of being late")


@tool(
    "orders_at_risk",
    "Open orders likely to finish after their due date (ETA from the plan, live progress "
    "and learned rates; chance of being late), riskiest first",
    RiskParams,
    "orders:read",
)
def orders_at_risk(ctx: ToolContext, p: RiskParams) -> ToolResult:
    items, source = _open_estimates(ctx)
    risky = [i for i in items if i["p_late"] >= p.threshold]
    return ToolResult(
        source
        | {
            "open_count": len(items),
            "count": len(risky),
            "threshold": p.threshold,
            "numbers": [i["number"] for i in risky[:SHOWN]],
            "more": max(0, len(risky) - SHOWN),
            "orders": risky[:SHOWN],
            "calibrated": bool(items and items[0]["calibrated"]),
            "timezone": site_zone(ctx.db),
        },
        "GET /api/v1/delivery/orders",
        "/deliveries",
    )


@tool(
    "order_delivery",
    "One open order's ETA, chance of being late and the first stage behind its plan with "
    "why (late start, slow, stopped, behind) and the line's reason",
    OrderParams,
    "orders:read",
)
def order_delivery(ctx: ToolContext, p: OrderParams) -> ToolResult:
    order = orders_repo.get_order_by_number(ctx.db, p.number)
    if order is None:
        raise ToolRefused(f"there is no production order numbered {p.number}")
    if order.status not in service.OPEN:  # no forecast of every open order to find out
        raise ToolRefused(f"{order.number} is {order.status}, not open, so it has no ETA")
    stored = service.stored_order(ctx.db, order.id, ctx.now)
    if stored is not None:
        facts = _stored_facts(stored) | {"stored": True, "as_of": iso(stored["as_of"])}
    else:
        est = service.load(ctx.db, ctx.now)
        found = next((e for e in service.estimates(est) if e.order.id == order.id), None)
        if found is None:
            raise ToolRefused(f"{order.number} is {order.status}, not open, so it has no ETA")
        facts = _estimate_facts(est, found) | {"stored": False, "as_of": iso(ctx.now)}
    facts["timezone"] = site_zone(ctx.db)
    return ToolResult(facts, f"GET /api/v1/delivery/orders/{order.id}", f"/orders/{order.number}")


class AttributionParams(BaseModel):
    day: date | None = Field(
        None, ge=EARLIEST, le=LATEST, description="orders due on this site-local day"
    )
    week: str | None = Field(None, max_length=8, description="orders due in this ISO week")
    start: AwareDatetime | None = Field(None, description="from (with end)")
    end: AwareDatetime | None = Field(None, description="to (with start)")


@tool(
    "delay_attribution",
    "Which stage (line) causes the delays of the orders due in a window: their lateness "
    "minutes shared among lines by queueing beyond plan and time lost against plan",
    AttributionParams,
    "orders:read",
)
def delay_attribution(ctx: ToolContext, p: AttributionParams) -> ToolResult:
    zone = site_zone(ctx.db)
    if p.day is None and p.week is None and p.start is None:
        # the route's default: orders due from a week ago to a week ahead
        span = TimeWindow(ctx.now - timedelta(days=7), ctx.now + timedelta(days=7))
        label = "due in the week before and after now"
        query = ""
    else:
        span, label = day_or_week(zone, ctx.now, p.day, p.week, p.start, p.end)
        label = f"due {label}"
        query = f"?from={iso(span.start)}&to={iso(span.end)}".replace("+", "%2B")
    if span.end - span.start > timedelta(days=92):
        raise ToolRefused("the window is longer than the route's 92 days")
    body = service.attribution_at(ctx.db, ctx.now, span.start, span.end)
    stages = [
        {
            "line": s["line_code"],
            "late_min": s["late_min"],
            "wait_min": s["wait_min"],
            "lost_min": s["lost_min"],
            "orders": len(s["orders"]),
            "numbers": s["orders"][:SHOWN],
        }
        for s in body["stages"][:3]
    ]
    return ToolResult(
        {
            "late_orders": body["late_orders"],
            "late_min": body["late_min"],
            "stages": stages,
            "timezone": zone,
        },
        f"GET /api/v1/delivery/attribution{query}",
        "/deliveries",
        span_words(span, label, zone),
    )


# --- intents ---------------------------------------------------------------------------


def _risk_plan(asked: Asked) -> Plan:
    order = asked.mentions.first("order")
    if order is not None:
        return "order_delivery", {"number": order.code}
    return "orders_at_risk", {}


def _risk_word(result: ToolResult, asked: Asked) -> str:
    f = result.facts
    zone = f["timezone"]
    if "number" in f:
        return (
            f"{f['number']} has a {render.pct(f['p_late'])} chance of finishing late: expected "
            f"{render.moment(f['eta'], zone)}, due {render.moment(f['due_date'], zone)}."
        )
    if f["count"] == 0:
        return (
            f"None of the {render.count(f['open_count'])} open orders is at risk "
            f"(a {render.pct(f['threshold'])} or higher chance of finishing late)."
        )
    worst = f["orders"][0]
    return (
        f"{render.count(f['count'])} of {render.count(f['open_count'])} open orders are at "
        f"risk of finishing late ({render.pct(f['threshold'])} chance or more): "
        f"{numbers_said(f['numbers'], f['count'])}; the riskiest, {worst['number']}, "
        f"{render.pct(worst['p_late'])}, expected {render.moment(worst['eta'], zone)}, "
        f"due {render.moment(worst['due_date'], zone)}."
    )


intent(
    Intent(
        "at_risk_orders",
        (
            (
                r"\bat risk\b|\brisk(?:y|iest|s)?\b|\blikely (?:to )?(?:be |run |finish |ship )?"
                r"late\b|\bmight (?:be|run|finish|ship|go) late\b|\bin danger\b|\bgo(?:ing|nna) "
                r"(?:to )?(?:be |run |finish |ship )?late\b|\bwill (?:be|finish|ship) late\b"
                r"|\b(?:miss|missing|slip|slipping) (?:the |their |its )?(?:due|deadline|date)",
                2.2,
            ),
            (r"\b(?:orders|jobs|pos)\b|\bwhich\b|\bhow many\b", 0.3),
        ),
        (),
        _risk_plan,
        _risk_word,
        summary="open orders at risk of being late",
    )
)


def _cause_plan(asked: Asked) -> Plan:
    order = asked.mentions.first("order")
    if order is None:
        raise CannotAnswer("which order? Name it by its number, for example PO-26004")
    return "order_delivery", {"number": order.code}


_KIND = {
    "late_start": "started later than planned",
    "slow": "is running slower than planned",
    "stopped": "is stopped",
    "behind": "is behind its plan",
}


def _cause_word(result: ToolResult, asked: Asked) -> str:
    f = result.facts
    zone = f["timezone"]
    eta = render.moment(f["eta"], zone)
    due = render.moment(f["due_date"], zone)
    d = f["delay"]
    if d is None:
        late = "late" if f["late_by_min"] > 0 else "on time"
        return (
            f"No stage of {f['number']} is behind its plan; it is expected {eta} ({late}, "
            f"due {due})."
        )
    where = f" on {d['line']}" if d["line"] else ""
    cause = f" ({d['cause']})" if d["cause"] else ""
    return (
        f"{f['number']} is held up at stage {d['seq']}{where}: it {_KIND[d['kind']]}{cause}, "
        f"{render.count(d['behind_min'])} min behind plan. Expected {eta}, due {due} "
        f"({render.pct(f['p_late'])} chance of finishing late)."
    )


intent(
    Intent(
        "order_delay_cause",
        (
            (
                r"\bwhy\b.*\b(?:late|delay\w*|behind|slow|stuck|held up|holding|overdue|waiting)\b"
                r"|\bwhat(?:'s| is)? (?:delay\w*|holding (?:up|back)|blocking|slowing)\b"
                r"|\b(?:cause|reason) (?:of|for) (?:the )?(?:delay\w*|lateness)\b"
                r"|\bwhat (?:delay\w*|blocks|holds up|slows)\b|\bstuck\b|\bheld up\b",
                1.7,
            ),
            (r"\border\b|\bpo\b|\bjob\b", 0.2),
        ),
        ("order",),
        _cause_plan,
        _cause_word,
        summary="why an order is late: the stage that holds it up",
    )
)


def _bottleneck_plan(asked: Asked) -> Plan:
    if asked.when is None:
        return "delay_attribution", {}
    if asked.when.shift is not None:
        raise CannotAnswer("delays are counted by the orders due in days or weeks; ask for one")
    if asked.default_site is None:
        raise CannotAnswer("this factory has no site yet")
    return "delay_attribution", window_args(asked.when, asked.default_site, asked.now)


def _bottleneck_word(result: ToolResult, asked: Asked) -> str:
    f = result.facts
    if f["late_orders"] == 0 or not f["stages"]:
        return f"No order {result.window} is late, so no stage is causing delays."
    top = f["stages"][0]
    rest = "; ".join(f"{s['line']} {render.count(s['late_min'])} min" for s in f["stages"][1:])
    return (
        f"{top['line']} causes most of the delay of the {render.count(f['late_orders'])} late "
        f"orders {result.window}: {render.count(top['late_min'])} of "
        f"{render.count(f['late_min'])} late minutes ({render.count(top['wait_min'])} queueing "
        f"beyond plan, {render.count(top['lost_min'])} lost against plan) over "
        f"{render.count(top['orders'])} orders" + (f"; then {rest}." if rest else ".")
    )


intent(
    Intent(
        "bottleneck",
        (
            (
                r"\bbottle ?necks?\b"
                r"|\b(?:which|what) (?:stage|line|station|step|process|area)\b.*"
                r"\b(?:caus\w*|delay\w*|late|slow\w*|hold\w*|block\w*)"
                r"|\bcaus\w* (?:the |most |our |all )?(?:delay\w*|lateness)"
                r"|\bwhere (?:are|do|is) (?:we|orders|the delay\w*)\b.*\b(?:los\w*|delay\w*|late)"
                r"|\bwhy are (?:the |our |so many |all )?(?:orders|jobs|pos)\b.*"
                r"\b(?:late|delay\w*|behind)\b",
                2.4,
            ),
            (r"\bplan\b|\bschedule\b|\borders\b", 0.2),
        ),
        (),
        _bottleneck_plan,
        _bottleneck_word,
        summary="which stage causes the delays of the orders due in a window",
    )
)
