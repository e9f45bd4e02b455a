"""Produced, good, scrap and rework counts per product, with the product's ideal cycle time.

Counts are summed per (work unit, product) and never across products before being
weighted by the ideal cycle time (PRU): a fast and a slow product cannot be added as
"units", only as ideal time (Σ PRU × PQ).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from linewise.kpi.intervals import TimeWindow, as_utc


class MissingIdealCycleTime(ValueError):
    """A product was counted on a machine that has no ideal cycle time for it."""


@dataclass(frozen=True, slots=True)
class CountRecord:
    """Units reported by a machine at ``ts`` (an event or a counter delta)."""

    ts: datetime
    product: str
    produced: int
    good: int
    scrap: int = 0
    rework: int = 0
    inspected: int = 0
    first_pass_good: int = 0
    id: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "ts", as_utc(self.ts, "count timestamp"))
        values = (self.produced, self.good, self.scrap, self.rework)
        if min(*values, self.inspected, self.first_pass_good) < 0:
            raise ValueError(f"count {self.id or ''} has a negative quantity")
        if self.good > self.produced:
            raise ValueError(f"count {self.id or ''}: more good ({self.good}) than produced")
        if self.first_pass_good > self.inspected:
            raise ValueError(f"count {self.id or ''}: more first-pass good than inspected")


@dataclass(frozen=True, slots=True)
class ProductTotals:
    """One product's counts on one work unit, with the ideal cycle time PRU (seconds)."""

    work_unit: str
    product: str
    ideal_cycle_s: float
    produced: int = 0
    good: int = 0
    scrap: int = 0
    rework: int = 0
    inspected: int = 0
    first_pass_good: int = 0
    record_ids: tuple[str, ...] = ()

    @property
    def ideal_produced_s(self) -> float:
        """PRU × PQ: the time the produced units need at the ideal rate."""
        return self.ideal_cycle_s * self.produced

    @property
    def ideal_good_s(self) -> float:
        """PRU × GQ: fully productive time."""
        return self.ideal_cycle_s * self.good

    def __add__(self, other: ProductTotals) -> ProductTotals:
        if (self.work_unit, self.product, self.ideal_cycle_s) != (
            other.work_unit,
            other.product,
            other.ideal_cycle_s,
        ):
            raise ValueError("only totals of the same product, unit and PRU can be added")
        return ProductTotals(
            self.work_unit,
            self.product,
            self.ideal_cycle_s,
            self.produced + other.produced,
            self.good + other.good,
            self.scrap + other.scrap,
            self.rework + other.rework,
            self.inspected + other.inspected,
            self.first_pass_good + other.first_pass_good,
            self.record_ids + other.record_ids,
        )


@dataclass(frozen=True, slots=True)
class CountTotals:
    """Counts summed over products; the time-weighted sums keep each product's PRU."""

    produced: int = 0
    good: int = 0
    scrap: int = 0
    rework: int = 0
    inspected: int = 0
    first_pass_good: int = 0
    ideal_produced_s: float = 0.0
    ideal_good_s: float = 0.0


def total_by_product(
    records: Iterable[CountRecord],
    window: TimeWindow,
    ideal_cycle_s: Mapping[str, float],
    work_unit: str,
) -> tuple[ProductTotals, ...]:
    """Sum the records stamped inside ``window`` per product (ids kept in time order)."""
    totals: dict[str, ProductTotals] = {}
    for r in sorted(records, key=lambda r: (r.ts, r.id or "")):
        if not window.contains(r.ts):
            continue
        if r.product not in ideal_cycle_s:
            raise MissingIdealCycleTime(
                f"no ideal cycle time for product {r.product!r} on {work_unit!r}"
            )
        row = ProductTotals(
            work_unit,
            r.product,
            float(ideal_cycle_s[r.product]),
            r.produced,
            r.good,
            r.scrap,
            r.rework,
            r.inspected,
            r.first_pass_good,
            (r.id,) if r.id else (),
        )
        totals[r.product] = totals[r.product] + row if r.product in totals else row
    return tuple(totals[p] for p in sorted(totals))


def merge_products(rows: Iterable[ProductTotals]) -> tuple[ProductTotals, ...]:
    """Add rows of the same (unit, product, PRU); keep the others apart."""
    merged: dict[tuple[str, str, float], ProductTotals] = {}
    for row in rows:
        key = (row.work_unit, row.product, row.ideal_cycle_s)
        merged[key] = merged[key] + row if key in merged else row
    return tuple(merged[k] for k in sorted(merged))


def sum_counts(rows: Iterable[ProductTotals]) -> CountTotals:
    items = list(rows)
    return CountTotals(
        produced=sum(r.produced for r in items),
        good=sum(r.good for r in items),
        scrap=sum(r.scrap for r in items),
        rework=sum(r.rework for r in items),
        inspected=sum(r.inspected for r in items),
        first_pass_good=sum(r.first_pass_good for r in items),
        ideal_produced_s=sum(r.ideal_produced_s for r in items),
        ideal_good_s=sum(r.ideal_good_s for r in items),
    )
