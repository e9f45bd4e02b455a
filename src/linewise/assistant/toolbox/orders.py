"""Orders: status, stage, progress, plan and lateness, as the order page shows them."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from linewise.assistant import render
from linewise.assistant.intents import Asked, CannotAnswer, Intent, Plan, intent
from linewise.assistant.toolbox.common import iso
from linewise.assistant.tools import ToolContext, ToolRefused, ToolResult, tool
from linewise.domains.production import repository as orders_repo
from linewise.domains.production.api import detail


class OrderParams(BaseModel):
    number: str = Field(min_length=1, max_length=60, description="the production order's number")


@tool(
    "order_status",
    "A production order's status, the stage it is in, its progress, quantities, planned "
    "start and finish, due date and lateness",
    OrderParams,
    "orders:read",
)
def order_status(ctx: ToolContext, p: OrderParams) -> ToolResult:
    order = orders_repo.get_order_by_number(ctx.db, p.number)
    if order is None:
        raise ToolRefused(f"there is no production order numbered {p.number}", 404)
    body = detail(ctx.db, order)
    stage = body["current_stage"]
    stage_op: dict[str, Any] | None = None
    if stage is not None:
        stage_op = next(o for o in body["operations"] if o["seq"] == stage["seq"])
    line: str | None = None
    if stage_op is not None:
        # The line it runs on (an ORM row) or, not started, the one the plan gives it.
        if stage_op["line"] is not None:
            line = stage_op["line"].code
        elif stage_op["planned_line"] is not None:
            line = stage_op["planned_line"]["code"]
    last = body["operations"][-1] if body["operations"] else None
    facts: dict[str, Any] = {
        "number": body["number"],
        "product": body["product"].code,
        "customer": body["customer_order"].customer if body["customer_order"] else None,
        "status": str(body["status"]),
        "quantity": body["quantity"],
        "progress": body["progress"],
        "good": last["good_qty"] if last else 0,
        "stage": None
        if stage is None
        else {
            "seq": stage["seq"],
            "stages": len(body["operations"]),
            "name": stage["name"],
            "status": str(stage["status"]),
            "progress": stage["progress"],
            "line": line,
            "good": stage_op["good_qty"] if stage_op else 0,
            "planned_finish": iso(stage_op["planned_finish"]) if stage_op else None,
        },
        "due_date": iso(body["due_date"]),
        "planned_finish": iso(body["planned_finish"]),
        "finish": iso(body["finish"]),
        "finish_basis": str(body["finish_basis"]) if body["finish_basis"] else None,
        "late": body["late"],
        "late_by_s": body["late_by_s"],
        "completed_at": iso(body["completed_at"]),
        "timezone": body["site_timezone"] or "UTC",
    }
    return ToolResult(
        facts,
        f"GET /api/v1/orders/by-number/{body['number']}",
        f"/orders/{body['number']}",
    )


# --- intents ---------------------------------------------------------------------------


def _order_args(asked: Asked) -> Plan:
    found = asked.mentions.of("order")
    if not found:
        raise CannotAnswer("which order? Name it by its number, for example PO-26004")
    return "order_status", {"number": found[0].code}


def _stage_word(result: ToolResult, asked: Asked) -> str:
    f = result.facts
    stage = f["stage"]
    if f["status"] == "completed":
        good, quantity = render.count(f["good"]), render.count(f["quantity"])
        return f"{f['number']} is completed ({good} of {quantity} good)."
    if stage is None:
        return f"{f['number']} is {f['status']} and has no open stage."
    where = f" on {stage['line']}" if stage["line"] else ""
    return (
        f"{f['number']} is in stage {stage['seq']} of {stage['stages']}, {stage['name']}"
        f"{where} ({stage['status'].replace('_', ' ')}, {render.pct(stage['progress'])} done); "
        f"the order is {render.pct(f['progress'])} complete."
    )


def _late_word(result: ToolResult, asked: Asked) -> str:
    f = result.facts
    zone = f["timezone"]
    due = render.moment(f["due_date"], zone)
    if f["late_by_s"] is None:
        return (
            f"{f['number']} is due {due}; it is not in the published plan, "
            "so its finish is unknown."
        )
    basis = {
        "actual": "finished",
        "eta": "expected",
        "plan": "planned to finish",
        "now": "still open",
    }
    how = basis.get(f["finish_basis"] or "", "finishing")
    finish = render.moment(f["finish"], zone)
    if f["late"]:
        by = render.duration(f["late_by_s"])
        return f"{f['number']} is late by {by}: {how} {finish}, due {due}."
    ahead = render.duration(-f["late_by_s"])
    return f"{f['number']} is on time: {how} {finish}, due {due} ({ahead} ahead)."


def _eta_word(result: ToolResult, asked: Asked) -> str:
    f = result.facts
    zone = f["timezone"]
    if f["completed_at"]:
        return f"{f['number']} finished {render.moment(f['completed_at'], zone)}."
    if f["planned_finish"] is None:
        return (
            f"{f['number']} is not in the published plan, so it has no planned finish; "
            f"it is due {render.moment(f['due_date'], zone)}."
        )
    return (
        f"{f['number']} is planned to finish {render.moment(f['planned_finish'], zone)} "
        f"(due {render.moment(f['due_date'], zone)})."
    )


def _status_word(result: ToolResult, asked: Asked) -> str:
    f = result.facts
    return (
        f"{f['number']} ({f['product']}, {render.count(f['quantity'])} units) is "
        f"{f['status'].replace('_', ' ')}, "
        f"{render.pct(f['progress'])} complete with {render.count(f['good'])} good so far. "
        + _stage_word(result, asked)
    )


_ORDER_WORDS = r"\border\b|\bpo\b|\bjob\b|\bwo\b"
intent(
    Intent(
        "order_stage",
        (
            (
                r"\bstage\b|\bstep\b|\bwhere\b|\boperation\b|\bwhich (?:line|station)\b"
                r"|\bat what\b",
                1.0,
            ),
            (_ORDER_WORDS, 0.3),
        ),
        ("order",),
        _order_args,
        _stage_word,
        summary="the stage an order is in",
    )
)
intent(
    Intent(
        "order_late",
        (
            (
                r"\blate\b|\bdelay(?:ed)?\b|\bbehind\b|\bon time\b|\bon schedule\b"
                r"|\bin time\b|\boverdue\b",
                1.0,
            ),
            (_ORDER_WORDS, 0.3),
        ),
        ("order",),
        _order_args,
        _late_word,
        summary="whether an order is late",
    )
)
intent(
    Intent(
        "order_eta",
        (
            (
                r"\bwhen\b|\beta\b|\bfinish(?:ed)?\b|\bdone\b|\bcomplete(?:d)?\b|\bready\b|\bship\b",
                0.9,
            ),
            (_ORDER_WORDS, 0.3),
        ),
        ("order",),
        _order_args,
        _eta_word,
        summary="when an order will finish",
    )
)
intent(
    Intent(
        "order_status",
        (
            (r"\bstatus\b|\bprogress\b|\bhow far\b|\bhow is\b|\bstate of\b", 1.0),
            (_ORDER_WORDS, 0.4),
        ),
        ("order",),
        _order_args,
        _status_word,
        summary="an order's status and progress",
    )
)
