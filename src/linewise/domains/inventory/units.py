"""Units of measure: a movement may be entered in any unit that converts to the item's.

Each material keeps stock in one unit (``Material.unit``, its base unit). A quantity in
another unit is converted on the way in, so the ledger only ever holds base units:

- conversions are edges ``1 from_unit = factor × to_unit``, usable both ways: built-in
  ones between metric units (kg ↔ g ↔ mg, m ↔ mm, l ↔ ml), global ones a factory adds
  (``material_id`` NULL) and a material's own (a reel of PCB-R1 is 5,000 pcs);
- the path from the entered unit to the base unit is found breadth-first over those
  edges (kg → g → reel works when a reel is given in grams); the material's own edges
  win over global ones for the same pair;
- a unit that no edge names is *unknown*, one that is named but has no path to the base
  unit is *inconvertible*: both are a 422 naming the ``unit`` field, nothing is written.

Unit names compare case-sensitively after trimming: ``mg`` and ``Mg`` are different
units, and guessing would be worse than asking.
"""

from __future__ import annotations

import math
from collections import deque

from sqlalchemy import select
from sqlalchemy.orm import Session

from linewise.core.errors import FieldError, ValidationProblem
from linewise.domains.inventory.models import UnitConversion

# 1 from = factor × to; SI prefixes only, nothing a factory could disagree about.
BUILT_IN: tuple[tuple[str, str, float], ...] = (
    ("kg", "g", 1000.0),
    ("g", "mg", 1000.0),
    ("m", "mm", 1000.0),
    ("m", "cm", 100.0),
    ("l", "ml", 1000.0),
)
MAX_QTY = 1e12


def _edges(db: Session, material_id: int | None) -> dict[str, dict[str, float]]:
    """unit -> {unit it converts to: factor}, both directions; own edges last (they win)."""
    graph: dict[str, dict[str, float]] = {}

    def add(a: str, b: str, factor: float) -> None:
        graph.setdefault(a, {})[b] = factor
        graph.setdefault(b, {})[a] = 1.0 / factor

    for a, b, f in BUILT_IN:
        add(a, b, f)
    rows = db.scalars(
        select(UnitConversion).where(
            UnitConversion.material_id.is_(None)
            if material_id is None
            else (
                UnitConversion.material_id.is_(None) | (UnitConversion.material_id == material_id)
            )
        )
    ).all()
    # Global first, the material's own after, so its factor replaces a global one.
    for row in sorted(rows, key=lambda r: r.material_id is not None):
        add(row.from_unit, row.to_unit, row.factor)
    return graph


def factor(db: Session, material_id: int | None, unit: str, base: str) -> float:
    """How many ``base`` units one ``unit`` is (1.0 for the base unit itself)."""
    unit = unit.strip()
    if unit == base:
        return 1.0
    graph = _edges(db, material_id)
    if unit not in graph:
        raise ValidationProblem(
            f"unknown unit '{unit}'; stock of this item is kept in {base}",
            errors=[FieldError("unit", f"unknown unit '{unit}'")],
        )
    seen = {unit: 1.0}
    queue = deque([unit])
    while queue:
        here = queue.popleft()
        for there, f in graph.get(here, {}).items():
            if there not in seen:
                seen[there] = seen[here] * f
                queue.append(there)
    if base not in seen:
        raise ValidationProblem(
            f"'{unit}' does not convert to {base}, the unit this item is kept in",
            errors=[FieldError("unit", f"cannot convert {unit} to {base}")],
        )
    return seen[base]


def to_base(
    db: Session, material_id: int | None, qty: float, unit: str | None, base: str, field: str
) -> float:
    """``qty`` given in ``unit`` (None: the base unit) as a quantity in ``base``."""
    if unit is None or unit.strip() == base:
        return qty
    out = qty * factor(db, material_id, unit, base)
    if not math.isfinite(out) or abs(out) > MAX_QTY:
        raise ValidationProblem(
            f"{qty:g} {unit} is {out:g} {base}, more than can be booked",
            errors=[FieldError(field, f"too large in {base}")],
        )
    return out


def check_conversion(from_unit: str, to_unit: str, value: float) -> None:
    """A conversion a person enters: two different units and a finite positive factor."""
    if from_unit.strip() == to_unit.strip():
        raise ValidationProblem(
            "a conversion needs two different units",
            errors=[FieldError("to_unit", "same as from_unit")],
        )
    if not math.isfinite(value) or value <= 0:
        raise ValidationProblem(
            "a conversion factor is a positive number", errors=[FieldError("factor", "not > 0")]
        )
