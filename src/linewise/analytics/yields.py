"""Scrap and rework of an order, learned from history, and the two baselines.

A stage's scrap rate is scrapped ÷ units through it (good + scrap), its rework rate
reworked ÷ units through it. The model keeps both per (product, line) and shrinks each
cell toward the product's rate (and that toward the line's, then the overall one) with
``PRIOR_UNITS`` pseudo-units: a cell with few units says little on its own (empirical
Bayes, as beta pseudo-counts). The baselines it is measured against:

- **plan**: the plan itself, which expects no scrap and no rework;
- **product mean**: the mean, over the product's finished orders, of each order's scrap
  (rework) ÷ its quantity: what a planner's spreadsheet would say.

While an order runs, what was counted is kept and only the rest is predicted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

PRIOR_UNITS = 2000.0


@dataclass(frozen=True)
class YieldSample:
    """One finished stage of one order."""

    order: str
    product: str
    line: str | None
    units: int  # through it: good + scrap
    scrap: int
    rework: int


@dataclass(frozen=True)
class _Sum:
    units: float = 0.0
    scrap: float = 0.0
    rework: float = 0.0

    def add(self, s: YieldSample) -> _Sum:
        return _Sum(self.units + s.units, self.scrap + s.scrap, self.rework + s.rework)


@dataclass(frozen=True)
class Rates:
    scrap: float
    rework: float


def _shrink(cell: _Sum | None, prior: Rates, weight: float) -> Rates:
    if cell is None:
        return prior
    n = cell.units + weight
    return Rates((cell.scrap + weight * prior.scrap) / n, (cell.rework + weight * prior.rework) / n)


@dataclass(frozen=True)
class YieldModel:
    cells: Mapping[tuple[str, str], _Sum] = field(default_factory=dict)
    products: Mapping[str, _Sum] = field(default_factory=dict)
    lines: Mapping[str, _Sum] = field(default_factory=dict)
    overall: _Sum = _Sum()
    prior_units: float = PRIOR_UNITS

    @classmethod
    def learn(cls, samples: Iterable[YieldSample], prior_units: float = PRIOR_UNITS) -> YieldModel:
        cells: dict[tuple[str, str], _Sum] = defaultdict(_Sum)
        products: dict[str, _Sum] = defaultdict(_Sum)
        lines: dict[str, _Sum] = defaultdict(_Sum)
        overall = _Sum()
        for s in samples:
            if s.units <= 0:
                continue
            products[s.product] = products[s.product].add(s)
            overall = overall.add(s)
            if s.line is not None:
                cells[s.product, s.line] = cells[s.product, s.line].add(s)
                lines[s.line] = lines[s.line].add(s)
        return cls(dict(cells), dict(products), dict(lines), overall, prior_units)

    @property
    def units(self) -> float:
        return self.overall.units

    def rates(self, product: str, line: str | None) -> Rates:
        w = self.prior_units
        base = _shrink(self.overall, Rates(0.0, 0.0), 1.0) if self.overall.units else Rates(0, 0)
        by_line = _shrink(self.lines.get(line) if line else None, base, w)
        by_product = _shrink(self.products.get(product), by_line, w)
        if line is None:
            return by_product
        return _shrink(self.cells.get((product, line)), by_product, w)

    def to_json(self) -> dict[str, Any]:
        def row(s: _Sum) -> list[float]:
            return [s.units, s.scrap, s.rework]

        return {
            "prior_units": self.prior_units,
            "overall": row(self.overall),
            "products": {k: row(v) for k, v in self.products.items()},
            "lines": {k: row(v) for k, v in self.lines.items()},
            "cells": [[p, ln, *row(v)] for (p, ln), v in self.cells.items()],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> YieldModel:
        def s(r: Sequence[float]) -> _Sum:
            return _Sum(float(r[0]), float(r[1]), float(r[2]))

        return cls(
            cells={(str(c[0]), str(c[1])): s(c[2:]) for c in data.get("cells", [])},
            products={k: s(v) for k, v in data.get("products", {}).items()},
            lines={k: s(v) for k, v in data.get("lines", {}).items()},
            overall=s(data.get("overall", [0, 0, 0])),
            prior_units=float(data.get("prior_units", PRIOR_UNITS)),
        )


@dataclass(frozen=True)
class ProductMean:
    """Baseline: per product, the mean over its finished orders of scrap (rework) ÷
    quantity; a product never made gets the mean over all orders."""

    products: Mapping[str, Rates] = field(default_factory=dict)
    overall: Rates = Rates(0.0, 0.0)

    @classmethod
    def learn(cls, samples: Iterable[YieldSample], quantity: Mapping[str, int]) -> ProductMean:
        per_order: dict[str, list[int]] = {}
        product_of: dict[str, str] = {}
        for s in samples:
            row = per_order.setdefault(s.order, [0, 0])
            row[0] += s.scrap
            row[1] += s.rework
            product_of[s.order] = s.product
        shares: dict[str, list[tuple[float, float]]] = defaultdict(list)
        for order, (scrap, rework) in per_order.items():
            q = quantity.get(order, 0)
            if q > 0:
                shares[product_of[order]].append((scrap / q, rework / q))

        def mean(xs: Sequence[tuple[float, float]]) -> Rates:
            return Rates(sum(a for a, _ in xs) / len(xs), sum(b for _, b in xs) / len(xs))

        everything = [x for xs in shares.values() for x in xs]
        return cls(
            {p: mean(xs) for p, xs in shares.items()},
            mean(everything) if everything else Rates(0.0, 0.0),
        )

    def rates(self, product: str) -> Rates:
        return self.products.get(product, self.overall)


@dataclass(frozen=True)
class StageYield:
    """One stage as far as it is known: its line, the units it will take (None: what
    the stage before delivers good), what it has counted so far, whether it is done."""

    line: str | None
    units: float | None
    done: int = 0  # good + scrap so far
    scrap: int = 0
    rework: int = 0
    finished: bool = False


@dataclass(frozen=True)
class YieldForecast:
    scrap: float
    rework: float
    stage_units: tuple[float, ...]  # units through each stage
    stage_scrap: tuple[float, ...]


def predict(
    product: str, quantity: int, stages: Sequence[StageYield], model: YieldModel
) -> YieldForecast:
    """Counts so far plus the rest of each stage's units at its learned rates."""
    upstream = float(quantity)
    units_out: list[float] = []
    scrap_out: list[float] = []
    scrap = rework = 0.0
    for s in stages:
        units = upstream if s.units is None else float(s.units)
        if s.finished:
            through, sc, rw = float(s.done), float(s.scrap), float(s.rework)
        else:
            rest = max(0.0, units - s.done)
            r = model.rates(product, s.line)
            through = s.done + rest
            sc, rw = s.scrap + rest * r.scrap, s.rework + rest * r.rework
        units_out.append(through)
        scrap_out.append(sc)
        scrap += sc
        rework += rw
        upstream = max(0.0, through - sc)
    return YieldForecast(scrap, rework, tuple(units_out), tuple(scrap_out))


def predict_mean(
    product: str, quantity: int, stages: Sequence[StageYield], mean: ProductMean
) -> tuple[float, float]:
    """The product-mean baseline, with what was counted so far kept as it is: finished
    and running stages' counts plus the mean share of the quantity still to come."""
    r = mean.rates(product)
    if not stages:
        return quantity * r.scrap, quantity * r.rework
    counted_scrap = sum(s.scrap for s in stages)
    counted_rework = sum(s.rework for s in stages)
    # the share of the order's stage-units already through: that much of the mean is spent
    total = sum(float(s.units if s.units is not None else quantity) for s in stages)
    through = sum(float(s.done) for s in stages)
    left = max(0.0, 1.0 - through / total) if total > 0 else 1.0
    return counted_scrap + left * quantity * r.scrap, counted_rework + left * quantity * r.rework
