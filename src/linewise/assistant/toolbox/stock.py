"""Stock: how much of a material is on hand, reserved and free (the material page), and
which orders lack material (the shortages list)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from linewise.assistant.intents import Asked, CannotAnswer, Intent, Plan, intent
from linewise.assistant.toolbox.common import iso
from linewise.assistant.toolbox.scoping import WHICH
from linewise.assistant.tools import ToolContext, ToolResult, tool
from linewise.domains.inventory import stock_service


class MaterialParams(BaseModel):
    material_id: int = Field(description="the material's id", ge=1, le=2_147_483_647)


def qty(value: float, unit: str) -> str:
    """A quantity as printed (and later recognised by the provenance check)."""
    value = round(float(value), 6)  # 70.00000000000001 (a sum of floats) is 70
    text = f"{value:,.0f}" if value.is_integer() else f"{value:,.2f}"
    return f"{text} {unit}"


@tool(
    "material_stock",
    "A material's stock: on hand (every location but quarantine), reserved by open "
    "orders, free to use, its reorder level, and where it lies",
    MaterialParams,
    "masterdata:read",
)
def material_stock(ctx: ToolContext, p: MaterialParams) -> ToolResult:
    body = stock_service.material_stock(ctx.db, p.material_id)
    a = body["availability"]
    m = a["material"]
    facts: dict[str, Any] = {
        "material": m["code"],
        "name": m["name"],
        "unit": m["unit"],
        "on_hand": a["on_hand"],
        "reserved": a["reserved"],
        "available": a["available"],
        "reorder_level": a["reorder_level"],
        "below_reorder": a["below_reorder"],
        "locations": len({pl["location"]["code"] for pl in body["places"]}),
        "lots": len(body["places"]),
        "reserving_orders": len({r["order_id"] for r in body["reservations"]}),
    }
    return ToolResult(
        facts, f"GET /api/v1/materials/{p.material_id}/stock", f"/materials/{p.material_id}"
    )


class ShortageParams(BaseModel):
    material_id: int | None = Field(
        None, description="only this material's shortages", ge=1, le=2_147_483_647
    )


@tool(
    "stock_shortages",
    "Orders (released, running, held) whose remaining material need the stock does not "
    "cover, earliest first, and materials below their reorder level",
    ShortageParams,
    "masterdata:read",
)
def stock_shortages(ctx: ToolContext, p: ShortageParams) -> ToolResult:
    body = stock_service.shortages(ctx.db)
    lines = [s for s in body["orders"] if p.material_id in (None, s["material"]["id"])]
    below = [b for b in body["below_reorder"] if p.material_id in (None, b["material"]["id"])]
    materials: dict[str, dict[str, Any]] = {}
    for s in lines:
        m = s["material"]
        entry = materials.setdefault(
            m["code"], {"material": m["code"], "unit": m["unit"], "missing": 0.0, "orders": 0}
        )
        entry["missing"] += s["missing"]
        entry["orders"] += 1
    facts: dict[str, Any] = {
        "order_lines": len(lines),
        "orders": len({s["order_id"] for s in lines}),
        "materials_short": len(materials),
        "by_material": sorted(materials.values(), key=lambda e: -e["missing"]),
        "earliest": [
            {
                "order": s["order_number"],
                "material": s["material"]["code"],
                "unit": s["material"]["unit"],
                "needed": s["needed"],
                "covered": s["covered"],
                "missing": s["missing"],
                "planned_start": iso(s["planned_start"]),
                "due_date": iso(s["due_date"]),
            }
            for s in lines[:5]
        ],
        "below_reorder": [
            {
                "material": b["material"]["code"],
                "unit": b["material"]["unit"],
                "available": b["available"],
                "reorder_level": b["reorder_level"],
            }
            for b in below
        ],
    }
    return ToolResult(facts, "GET /api/v1/stock/shortages", "/inventory")


# --- intents ---------------------------------------------------------------------------


def _material_args(asked: Asked) -> Plan:
    found = asked.mentions.of("material")
    if not found:
        raise CannotAnswer("which material? Name it by its code or name")
    return "material_stock", {"material_id": found[0].id}


def _stock_word(result: ToolResult, asked: Asked) -> str:
    f = result.facts
    unit = f["unit"]
    text = (
        f"{f['material']} ({f['name']}): {qty(f['on_hand'], unit)} on hand, "
        f"{qty(f['reserved'], unit)} reserved for open orders, "
        f"{qty(f['available'], unit)} free"
    )
    if f["reorder_level"] is not None:
        below = "below" if f["below_reorder"] else "above"
        text += f"; {below} its reorder level of {qty(f['reorder_level'], unit)}"
    return text + "."


intent(
    Intent(
        "stock_of_material",
        (
            (r"\bstock\b|\bon hand\b|\binventory\b|\bin store\b|\bwarehouse\b|\bstores\b", 1.2),
            (r"\bhow (?:much|many)\b|\bquantity\b|\blevel\b", 0.6),
            (
                r"\bleft\b|\bremaining\b|\bfree\b|\bavailable\b|\bdo we (?:still )?have\b"
                r"|\bhave we got\b|\bgot any\b|\bin the building\b",
                0.7,
            ),
            (r"\bshort(?:ages?)?\b|\breorder\b|\bplanned orders\b|\bmissing\b|\benough\b", -1.0),
        ),
        ("material",),
        _material_args,
        _stock_word,
        summary="how much of a material is in stock and free",
    )
)


def _shortage_args(asked: Asked) -> Plan:
    found = asked.mentions.of("material")
    return "stock_shortages", {"material_id": found[0].id if found else None}


def _shortage_word(result: ToolResult, asked: Asked) -> str:
    f = result.facts
    below = f["below_reorder"]
    reorder = ""
    if below:
        reorder = " Below their reorder level: " + ", ".join(
            f"{b['material']} ({qty(b['available'], b['unit'])} free, reorder at "
            f"{qty(b['reorder_level'], b['unit'])})"
            for b in below[:6]
        )
        reorder += "." if len(below) <= 6 else " and others."
    if not f["order_lines"]:
        return "No planned or running order lacks material: stock covers them all." + reorder
    per = "; ".join(
        f"{m['material']} {qty(m['missing'], m['unit'])} short ({m['orders']} orders)"
        for m in f["by_material"][:6]
    )
    first = f["earliest"][0]
    return (
        f"{f['orders']} orders lack {f['materials_short']} materials: {per}. First to "
        f"hit: {first['order']} needs {qty(first['missing'], first['unit'])} more "
        f"{first['material']}." + reorder
    )


intent(
    Intent(
        "shortages",
        (
            (
                r"\bshort(?:ages?|falls?)?\b|\bnot enough\b|\brun(?:ning)? out\b|\bstock ?outs?\b"
                r"|\bbelow (?:the )?reorder\b|\breorder\b|\bclear to build\b|\bkitting\b"
                r"|\bmissing (?:material|parts|components|stock)s?\b|\black(?:s|ing)? "
                r"(?:material|parts|components|stock)s?\b|\benough (?:material|parts|"
                r"components|stock)s?\b|\bmaterial (?:problems?|issues?)\b"
                r"|\benough\b.{0,40}\bfor\b|\bcan we (?:build|make)\b"
                r"|\b(?:do we have|is there|have we got|got) enough\b"
                r"|\b(?:parts|materials?|components) (?:are )?(?:missing|short)\b",
                1.6,
            ),
            (r"\bmaterials?\b|\bcomponents?\b|\bparts\b|\borders\b|\bplanned\b|\bplan\b", 0.4),
            (WHICH, 0.2),
        ),
        ("material",),
        _shortage_args,
        _shortage_word,
        summary="which materials are short for the planned orders",
    )
)
