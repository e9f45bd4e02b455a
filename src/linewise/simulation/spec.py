"""A factory described as plain data: lines, products, operators, shifts and orders.

The simulator runs such a description and the demo loader writes one into the database;
the demo builds one (``linewise.demo.factory.build_factory``). Living here, below both,
the simulator needs nothing from the demo.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class MachineSpec:
    code: str
    name: str
    kind: str
    position: int
    speed_factor: float = 1.0
    minor_stop_threshold_s: float = 120.0


@dataclass(frozen=True)
class LineSpec:
    code: str
    name: str
    type: str
    area: str
    machines: tuple[MachineSpec, ...]


@dataclass(frozen=True)
class StepSpec:
    seq: int
    name: str
    work_center_type: str
    cycle_time_s: dict[str, float]  # line code -> ideal cycle time per unit
    setup_time_s: float
    setup_family: str
    skill: str


@dataclass(frozen=True)
class ProductSpec:
    code: str
    name: str
    family: str
    steps: tuple[StepSpec, ...]
    bom: dict[str, float]  # material code -> quantity per unit


@dataclass(frozen=True)
class OperatorSpec:
    code: str
    name: str
    skills: tuple[str, ...]
    areas: tuple[str, ...]
    shift_code: str


@dataclass(frozen=True)
class ShiftSpec:
    code: str
    name: str
    start: str
    end: str
    weekdays: tuple[int, ...]
    breaks: tuple[tuple[str, int], ...]  # (HH:MM, minutes)


@dataclass(frozen=True)
class ReasonSpec:
    code: str
    name: str
    category: str
    machine_class: str | None
    parent: str | None = None


@dataclass(frozen=True)
class OperationProgress:
    """How far one stage of a demo order already is."""

    status: str
    good: int = 0
    scrap: int = 0
    rework: int = 0
    line: str | None = None


@dataclass(frozen=True)
class OrderSpec:
    number: str
    customer_order: str
    product: str
    quantity: int
    release: datetime
    due: datetime
    priority: int
    status: str
    progress: dict[int, OperationProgress] = field(default_factory=dict)


@dataclass(frozen=True)
class ReceiptSpec:
    """An open purchase delivery: ``quantity`` of ``material`` expected at ``expected``."""

    reference: str
    material: str
    quantity: float
    expected: datetime


@dataclass(frozen=True)
class FactorySpec:
    site_code: str
    site_name: str
    timezone: str
    areas: dict[str, str]  # code -> name
    lines: tuple[LineSpec, ...]
    materials: dict[str, tuple[str, str]]  # code -> (name, unit)
    products: tuple[ProductSpec, ...]
    operators: tuple[OperatorSpec, ...]
    shifts: tuple[ShiftSpec, ...]
    holidays: tuple[tuple[str, str], ...]  # (ISO date, name)
    reasons: tuple[ReasonSpec, ...]
    customers: dict[str, str]  # customer order number -> customer
    orders: tuple[OrderSpec, ...]
    stock: dict[str, float] = field(default_factory=dict)  # material code -> on hand
    receipts: tuple[ReceiptSpec, ...] = ()
    as_of: datetime | None = None  # the instant the factory describes; history lies before it
    # Orders produced before ``as_of`` (released in the past, due by now): loaded like the
    # open ones, they are what a simulation of the past works on.
    history: tuple[OrderSpec, ...] = ()

    def line(self, code: str) -> LineSpec:
        return next(line for line in self.lines if line.code == code)

    def lines_of(self, line_type: str) -> list[LineSpec]:
        return [line for line in self.lines if line.type == line_type]
