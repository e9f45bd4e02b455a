"""Lists of production orders, as the Orders page asks GET /orders for them: late ones,
a customer's or a product's open ones, those due in a day or a week."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from typing import Any
from urllib.parse import quote

from pydantic import AwareDatetime, BaseModel, Field

from linewise.assistant import render
from linewise.assistant.intents import Asked, CannotAnswer, Intent, Plan, intent
from linewise.assistant.toolbox.common import EARLIEST, LATEST, iso
from linewise.assistant.toolbox.phrasing import window_args
from linewise.assistant.toolbox.places import (
    SHOWN,
    day_or_week,
    numbers_said,
    site_zone,
    span_words,
)
from linewise.assistant.tools import ToolContext, ToolResult, tool
from linewise.assistant.when import TODAY, When
from linewise.core.query import apply_sort
from linewise.domains.production import lateness
from linewise.domains.production import repository as orders_repo
from linewise.domains.production.models import OrderStatus, ProductionOrder

OPEN = (
    OrderStatus.PLANNED,
    OrderStatus.RELEASED,
    OrderStatus.IN_PROGRESS,
    OrderStatus.ON_HOLD,
)


class OrdersParams(BaseModel):
    late: bool | None = Field(None, description="only late (true) or on-time (false) orders")
    open_only: bool = Field(False, description="only planned, released, in progress, on hold")
    customer: str | None = Field(None, max_length=200, description="the customer's name")
    product_id: int | None = Field(None, ge=1, le=2_147_483_647)
    due_day: date | None = Field(
        None, ge=EARLIEST, le=LATEST, description="due on this site-local day"
    )
    due_week: str | None = Field(None, max_length=8, description="due in this ISO week")
    due_from: AwareDatetime | None = None
    due_to: AwareDatetime | None = None


def _query(p: OrdersParams, window: tuple[Any, Any] | None) -> dict[str, Any]:
    return {
        "statuses": [str(s) for s in OPEN] if p.open_only else None,
        # The route has no customer filter: its search finds the customer's name, and
        # the exact name is kept below (a search also matches product names).
        "q": p.customer,
        "due_after": window[0] if window else None,
        "due_before": window[1] if window else None,
        "late": p.late,
        "product_id": p.product_id,
        "customer_order_id": None,
    }


@tool(
    "orders_list",
    "Production orders filtered as on the Orders page: late, open only, of a customer or "
    "a product, due in a day or week; the count, the first few numbers, how many are late",
    OrdersParams,
    "orders:read",
)
def orders_list(ctx: ToolContext, p: OrdersParams) -> ToolResult:
    zone = site_zone(ctx.db)
    window = None
    words = None
    if p.due_day or p.due_week or (p.due_from and p.due_to):
        span, label = day_or_week(zone, ctx.now, p.due_day, p.due_week, p.due_from, p.due_to)
        window = (span.start, span.end)
        words = span_words(span, label, zone)
    query = _query(p, window)
    stmt = orders_repo.order_query(**query, now=ctx.now)
    stmt = apply_sort(stmt, "due_date", orders_repo.ORDER_SORTABLE, [ProductionOrder.id])
    orders = list(ctx.db.scalars(stmt).unique().all())
    if p.customer is not None:
        wanted = p.customer.strip().lower()
        orders = [
            o
            for o in orders
            if o.customer_order is not None and o.customer_order.customer.lower() == wanted
        ]
    verdicts = lateness.of_orders(ctx.db, orders, ctx.now)
    statuses = Counter(str(o.status) for o in orders)
    shown = [
        {
            "number": o.number,
            "product": o.product.code,
            "due_date": iso(o.due_date),
            "status": str(o.status),
            "late": verdicts[o.id].verdict.is_late,
            "late_by_s": verdicts[o.id].verdict.late_by_s,
        }
        for o in orders[:SHOWN]
    ]
    facts: dict[str, Any] = {
        "count": len(orders),
        "late_count": sum(1 for o in orders if verdicts[o.id].verdict.is_late),
        "open_count": sum(statuses[str(s)] for s in OPEN),
        "completed_count": statuses[str(OrderStatus.COMPLETED)],
        "numbers": [o.number for o in orders[:SHOWN]],
        "more": max(0, len(orders) - SHOWN),
        "orders": shown,
        "customer": p.customer,
        "product": orders[0].product.code if orders and p.product_id else None,
        "timezone": zone,
    }
    args = []
    if p.late is not None:
        args.append(f"late={str(p.late).lower()}")
    if p.open_only:
        args.append("status=" + ",".join(str(s) for s in OPEN))
    if p.customer:
        args.append(f"q={quote(p.customer)}")
    if p.product_id:
        args.append(f"product_id={p.product_id}")
    if window:
        args.append(f"due_after={iso(window[0])}&due_before={iso(window[1])}")
    link = [a for a in args if not a.startswith(("due_", "product_id"))]
    return ToolResult(
        facts,
        "GET /api/v1/orders?" + "&".join([*args, "sort=due_date"]),
        "/orders" + ("?" + "&".join(link) if link else ""),
        words,
    )


# --- intents ---------------------------------------------------------------------------

_ORDERS = r"\b(?:orders|jobs|pos|wos|work orders|production orders)\b"


def _filters(asked: Asked) -> dict[str, Any]:
    """Customer, product and due window the question also names."""
    out: dict[str, Any] = {}
    customer = asked.mentions.first("customer")
    if customer is not None:
        out["customer"] = customer.code
    product = asked.mentions.first("product")
    if product is not None:
        out["product_id"] = product.id
    if asked.when is not None:
        out.update(_due_window(asked))
    return out


def _due_window(asked: Asked, default: When | None = None) -> dict[str, Any]:
    """The due window as tool arguments: a day, an ISO week or a from/to range."""
    when = asked.when or default
    if when is None:
        return {}
    if when.shift is not None:
        raise CannotAnswer("orders are due on days; ask about a day or a week")
    if asked.default_site is None:
        raise CannotAnswer("this factory has no site yet")
    args = window_args(when, asked.default_site, asked.now)
    out: dict[str, Any] = {}
    if "day" in args:
        out["due_day"] = args["day"]
    if "week" in args:
        out["due_week"] = args["week"]
    if "start" in args:
        out["due_from"], out["due_to"] = args["start"], args["end"]
    return out


def _late_plan(asked: Asked) -> Plan:
    return "orders_list", {"late": True, "open_only": True, **_filters(asked)}


def _of_whom(f: dict[str, Any]) -> str:
    if f["customer"]:
        return f" for {f['customer']}"
    if f["product"]:
        return f" of {f['product']}"
    return ""


def _due_phrase(result: ToolResult) -> str:
    return f" due {result.window}" if result.window else ""


def _late_word(result: ToolResult, asked: Asked) -> str:
    f = result.facts
    scope = _of_whom(f) + _due_phrase(result)
    if f["count"] == 0:
        return f"No open order{scope} is late."
    verb = "is" if f["count"] == 1 else "are"
    return (
        f"{render.count(f['count'])} open order{'s' if f['count'] != 1 else ''}{scope} {verb} "
        f"late: {numbers_said(f['numbers'], f['count'])} (earliest due first)."
    )


intent(
    Intent(
        "late_orders",
        (
            (
                rf"\b(?:which|what|list|show|any|how many|all|the)\b.*{_ORDERS}.*"
                r"\b(?:late|overdue|behind|delay\w*|past due)\b",
                2.0,
            ),
            (
                r"\b(?:late|overdue|delay\w*|past due|behind)\s+(?:orders|jobs|pos|wos|work)\b"
                r"|\b(?:what|who)(?:'s| is| are)? (?:running )?(?:late|overdue|behind)\b"
                r"|\bany(?:thing| orders?)? (?:late|overdue|behind)\b|\blate list\b",
                2.0,
            ),
        ),
        (),
        _late_plan,
        _late_word,
        summary="which orders are late",
    )
)


def _list_word(result: ToolResult, asked: Asked) -> str:
    f = result.facts
    scope = _of_whom(f) + _due_phrase(result)
    if f["count"] == 0:
        return f"There are no open orders{scope}."
    late = f" ({render.count(f['late_count'])} late)" if f["late_count"] else " (none late)"
    return (
        f"{render.count(f['count'])} open order{'s' if f['count'] != 1 else ''}{scope}{late}: "
        f"{numbers_said(f['numbers'], f['count'])}, earliest due first."
    )


# "orders for Acme", "Acme's orders", "what is open for customer Acme": the name after
# these words, when no known customer was found, names the customer that does not exist.
_CUSTOMER_PHRASE = re.compile(
    r"\b(?:customer|client)\s+(.+?)(?:\s+(?:have|has|got|open|pending|due|this|today|now)\b|$)"
    r"|\b(?:for|from|of)\s+(?:customer\s+|client\s+)?(?!the\b|this\b|today\b|next\b|line\b)(.+?)(?:\s+(?:have|has|got"
    r"|open|pending|due|this|today|now|still)\b|$)"
    r"|^(?:what (?:does|do|has) )?(.+?)'s (?:open )?orders\b"
)


def _customer_plan(asked: Asked) -> Plan:
    customer = asked.mentions.first("customer")
    if customer is None:
        m = _CUSTOMER_PHRASE.search(asked.text)
        name = next((g for g in m.groups() if g), "") if m else ""
        if name:
            raise CannotAnswer(f"no customer called {name.strip()} has orders here")
        raise CannotAnswer("which customer? Name them as on their customer orders")
    filters = _filters(asked)
    return "orders_list", {"open_only": True, **filters}


intent(
    Intent(
        "orders_for_customer",
        (
            (rf"{_ORDERS}|\bopen\b|\bbacklog\b", 0.7),
            (r"\bcustomers?\b|\bclients?\b|\bfor\b|\bfrom\b|\bof\b|'s\b", 0.4),
        ),
        ("customer",),
        _customer_plan,
        _list_word,
        summary="open orders of a customer",
    )
)


def _product_plan(asked: Asked) -> Plan:
    if asked.mentions.first("product") is None:
        raise CannotAnswer("which product? Name it by its code, for example CTRL-100")
    return "orders_list", {"open_only": True, **_filters(asked)}


intent(
    Intent(
        "orders_for_product",
        (
            (rf"{_ORDERS}|\bopen\b|\bbacklog\b", 0.6),
            (r"\bproducts?\b|\bfor\b|\bof\b|\bmaking\b|\bbuild(?:ing)?\b", 0.3),
        ),
        ("product",),
        _product_plan,
        _list_word,
        summary="open orders of a product",
    )
)


def _due_plan(asked: Asked) -> Plan:
    # "what's due" without a day: today, in the site's zone
    return "orders_list", {**_filters(asked), **_due_window(asked, TODAY)}


def _due_word(result: ToolResult, asked: Asked) -> str:
    f = result.facts
    who = _of_whom(f)
    if f["count"] == 0:
        return f"No order{who} is due {result.window}."
    late = f", {render.count(f['late_count'])} of them late" if f["late_count"] else ""
    done = (
        f"; {render.count(f['completed_count'])} completed, {render.count(f['open_count'])} open"
        if f["completed_count"]
        else ""
    )
    return (
        f"{render.count(f['count'])} order{'s' if f['count'] != 1 else ''}{who} "
        f"{'is' if f['count'] == 1 else 'are'} due {result.window}{done}{late}: "
        f"{numbers_said(f['numbers'], f['count'])}."
    )


intent(
    Intent(
        "orders_due",
        (
            (r"\bdue\b|\bdeadlines?\b|\bto ship\b|\bshipping\b|\bneeds? to go out\b", 1.2),
            (rf"{_ORDERS}|\bwhat(?:'s| is)?\b|\bwhich\b|\bhow many\b", 0.3),
        ),
        (),
        _due_plan,
        _due_word,
        summary="orders due in a day or week",
    )
)
