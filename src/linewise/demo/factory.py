"""The demo factory: an electronics SME with SMT, DIP, test and packing lines.

One deterministic description (plain dataclasses, no database) serves the demo, the
tests and the benchmarks: ``build_factory(now)`` gives the factory of the README, and
``build_factory(now, line_groups=6, orders=2000)`` the same factory scaled to 30 lines
for scheduling benchmarks. Everything is derived from a seeded RNG, so two calls with
the same arguments describe the same factory.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from linewise.simulation.spec import (
    FactorySpec,
    LineSpec,
    MachineSpec,
    OperationProgress,
    OperatorSpec,
    OrderSpec,
    ProductSpec,
    ReasonSpec,
    ReceiptSpec,
    ShiftSpec,
    StepSpec,
)

SITE_TIMEZONE = "Europe/Berlin"


AREAS = {"SMT": "Surface mount", "THT": "Through-hole (DIP)", "TEST": "Test", "PACK": "Packing"}

# Station layout per line type: (code suffix, name, machine class, speed factor).
# The speed factor is the station's ideal cycle relative to the line's step cycle; the
# slowest station (1.0) is the line's constraint.
STATIONS: dict[str, tuple[tuple[str, str, str, float], ...]] = {
    "SMT": (
        ("PRN", "Stencil printer", "printer", 0.55),
        ("SPI", "Solder paste inspection", "spi", 0.5),
        ("PNP1", "Pick-and-place 1 (chips)", "pnp", 0.9),
        ("PNP2", "Pick-and-place 2 (fine pitch)", "pnp", 1.0),
        ("RFL", "Reflow oven", "reflow", 0.6),
        ("AOI", "Automated optical inspection", "aoi", 0.7),
    ),
    "DIP": (
        ("INS", "Manual insertion", "manual_insertion", 1.0),
        ("WAVE", "Wave solder", "wave", 0.4),
    ),
    "TEST": (
        ("ICT", "In-circuit test", "ict", 0.6),
        ("FCT", "Functional test", "fct", 1.0),
    ),
    "PACK": (("PACK", "Packing station", "packing", 1.0),),
}
AREA_OF_TYPE = {"SMT": "SMT", "DIP": "THT", "TEST": "TEST", "PACK": "PACK"}
SKILL_OF_TYPE = {
    "SMT": "smt_operator",
    "DIP": "tht_operator",
    "TEST": "test_technician",
    "PACK": "packer",
}

MATERIALS = {
    "PCB-CTRL": ("PCB controller 4-layer", "pcs"),
    "PCB-PSU": ("PCB power supply 2-layer", "pcs"),
    "PCB-SENS": ("PCB sensor 4-layer", "pcs"),
    "PCB-IOT": ("PCB IoT gateway 6-layer", "pcs"),
    "PCB-LED": ("PCB LED driver 2-layer", "pcs"),
    "R-0402": ("Resistor 0402", "pcs"),
    "C-0402": ("Capacitor 0402", "pcs"),
    "C-ELKO": ("Electrolytic capacitor THT", "pcs"),
    "IC-MCU": ("Microcontroller QFN-48", "pcs"),
    "IC-PMIC": ("Power management IC", "pcs"),
    "CONN-HDR": ("Pin header THT", "pcs"),
    "XFMR": ("Transformer THT", "pcs"),
    "PASTE": ("Solder paste SAC305", "g"),
    "BOX": ("Shipping box", "pcs"),
}

# (code, name, family, SMT cycle s, DIP cycle s or None, TEST cycle s, PACK cycle s, pcb)
PRODUCTS = (
    ("CTRL-100", "Motor controller 100", "ctrl", 42.0, 55.0, 38.0, 14.0, "PCB-CTRL"),
    ("CTRL-200", "Motor controller 200", "ctrl", 48.0, 60.0, 42.0, 14.0, "PCB-CTRL"),
    ("PSU-24", "Power supply 24 V", "psu", 30.0, 70.0, 30.0, 12.0, "PCB-PSU"),
    ("PSU-48", "Power supply 48 V", "psu", 34.0, 75.0, 32.0, 12.0, "PCB-PSU"),
    ("SENS-T1", "Temperature sensor board", "sensor", 22.0, None, 20.0, 8.0, "PCB-SENS"),
    ("SENS-P2", "Pressure sensor board", "sensor", 26.0, None, 24.0, 8.0, "PCB-SENS"),
    ("IOT-GW1", "IoT gateway", "iot", 58.0, 40.0, 50.0, 18.0, "PCB-IOT"),
    ("IOT-GW2", "IoT gateway industrial", "iot", 64.0, 45.0, 56.0, 18.0, "PCB-IOT"),
    ("LED-DRV", "LED driver", "led", 24.0, 35.0, 18.0, 10.0, "PCB-LED"),
    ("LED-DIM", "LED driver dimmable", "led", 27.0, 38.0, 20.0, 10.0, "PCB-LED"),
)

CUSTOMERS = (
    "Nordwind Drives GmbH",
    "Alpen Automation AG",
    "Baltic Power Systems",
    "Rhein Sensorik",
    "Helio Lighting BV",
    "Vistula IoT Sp. z o.o.",
)

FIRST_NAMES = (
    "Anna", "Ben", "Clara", "David", "Elif", "Felix", "Greta", "Hannah", "Ivan", "Jonas",
    "Katarzyna", "Lukas", "Mia", "Nils", "Olga", "Paul", "Rosa", "Stefan", "Tereza", "Umut",
    "Vera", "Wojtek", "Xenia", "Yusuf", "Zofia",
)  # fmt: skip
LAST_NAMES = (
    "Becker", "Nowak", "Schmidt", "Horvat", "Yilmaz", "Keller", "Novak", "Weber", "Kowalski",
    "Fischer", "Meyer", "Wagner", "Dvorak", "Schulz", "Lang",
)  # fmt: skip

DOWNTIME_REASONS = (
    ReasonSpec("material", "Material shortage", "downtime", None),
    ReasonSpec("material_late", "Material not delivered to line", "downtime", None, "material"),
    ReasonSpec("material_wrong", "Wrong material at line", "downtime", None, "material"),
    ReasonSpec("people", "No operator", "downtime", None),
    ReasonSpec("changeover", "Changeover", "downtime", None),
    ReasonSpec("quality_hold", "Quality hold", "downtime", None),
    ReasonSpec("pnp_fault", "Pick-and-place fault", "downtime", "pnp"),
    ReasonSpec("nozzle_jam", "Nozzle jam", "downtime", "pnp", "pnp_fault"),
    ReasonSpec("feeder_error", "Feeder error", "downtime", "pnp", "pnp_fault"),
    ReasonSpec("vision_error", "Vision recognition error", "downtime", "pnp", "pnp_fault"),
    ReasonSpec("printer_fault", "Printer fault", "downtime", "printer"),
    ReasonSpec("stencil_clean", "Stencil cleaning", "downtime", "printer", "printer_fault"),
    ReasonSpec("paste_empty", "Solder paste empty", "downtime", "printer", "printer_fault"),
    ReasonSpec("reflow_fault", "Reflow fault", "downtime", "reflow"),
    ReasonSpec("temp_alarm", "Temperature alarm", "downtime", "reflow", "reflow_fault"),
    ReasonSpec("conveyor_jam", "Conveyor jam", "downtime", "reflow", "reflow_fault"),
    ReasonSpec("wave_fault", "Wave solder fault", "downtime", "wave"),
    ReasonSpec("flux_empty", "Flux empty", "downtime", "wave", "wave_fault"),
    ReasonSpec("fixture_fault", "Test fixture fault", "downtime", "ict"),
    ReasonSpec("fct_station", "FCT station error", "downtime", "fct"),
)
SCRAP_REASONS = (
    ReasonSpec("solder_bridge", "Solder bridge", "scrap", None),
    ReasonSpec("tombstone", "Tombstoning", "scrap", None),
    ReasonSpec("missing_part", "Missing component", "scrap", None),
    ReasonSpec("pcb_damage", "PCB damaged", "scrap", None),
    ReasonSpec("test_fail", "Functional test failure", "scrap", "fct"),
)
REWORK_REASONS = (
    ReasonSpec("touch_up", "Manual solder touch-up", "rework", None),
    ReasonSpec("replace_part", "Component replaced", "rework", None),
)


def _lines(groups: int) -> tuple[LineSpec, ...]:
    """Two SMT lines, one DIP, one TEST and one PACK line per group."""
    layout = (("SMT", 2), ("DIP", 1), ("TEST", 1), ("PACK", 1))
    counters = dict.fromkeys(STATIONS, 0)
    lines: list[LineSpec] = []
    for _ in range(groups):
        for line_type, count in layout:
            for _ in range(count):
                counters[line_type] += 1
                code = f"{line_type}-{counters[line_type]}"
                machines = tuple(
                    MachineSpec(
                        code=f"{code}-{suffix}",
                        name=name,
                        kind=kind,
                        position=i + 1,
                        speed_factor=factor,
                        minor_stop_threshold_s=120.0 if kind != "manual_insertion" else 300.0,
                    )
                    for i, (suffix, name, kind, factor) in enumerate(STATIONS[line_type])
                )
                label = {"DIP": "DIP/THT", "PACK": "Packing"}.get(line_type, line_type)
                lines.append(
                    LineSpec(
                        code=code,
                        name=f"{label} line {counters[line_type]}",
                        type=line_type,
                        area=AREA_OF_TYPE[line_type],
                        machines=machines,
                    )
                )
    return tuple(lines)


def _products(lines: tuple[LineSpec, ...]) -> tuple[ProductSpec, ...]:
    by_type: dict[str, list[str]] = {}
    for line in lines:
        by_type.setdefault(line.type, []).append(line.code)
    products = []
    for code, name, family, smt, dip, test, pack, pcb in PRODUCTS:
        cycles = {"SMT": smt, "DIP": dip, "TEST": test, "PACK": pack}
        steps: list[StepSpec] = []
        for line_type, label in (
            ("SMT", "SMT assembly"),
            ("DIP", "THT insertion and wave"),
            ("TEST", "ICT and functional test"),
            ("PACK", "Packing"),
        ):
            cycle = cycles[line_type]
            if cycle is None:
                continue
            eligible = {
                # Every second line of a type is an older one, 10 % slower.
                line_code: round(cycle * (1.1 if i % 2 else 1.0), 1)
                for i, line_code in enumerate(by_type[line_type])
            }
            setup = {"SMT": 1200.0, "DIP": 600.0, "TEST": 900.0, "PACK": 300.0}[line_type]
            steps.append(
                StepSpec(
                    seq=len(steps) + 1,
                    name=label,
                    work_center_type=line_type,
                    cycle_time_s=eligible,
                    setup_time_s=setup,
                    setup_family=family,
                    skill=SKILL_OF_TYPE[line_type],
                )
            )
        bom = {pcb: 1.0, "R-0402": 40.0, "C-0402": 32.0, "PASTE": 2.5, "BOX": 0.1}
        if family in ("ctrl", "iot"):
            bom["IC-MCU"] = 1.0
        if family in ("psu", "led"):
            bom["IC-PMIC"] = 1.0
        if dip is not None:
            bom["CONN-HDR"] = 2.0
            bom["C-ELKO"] = 4.0 if family == "psu" else 2.0
        if family == "psu":
            bom["XFMR"] = 1.0
        products.append(ProductSpec(code, name, family, tuple(steps), bom))
    return tuple(products)


def _operators(
    rng: random.Random, groups: int, shifts: tuple[str, ...] = ("A", "B"), first: int = 0
) -> tuple[OperatorSpec, ...]:
    # Per group and shift: SMT 5, THT 3, TEST 2, PACK 2 (a few know two trades).
    crew: tuple[tuple[str, str, int], ...] = (
        ("smt_operator", "SMT", 5),
        ("tht_operator", "THT", 3),
        ("test_technician", "TEST", 2),
        ("packer", "PACK", 2),
    )
    out = []
    n = first
    for _ in range(groups):
        for shift in shifts:
            for skill, area, count in crew:
                for _ in range(count):
                    n += 1
                    skills = [skill]
                    areas = [area]
                    if rng.random() < 0.25:
                        extra_skill, extra_area, _c = rng.choice(crew)
                        if extra_skill != skill:
                            skills.append(extra_skill)
                            areas.append(extra_area)
                    name = f"{FIRST_NAMES[n % len(FIRST_NAMES)]} {rng.choice(LAST_NAMES)}"
                    out.append(
                        OperatorSpec(f"OP-{n:03d}", name, tuple(skills), tuple(areas), shift)
                    )
    return tuple(out)


def _stage_progress(
    rng: random.Random,
    product: ProductSpec,
    quantity: int,
    done_stages: int,
    busy: set[str],
) -> dict[int, OperationProgress]:
    """``done_stages`` stages completed, the next one running part-way on a free line.

    A line runs one order at a time: the running stage takes the first eligible line not
    in ``busy`` (and marks it busy); with every eligible line busy the order waits
    between stages instead. (Putting all running work on the first line of its type
    stacked hundreds of overlapping "running" operations on one line at 10,000 orders.)
    """
    progress: dict[int, OperationProgress] = {}
    for step in product.steps:
        if step.seq <= done_stages:
            line = next(iter(step.cycle_time_s))
            scrap = round(quantity * rng.uniform(0.0, 0.02))
            progress[step.seq] = OperationProgress(
                "completed", good=quantity - scrap, scrap=scrap, line=line
            )
        elif step.seq == done_stages + 1:
            free = next((line for line in step.cycle_time_s if line not in busy), None)
            if free is None:
                break
            busy.add(free)
            good = round(quantity * rng.uniform(0.15, 0.8))
            progress[step.seq] = OperationProgress(
                "in_progress", good=good, scrap=rng.randint(0, 3), line=free
            )
    return progress


def _orders(
    rng: random.Random,
    now: datetime,
    products: tuple[ProductSpec, ...],
    count: int,
    quantity_scale: float = 1.0,
) -> tuple[dict[str, str], tuple[OrderSpec, ...]]:
    start = now.replace(minute=0, second=0, microsecond=0)
    customers = {
        f"CO-{2026_000 + i + 1}": CUSTOMERS[i % len(CUSTOMERS)] for i in range(max(1, count // 3))
    }
    numbers = list(customers)
    drafts: list[tuple[datetime, ProductSpec, int, datetime, int, str]] = []
    for i in range(count):
        product = products[rng.randrange(len(products))]
        quantity = rng.choice((50, 100, 150, 200, 250, 300, 400, 500, 600, 800))
        # Scaled after the draw, so every scale sees the same products, dates and mix.
        quantity = max(1, round(quantity * quantity_scale))
        due = start + timedelta(hours=rng.randint(30, 14 * 24))
        release = min(due - timedelta(hours=24), start + timedelta(hours=rng.randint(-48, 72)))
        priority = rng.choices((1, 2, 3, 4, 5), weights=(1, 2, 5, 2, 1))[0]
        drafts.append((due, product, quantity, release, priority, numbers[i % len(numbers)]))
    drafts.sort(key=lambda d: (d[0], d[1].code))
    specs = []
    busy: set[str] = set()
    for i, (due, product, quantity, release, priority, customer) in enumerate(drafts):
        # The orders nearest to their due date are already on the floor or released.
        status, progress = "planned", {}
        if i < max(1, count // 8):
            status = "in_progress"
            done = 1 + i % max(1, len(product.steps) - 1)
            progress = _stage_progress(rng, product, quantity, done, busy)
        elif i < max(2, count // 3):
            status = "released"
        specs.append(
            OrderSpec(
                number=f"PO-{26_000 + i + 1}",
                customer_order=customer,
                product=product.code,
                quantity=quantity,
                release=release,
                due=due,
                priority=priority,
                status=status,
                progress=progress,
            )
        )
    return customers, tuple(specs)


# Orders released per day of history: the DIP line, the bottleneck, then produces
# three quarters of the time (idle the rest, waiting for boards), so the past piles up
# no backlog and the SMT and test lines are busy enough for figures worth showing.
HISTORY_ORDERS_PER_DAY = 4.5


def _history_orders(
    seed: int,
    now: datetime,
    products: tuple[ProductSpec, ...],
    customers: dict[str, str],
    days: int,
) -> tuple[OrderSpec, ...]:
    """Orders of the last ``days`` days, for a simulation of the past to produce.

    Drawn from a random stream of their own, so that the open orders of a seed are the
    same with or without history. Releases spread evenly up to ``now``, so that the
    past ends with work on the floor, which the live feed carries on. Each order is due
    36 to 120 hours after its release, where the lead time through the four stages is
    3 to 85 hours (median 36): most are on time, some are late, as in a real plant.
    """
    rng = random.Random(f"{seed}:history")
    start = now.replace(minute=0, second=0, microsecond=0) - timedelta(days=days)
    count = round(days * HISTORY_ORDERS_PER_DAY)
    span_h = max(1, days * 24 - 4)
    numbers = list(customers)
    out = []
    for i in range(count):
        product = products[rng.randrange(len(products))]
        quantity = rng.choice((50, 100, 150, 200, 250, 300, 400, 500, 600, 800))
        release = start + timedelta(hours=i * span_h // count + rng.randint(0, 3))
        out.append(
            OrderSpec(
                number=f"PO-{25_000 + i + 1}",
                customer_order=numbers[rng.randrange(len(numbers))],
                product=product.code,
                quantity=quantity,
                release=release,
                due=release + timedelta(hours=rng.randint(36, 120)),
                priority=rng.choices((1, 2, 3, 4, 5), weights=(1, 2, 5, 2, 1))[0],
                # Planned until the simulated past releases it at its release date.
                status="planned",
            )
        )
    return tuple(out)


def _requirements(
    products: tuple[ProductSpec, ...], orders: tuple[OrderSpec, ...]
) -> list[tuple[OrderSpec, dict[str, float]]]:
    """Orders still to kit, in the order planning serves them (due, priority, number)."""
    boms = {p.code: p.bom for p in products}
    waiting = [o for o in orders if o.status != "in_progress"]
    waiting.sort(key=lambda o: (o.due, o.priority, o.number))
    return [(o, {m: q * o.quantity for m, q in boms[o.product].items()}) for o in waiting]


def _supply(
    now: datetime, products: tuple[ProductSpec, ...], orders: tuple[OrderSpec, ...]
) -> tuple[dict[str, float], tuple[ReceiptSpec, ...]]:
    """Stock and open deliveries, derived from the orders (no randomness of its own).

    Most materials are plentiful: stock for all orders and half as much again, so that a
    what-if rush order does not starve the others. Power-management ICs (power supplies
    and LED drivers) cover the first third of their orders from stock; the rest waits
    for a delivery in three days, which is a little short: the last order that needs
    them gets half of what it needs, so it is short. Transformers (power supplies only)
    cover the first half from stock, the rest waits four days. Planning so has orders
    waiting for two deliveries and one shortage.
    """
    day = now.replace(minute=0, second=0, microsecond=0)
    needs = _requirements(products, orders)
    total: dict[str, float] = defaultdict(float)
    for _o, need in needs:
        for code, qty in need.items():
            total[code] += qty
    stock = {code: float(math.ceil(qty * 1.5)) for code, qty in total.items()}
    receipts = [
        ReceiptSpec(
            "PUR-70001", "R-0402", float(math.ceil(total["R-0402"] * 0.5)), day + timedelta(days=5)
        ),
        ReceiptSpec(
            "PUR-70002", "PASTE", float(math.ceil(total["PASTE"] * 0.5)), day + timedelta(days=8)
        ),
    ]
    pmic = [need["IC-PMIC"] for _o, need in needs if "IC-PMIC" in need]
    if pmic:
        stock["IC-PMIC"] = sum(pmic[: (len(pmic) + 2) // 3])
        late = sum(pmic[:-1]) + pmic[-1] / 2 - stock["IC-PMIC"]
        if late > 0:
            receipts.append(ReceiptSpec("PUR-70003", "IC-PMIC", late, day + timedelta(days=3)))
    xfmr = [need["XFMR"] for _o, need in needs if "XFMR" in need]
    if xfmr:
        stock["XFMR"] = sum(xfmr[: (len(xfmr) + 1) // 2])
        late = sum(xfmr) - stock["XFMR"]
        if late > 0:
            receipts.append(ReceiptSpec("PUR-70004", "XFMR", late, day + timedelta(days=4)))
    return dict(sorted(stock.items())), tuple(receipts)


# The factory of the tests and benchmarks: two shifts, Monday to Friday, with holidays.
TWO_SHIFTS = (
    ShiftSpec("A", "Early shift", "06:00", "14:00", (0, 1, 2, 3, 4), (("09:30", 30),)),
    ShiftSpec("B", "Late shift", "14:00", "22:00", (0, 1, 2, 3, 4), (("18:00", 30),)),
)
EVERY_DAY = (0, 1, 2, 3, 4, 5, 6)
# The demo that someone tries at any hour: three shifts, every day of the week.
AROUND_THE_CLOCK = (
    ShiftSpec("A", "Early shift", "06:00", "14:00", EVERY_DAY, (("09:30", 30),)),
    ShiftSpec("B", "Late shift", "14:00", "22:00", EVERY_DAY, (("18:00", 30),)),
    ShiftSpec("C", "Night shift", "22:00", "06:00", EVERY_DAY, (("02:00", 30),)),
)


def build_factory(
    now: datetime | None = None,
    *,
    line_groups: int = 1,
    orders: int = 40,
    seed: int = 7,
    quantity_scale: float = 1.0,
    around_the_clock: bool = False,
    history_days: int = 0,
) -> FactorySpec:
    """The demo factory as of ``now`` (UTC): orders fall due over the next two weeks.

    ``quantity_scale`` multiplies every order quantity, so that a benchmark can load many
    orders onto few lines and still ask for roughly two weeks of work (high-mix, small
    batches) instead of months.

    ``around_the_clock`` is the demo's own calendar: three shifts every day and no
    holidays, so that whoever tries the demo, on a Sunday night or on Christmas Eve,
    sees a working factory. Without it (the tests' and benchmarks' factory) the plant
    works two shifts Monday to Friday. Only the calendar differs: lines, products,
    operators and orders are the same for the same seed.

    ``history_days`` adds the orders of that many past days (``FactorySpec.history``),
    for ``linewise.demo.history`` to produce in a simulation of the past.
    """
    now = (now or datetime.now(UTC)).astimezone(UTC)
    rng = random.Random(seed)
    lines = _lines(line_groups)
    products = _products(lines)
    operators = _operators(rng, line_groups)
    if around_the_clock:  # a night crew of its own, drawn apart so the rest stays the same
        night = random.Random(f"{seed}:night")
        operators += _operators(night, line_groups, ("C",), first=len(operators))
    customers, order_specs = _orders(rng, now, products, orders, quantity_scale)
    stock, receipts = _supply(now, products, order_specs)
    year = now.astimezone(UTC).year
    holidays = (
        (f"{year}-12-24", "Christmas Eve"),
        (f"{year}-12-25", "Christmas Day"),
        (f"{year}-12-26", "Boxing Day"),
        (f"{year + 1}-01-01", "New Year"),
    )
    return FactorySpec(
        site_code="PLANT-1",
        site_name="Demo Electronics Plant",
        timezone=SITE_TIMEZONE,
        areas=dict(AREAS),
        lines=lines,
        materials=dict(MATERIALS),
        products=products,
        operators=operators,
        shifts=AROUND_THE_CLOCK if around_the_clock else TWO_SHIFTS,
        holidays=() if around_the_clock else holidays,
        reasons=DOWNTIME_REASONS + SCRAP_REASONS + REWORK_REASONS,
        customers=customers,
        orders=order_specs,
        stock=stock,
        receipts=receipts,
        as_of=now,
        history=_history_orders(seed, now, products, customers, history_days)
        if history_days > 0
        else (),
    )
