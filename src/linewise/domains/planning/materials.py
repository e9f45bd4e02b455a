"""When the material of each order to plan is there: BOM requirements against supply.

Rules (the data leaves room for choices, so they are made here, once):
- Requirement = BOM quantity per unit × the order's open quantity. An order already on
  the floor (in progress, or any operation started or done) has its material issued:
  it needs nothing more.
- Orders are served one after the other by due date, then priority (1 first), then
  number: the order due first gets the material first, whatever the solver later does
  with the sequence. Each component is taken from stock on hand first, then from open
  receipts by expected date; a receipt already overdue counts as arriving now.
- An order's material is ready when the last of its components is covered: now if stock
  covers everything, else the expected date of the latest receipt it draws on.
- An order that known supply cannot cover is *short*. It holds nothing (what it would
  take stays for the orders after it, which can then run), is planned from the horizon
  end, never as if its material were there, and gets a warning naming order, material
  and missing quantity. An order whose covering receipt comes after the horizon end is
  treated the same way (planned from the horizon end, with a warning).
- Material is needed at the order's first open operation (kitting before SMT): the
  routing does not say which step consumes which component.
- Only materials whose stock Linewise keeps are checked: those with a stock level (even
  zero) or an open receipt. A factory that has not entered its stock yet is not told
  that every order is short; it gets one warning naming the unchecked materials.

``allocate`` is pure (plain values in and out); ``check_materials`` reads the database.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from linewise.domains.equipment.site_time import UTC_ZONE, local_when, site_zone
from linewise.domains.inventory import repository as inventory
from linewise.domains.inventory.models import Material
from linewise.domains.planning import repository as repo
from linewise.domains.planning.changes import RushOrder
from linewise.domains.planning.problem import MaterialWait
from linewise.domains.production.models import OperationStatus, OrderStatus, ProductionOrder
from linewise.scheduling import Job

# Quantities are floats (grams of paste, 0.1 box per unit): ignore rounding dust.
EPSILON = 1e-6


@dataclass(frozen=True)
class Demand:
    """What one order needs, and how urgent it is."""

    key: str
    due: datetime
    priority: int
    needs: dict[int, float]  # material id -> quantity


@dataclass(frozen=True)
class Supply:
    """An open receipt: ``quantity`` of a material expected at ``at``."""

    material_id: int
    quantity: float
    at: datetime
    reference: str = ""


@dataclass(frozen=True)
class Coverage:
    """The outcome for one order."""

    key: str
    ready_at: datetime | None  # None: short
    waits_for: int | None = None  # the material covered last, if it comes from a receipt
    reference: str = ""  # the receipt that covers it
    short: dict[int, float] = field(default_factory=dict)  # material id -> missing


@dataclass
class _Lot:
    at: datetime
    quantity: float
    reference: str


def allocation_order(demands: Iterable[Demand]) -> list[Demand]:
    """Due date first, then priority (1 is the most urgent), then key for a stable tie."""
    return sorted(demands, key=lambda d: (d.due, d.priority, d.key))


def _lots(
    now: datetime, on_hand: dict[int, float], receipts: Iterable[Supply]
) -> dict[int, list[_Lot]]:
    lots: dict[int, list[_Lot]] = defaultdict(list)
    for mid, quantity in on_hand.items():
        if quantity > EPSILON:
            lots[mid].append(_Lot(now, quantity, ""))
    for r in sorted(receipts, key=lambda r: (max(r.at, now), r.material_id, r.reference)):
        if r.quantity > EPSILON:
            lots[r.material_id].append(_Lot(max(r.at, now), r.quantity, r.reference))
    return lots


def allocate(
    now: datetime,
    demands: Iterable[Demand],
    on_hand: dict[int, float],
    receipts: Iterable[Supply],
) -> dict[str, Coverage]:
    """Each order's coverage, serving orders in ``allocation_order``."""
    lots = _lots(now, on_hand, receipts)
    out: dict[str, Coverage] = {}
    for demand in allocation_order(demands):
        taken: list[tuple[_Lot, float]] = []
        ready, waits_for, reference = now, None, ""
        short: dict[int, float] = {}
        for mid, need in sorted(demand.needs.items()):
            remaining = need
            for lot in lots.get(mid, []):
                if remaining <= EPSILON * max(1.0, need):
                    break
                if lot.quantity <= EPSILON:
                    continue
                take = min(lot.quantity, remaining)
                lot.quantity -= take
                remaining -= take
                taken.append((lot, take))
                if lot.at > ready:
                    ready, waits_for, reference = lot.at, mid, lot.reference
            if remaining > EPSILON * max(1.0, need):
                short[mid] = remaining
        if short:
            for lot, take in taken:  # a short order holds nothing
                lot.quantity += take
            out[demand.key] = Coverage(demand.key, None, short=short)
        else:
            out[demand.key] = Coverage(demand.key, ready, waits_for, reference)
    return out


