"""What an order costs, priced with the rates the factory sets.

Cost = labour (each stage's working hours × its line's crew rate) + machine time (the
same hours × the line's machine-hour rate) + material (units started × the product's
BOM at the materials' unit costs). Scrap is reported as the part of that spent on the
units that were scrapped: their material and the work done on them up to the stage
that scrapped them, so it is contained in the total, not added to it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class CostRates:
    currency: str = "EUR"
    labour_per_h: float = 0.0  # per working hour of a line (its crew)
    machine_per_h: float = 0.0  # per working hour of a line
    lines: Mapping[str, tuple[float, float]] = field(default_factory=dict)  # line → both
    material_per_unit: Mapping[str, float] = field(default_factory=dict)  # product → cost
    unpriced: frozenset[str] = frozenset()  # products with a BOM material without a cost

    def hourly(self, line: str | None) -> tuple[float, float]:
        if line is not None and line in self.lines:
            return self.lines[line]
        return self.labour_per_h, self.machine_per_h


@dataclass(frozen=True)
class StageWork:
    line: str | None
    work_s: float  # working seconds the stage runs, setup included
    units: float  # units through it
    scrap: float  # units scrapped at it


@dataclass(frozen=True)
class Cost:
    labour: float
    machine: float
    material: float
    scrap: float  # of the three above, what the scrapped units cost

    @property
    def total(self) -> float:
        return self.labour + self.machine + self.material


ZERO = Cost(0.0, 0.0, 0.0, 0.0)


def order_cost(
    product: str, units_started: float, stages: Sequence[StageWork], rates: CostRates
) -> Cost:
    material_unit = rates.material_per_unit.get(product, 0.0)
    labour = machine = scrap = 0.0
    work_per_unit = 0.0  # work cost sunk in one unit that reached the current stage
    for s in stages:
        lab_h, mach_h = rates.hourly(s.line)
        hours = max(0.0, s.work_s) / 3600
        labour += hours * lab_h
        machine += hours * mach_h
        if s.units > 0:
            work_per_unit += hours * (lab_h + mach_h) / s.units
        scrap += s.scrap * (material_unit + work_per_unit)
    return Cost(labour, machine, units_started * material_unit, scrap)


def rounded(cost: Cost) -> dict[str, float]:
    return {
        "labour": round(cost.labour, 2),
        "machine": round(cost.machine, 2),
        "material": round(cost.material, 2),
        "scrap": round(cost.scrap, 2),
        "total": round(cost.total, 2),
    }
