"""The published plan on a line (a day of the Gantt, what runs next) and what the line is
running now on the floor, each as its route reads it."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field

from linewise.assistant import render
from linewise.assistant.intents import Asked, CannotAnswer, Intent, Plan, intent
from linewise.assistant.toolbox.common import EARLIEST, LATEST, iso
from linewise.assistant.toolbox.phrasing import window_args
from linewise.assistant.toolbox.places import day_or_week, line_for, line_of, site_zone, span_words
from linewise.assistant.tools import ToolContext, ToolRefused, ToolResult, tool
from linewise.domains.planning import gantt
from linewise.domains.planning import repository as plan_repo
from linewise.ingest.floor import floor_snapshot

SHOWN_OPS = 6


class LineDayParams(BaseModel):
    line_id: int = Field(ge=1, le=2_147_483_647)
    day: date | None = Field(
        None, ge=EARLIEST, le=LATEST, description="a site-local day; nothing: today"
    )
    week: str | None = Field(None, max_length=8, description="an ISO week instead of a day")


def _planned_op(op: dict[str, Any]) -> dict[str, Any]:
    return {
        "order": op["order_number"],
        "product": op["product_code"],
        "seq": op["seq"],
        "name": op["name"],
        "start": iso(op["start"]),
        "end": iso(op["end"]),
    }


@tool(
    "line_plan",
    "What the published plan puts on a line on a day (or in a week): the operations with "
    "their orders, start and end",
    LineDayParams,
    "schedules:read",
)
def line_plan(ctx: ToolContext, p: LineDayParams) -> ToolResult:
    # The Gantt (GET /plans/{id}) shows every line to whoever may read schedules; the
    # line itself must exist.
    from linewise.domains.equipment.repository import line_by_id

    line = line_by_id(ctx.db, p.line_id)
    if line is None:
        raise ToolRefused(f"line {p.line_id} does not exist")
    zone = site_zone(ctx.db, [line.id])
    span, label = day_or_week(zone, ctx.now, p.day, p.week)
    plan = plan_repo.published_plan(ctx.db)
    if plan is None:
        raise ToolRefused("no plan is published")
    body = gantt.gantt(ctx.db, plan)
    ops: list[dict[str, Any]] = next(
        (ln["operations"] for ln in body["lines"] if ln["line_id"] == line.id), []
    )
    inside = [o for o in ops if o["start"] < span.end and o["end"] > span.start]
    orders = list(dict.fromkeys(o["order_number"] for o in inside))
    return ToolResult(
        {
            "line": line.code,
            "plan_id": plan.id,
            "count": len(inside),
            "orders": orders,
            "order_count": len(orders),
            "operations": [_planned_op(o) for o in inside[:SHOWN_OPS]],
            "more": max(0, len(inside) - SHOWN_OPS),
            "timezone": zone,
        },
        f"GET /api/v1/plans/{plan.id}",
        f"/schedule?plan={plan.id}",
        span_words(span, label, zone),
    )


class LineParams(BaseModel):
    line_id: int = Field(ge=1, le=2_147_483_647)
    limit: int = Field(3, ge=1, le=50)


@tool(
    "line_next",
    "What the floor does next on a line, from the published plan (operations not yet "
    "finished, earliest first)",
    LineParams,
    "schedules:read",
)
def line_next(ctx: ToolContext, p: LineParams) -> ToolResult:
    line = line_for(ctx.db, ctx.principal, p.line_id)
    zone = site_zone(ctx.db, [line.id])
    plan = plan_repo.published_plan(ctx.db)
    if plan is None:
        raise ToolRefused("no plan is published")
    rows = plan_repo.next_on_line(ctx.db, plan.id, line.id, ctx.now, p.limit)
    items = [gantt.next_item(r, status) for r, status in rows]
    return ToolResult(
        {
            "line": line.code,
            "plan_id": plan.id,
            "operations": [
                _planned_op(i) | {"status": str(i["status"]) if i["status"] else None}
                for i in items
            ],
            "count": len(items),
            "timezone": zone,
        },
        f"GET /api/v1/plans/published/next?line_id={line.id}&limit={p.limit}",
        f"/schedule?line={line.code}",
    )


class FloorLineParams(BaseModel):
    line_id: int = Field(ge=1, le=2_147_483_647)


@tool(
    "line_running",
    "The order a line is working on now (or setting up for), its stage, good and scrap "
    "so far and progress, as the floor view shows it",
    FloorLineParams,
    "floor:read",
)
def line_running(ctx: ToolContext, p: FloorLineParams) -> ToolResult:
    line = line_for(ctx.db, ctx.principal, p.line_id)
    areas = ctx.principal.area_ids if ctx.principal.area_scoped else None
    snap = floor_snapshot(ctx.db, area_ids=areas, now=ctx.now)
    shown = next((ln for ln in snap["lines"] if ln["id"] == line.id), None)
    if shown is None:
        raise ToolRefused(f"line {line.code} is outside your areas")
    order = next((m["order"] for m in shown["machines"] if m["order"]), None)
    states = sorted({m["state"] for m in shown["machines"]})
    return ToolResult(
        {
            "line": line.code,
            "states": states,
            "order": None
            if order is None
            else {
                "number": order["number"],
                "seq": order["seq"],
                "name": order["name"],
                "quantity": order["quantity"],
                "good": order["good"],
                "scrap": order["scrap"],
                "progress": order["progress"],
                "due_date": order["due_date"],
                "setup": order["setup"],
            },
            "timezone": site_zone(ctx.db, [line.id]),
        },
        "GET /api/v1/floor",
        "/floor",
    )


# --- intents ---------------------------------------------------------------------------


def _line_day_plan(asked: Asked) -> Plan:
    line = line_of(asked)
    args: dict[str, Any] = {"line_id": line.id}
    if re.search(r"\btomorrow\b|\btmrw\b", asked.text):
        # a plan looks ahead; the windows of the grammar look back
        args["day"] = asked.now.astimezone(ZoneInfo(line.timezone)).date() + timedelta(days=1)
    elif asked.when is not None:
        if asked.when.shift is not None or asked.when.days is not None:
            raise CannotAnswer("I read the plan by day or week; ask for one")
        args.update(window_args(asked.when, line, asked.now))
    return "line_plan", args


def _span(start: str, end: str, zone: str) -> str:
    """ "Tue 08 Dec 14:30–Tue 08 Dec 16:00 Europe/Berlin": both ends as facts' moments."""
    return (
        f"{render.datetime_phrases(datetime.fromisoformat(start), zone)[1]}–"
        f"{render.moment(end, zone)}"
    )