# --- from the database ---------------------------------------------------------------------


def _issued(order: ProductionOrder) -> bool:
    started = (OperationStatus.IN_PROGRESS, OperationStatus.COMPLETED, OperationStatus.ON_HOLD)
    return order.status == OrderStatus.IN_PROGRESS or any(
        op.status in started for op in order.operations
    )


def _needs(bom: list[tuple[int, float]], quantity: int) -> dict[int, float]:
    needs: dict[int, float] = defaultdict(float)
    for mid, per_unit in bom:
        needs[mid] += per_unit * quantity
    return {mid: q for mid, q in needs.items() if q > 0}


def _amount(quantity: float, material: Material) -> str:
    return f"{quantity:,.6g} {material.unit} of {material.code} ({material.name})"


@dataclass
class MaterialCheck:
    """Coverage of every order to plan, and what the planner must be told about it."""

    start: datetime
    end: datetime
    coverage: dict[str, Coverage]
    materials: dict[int, Material]
    waits: dict[str, MaterialWait] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    zone: ZoneInfo = UTC_ZONE  # the site's: warnings give its local time

    def __post_init__(self) -> None:
        for key in sorted(self.coverage):
            self._explain(self.coverage[key])

    def _explain(self, c: Coverage) -> None:
        if c.ready_at is None:
            first = None
            for mid, missing in sorted(c.short.items(), key=lambda kv: self.materials[kv[0]].code):
                m = self.materials[mid]
                first = first or MaterialWait(m.code, m.name, None, "", missing, m.unit)
                self.warnings.append(
                    f"{c.key}: short of {_amount(missing, m)}; no stock or open receipt "
                    "covers it, so it is not planned before the horizon end"
                )
            if first is not None:
                self.waits[c.key] = first
            return
        if c.waits_for is None or c.ready_at <= self.start:
            return
        m = self.materials[c.waits_for]
        self.waits[c.key] = MaterialWait(m.code, m.name, c.ready_at, c.reference, 0.0, m.unit)
        if c.ready_at > self.end:
            self.warnings.append(
                f"{c.key}: {m.code} ({m.name}) only arrives {local_when(c.ready_at, self.zone)}"
                f"{f' (receipt {c.reference})' if c.reference else ''}, after the horizon "
                "end; it is not planned before the horizon end"
            )

    def ready_second(self, key: str) -> int | None:
        """When the job may start, in seconds from the horizon start; None: no constraint."""
        c = self.coverage.get(key)
        if c is None:
            return None
        horizon = int((self.end - self.start).total_seconds())
        if c.ready_at is None:
            return horizon
        return min(horizon, max(0, int((c.ready_at - self.start).total_seconds())))

    def apply(self, jobs: Sequence[Job]) -> list[Job]:
        """The jobs, each first free operation starting no earlier than its material."""
        out = []
        for job in jobs:
            ready = self.ready_second(job.id)
            head = job.operations[0]
            if not ready or head.frozen is not None:
                out.append(job)
                continue
            first = replace(head, material_ready=max(head.material_ready, ready))
            out.append(replace(job, operations=(first, *job.operations[1:])))
        return out


def check_materials(
    db: Session,
    orders: Sequence[ProductionOrder],
    rush_orders: Sequence[RushOrder],
    start: datetime,
    end: datetime,
) -> MaterialCheck:
    """Coverage of the orders (and a scenario's rush orders) as of ``start``."""
    product_ids = {o.product_id for o in orders} | {r.product_id for r in rush_orders}
    boms = repo.bom_lines(db, sorted(product_ids))
    demands = [
        Demand(o.number, o.due_date, o.priority, _needs(boms.get(o.product_id, []), o.quantity))
        for o in orders
        if not _issued(o)
    ]
    demands += [
        Demand(r.key, r.due, r.priority, _needs(boms.get(r.product_id, []), r.quantity))
        for r in rush_orders
    ]
    material_ids = {mid for d in demands for mid in d.needs}
    on_hand = inventory.on_hand(db, material_ids)
    receipts = [
        Supply(r.material_id, r.quantity, r.expected_at, r.reference)
        for r in inventory.open_receipts(db, material_ids)
    ]
    kept = set(on_hand) | {r.material_id for r in receipts}
    demands = [replace(d, needs={m: q for m, q in d.needs.items() if m in kept}) for d in demands]
    coverage = allocate(start, [d for d in demands if d.needs], on_hand, receipts)
    materials = inventory.materials_by_id(db, material_ids)
    check = MaterialCheck(start, end, coverage, materials, zone=site_zone(db))
    unkept = sorted(check.materials[m].code for m in material_ids - kept)
    if unkept:
        check.warnings.append(
            f"material availability not checked for {', '.join(unkept)}: no stock level "
            "or open receipt recorded, so orders are planned as if they were there"
        )
    return check