def _ops_said(ops: list[dict[str, Any]], zone: str) -> str:
    return "; ".join(f"{o['order']} {o['name']} {_span(o['start'], o['end'], zone)}" for o in ops)


def _plan_word(result: ToolResult, asked: Asked) -> str:
    f = result.facts
    if f["count"] == 0:
        return f"Nothing is planned on {f['line']} for {result.window} in the published plan."
    more = f" and {f['more']} more" if f["more"] else ""
    return (
        f"The published plan has {render.count(f['count'])} operations of "
        f"{render.count(f['order_count'])} orders on {f['line']} for {result.window}: "
        f"{_ops_said(f['operations'], f['timezone'])}{more}."
    )


intent(
    Intent(
        "plan_on_line",
        (
            (r"\bplan(?:ned|s)?\b|\bschedul\w*\b|\bon the (?:board|books)\b|\blined up\b", 1.2),
            (r"\bwhat\b|\bwhich\b|\bshow\b|\bon\b", 0.2),
        ),
        ("line", "machine"),
        _line_day_plan,
        _plan_word,
        summary="what the published plan puts on a line on a day",
    )
)


def _next_plan(asked: Asked) -> Plan:
    return "line_next", {"line_id": line_of(asked).id}


def _next_word(result: ToolResult, asked: Asked) -> str:
    f = result.facts
    if not f["operations"]:
        return f"Nothing more is planned on {f['line']} in the published plan."
    first = f["operations"][0]
    zone = f["timezone"]
    then = f["operations"][1:]
    rest = "; then " + _ops_said(then, zone) if then else ""
    status = " (already started)" if first["status"] == "in_progress" else ""
    return (
        f"Next on {f['line']}: {first['order']} {first['name']}{status}, planned "
        f"{_span(first['start'], first['end'], zone)}{rest}."
    )


intent(
    Intent(
        "next_on_line",
        (
            (
                r"\bnext\b|\bup next\b|\bcoming up\b|\bafter (?:this|that|the current)\b"
                r"|\bin the queue\b|\bqueued\b|\bafterwards\b",
                1.8,
            ),
            (r"\bwhat\b|\bwhich\b|\brun\w*\b|\bon\b", 0.2),
        ),
        ("line", "machine"),
        _next_plan,
        _next_word,
        summary="what runs next on a line",
    )
)


def _running_plan(asked: Asked) -> Plan:
    return "line_running", {"line_id": line_of(asked).id}


def _running_word(result: ToolResult, asked: Asked) -> str:
    f = result.facts
    o = f["order"]
    if o is None:
        return f"{f['line']} is running no order now (machines: {', '.join(f['states'])})."
    if o["setup"]:
        return f"{f['line']} is setting up for {o['number']}, stage {o['seq']} {o['name']}."
    return (
        f"{f['line']} is running {o['number']}, stage {o['seq']} {o['name']}: "
        f"{render.count(o['good'])} of {render.count(o['quantity'])} good "
        f"({render.pct(o['progress'])}), {render.count(o['scrap'])} scrap, due "
        f"{render.moment(o['due_date'], f['timezone'])}."
    )


intent(
    Intent(
        "running_on_line",
        (
            (
                r"\b(?:running|producing|making|building|doing|on the line|working on|run)\b",
                1.2,
            ),
            (r"\bright now\b|\bcurrently\b|\bat the moment\b|\bnow\b", 0.3),
            # "what is not running" asks for the stopped machines.
            (r"\bnot (?:running|producing|working)\b", -1.5),
            (r"\bwhat\b|\bwhich (?:order|job|po)\b|\bwhat(?:'s| is)\b", 0.3),
            # "what order is SMT-1 running" asks for the order, not the machines' states.
            (
                r"\b(?:what|which) (?:order|job|po|product|work order)\b"
                r"|\bwhat(?:'s| is) (?:the )?\S+(?: \S+)? (?:running|making|producing|building)\b",
                0.8,
            ),
        ),
        ("line", "machine"),
        _running_plan,
        _running_word,
        summary="the order a line is running now",
    )
)
