"""Write a :class:`FactorySpec` into an empty database through the ORM (audited)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from linewise.core.errors import Conflict
from linewise.core.security import Role
from linewise.core.time import utcnow
from linewise.demo.quality import add_quality
from linewise.domains.accounts.service import create_user
from linewise.domains.equipment.models import Area, Line, Machine, Site
from linewise.domains.inventory import ledger_service
from linewise.domains.inventory.models import (
    LocationKind,
    Material,
    Receipt,
    StockLevel,
    StockLocation,
)
from linewise.domains.people.models import Holiday, Operator, ShiftCalendar, ShiftPattern
from linewise.domains.production.models import (
    BomItem,
    CustomerOrder,
    OperationStatus,
    OrderOperation,
    Product,
    ProductionOrder,
    RoutingStep,
    RoutingStepLine,
)
from linewise.domains.quality.models import ReasonCode
from linewise.simulation.spec import FactorySpec

# Demo users: one per role. Only `linewise demo` creates them, and it says so loudly.
DEMO_PASSWORD = "linewise-demo"
DEMO_USERS = (
    ("admin", Role.ADMIN, "Demo Admin", ()),
    ("planner", Role.PLANNER, "Paula Planner", ()),
    ("manager", Role.MANAGER, "Martin Manager", ()),
    ("supervisor", Role.SUPERVISOR, "Sofia Supervisor", ("SMT", "THT")),
    ("operator", Role.OPERATOR, "Oskar Operator", ("SMT",)),
)


@dataclass(frozen=True)
class LoadReport:
    lines: int
    machines: int
    products: int
    operators: int
    orders: int
    users: int
    past_orders: int = 0  # produced before ``as_of``: what a simulated history works on


def database_is_empty(db: Session) -> bool:
    return not db.scalar(select(func.count()).select_from(Site))


def load_factory(db: Session, spec: FactorySpec, *, with_users: bool = True) -> LoadReport:
    """Load the whole factory in the caller's transaction; refuses a non-empty database."""
    if not database_is_empty(db):
        raise Conflict(
            "the database already holds a factory; the demo loads only into an empty one"
        )
    site = Site(code=spec.site_code, name=spec.site_name, timezone=spec.timezone)
    areas = {code: Area(site=site, code=code, name=name) for code, name in spec.areas.items()}
    lines: dict[str, Line] = {}
    machines = 0
    for ls in spec.lines:
        line = Line(area=areas[ls.area], code=ls.code, name=ls.name, type=ls.type)
        for ms in ls.machines:
            Machine(
                line=line,
                code=ms.code,
                name=ms.name,
                kind=ms.kind,
                position=ms.position,
                speed_factor=ms.speed_factor,
                minor_stop_threshold_s=ms.minor_stop_threshold_s,
            )
            machines += 1
        lines[ls.code] = line
    db.add(site)
    materials = {
        code: Material(code=code, name=name, unit=unit)
        for code, (name, unit) in spec.materials.items()
    }
    db.add_all(materials.values())
    # Opening stock goes through the ledger into the site's store, so the store shows it
    # by location and the demo's counts draw it down there (backflush falls back to the
    # store when a line has no line-side location).
    db.add_all(StockLevel(material=materials[code], quantity=0.0) for code in spec.stock)
    db.flush()
    store = StockLocation(site_id=site.id, code="STORE", name="Store", kind=LocationKind.STORE)
    db.add(store)
    db.flush()
    for code, qty in spec.stock.items():
        if qty > 0:
            ledger_service.receive(
                db,
                material_id=materials[code].id,
                qty=qty,
                lot="",
                location_id=store.id,
                receipt_id=None,
                at=None,
                client_ref=f"demo-opening-{code}",
            )
    db.add_all(
        Receipt(
            material=materials[r.material],
            quantity=r.quantity,
            expected_at=r.expected,
            reference=r.reference,
        )
        for r in spec.receipts
    )
    products: dict[str, Product] = {}
    for ps in spec.products:
        product = Product(code=ps.code, name=ps.name, family=ps.family)
        product.steps = [
            RoutingStep(
                seq=st.seq,
                name=st.name,
                work_center_type=st.work_center_type,
                setup_time_s=st.setup_time_s,
                setup_family=st.setup_family,
                skill=st.skill,
                eligible=[
                    RoutingStepLine(line=lines[code], cycle_time_s=cycle)
                    for code, cycle in st.cycle_time_s.items()
                ],
            )
            for st in ps.steps
        ]
        product.bom = [
            BomItem(material=materials[code], quantity_per_unit=qty) for code, qty in ps.bom.items()
        ]
        products[ps.code] = product
    db.add_all(products.values())
    for op in spec.operators:
        db.add(
            Operator(
                code=op.code,
                name=op.name,
                skills=list(op.skills),
                shift_code=op.shift_code,
                areas=[areas[a] for a in op.areas],
            )
        )
    db.flush()
    _add_calendar(db, spec, site)
    _add_reasons(db, spec)
    db.flush()
    add_quality(db, spec)
    _add_orders(db, spec, products, lines)
    _add_maintenance_plans(db, spec)
    users = 0
    if with_users:
        for username, role, full_name, area_codes in DEMO_USERS:
            create_user(
                db,
                username=username,
                password=DEMO_PASSWORD,
                role=role,
                full_name=full_name,
                area_ids=[areas[c].id for c in area_codes],
            )
            users += 1
    db.flush()
    return LoadReport(
        lines=len(lines),
        machines=machines,
        products=len(products),
        operators=len(spec.operators),
        orders=len(spec.orders),
        users=users,
        past_orders=len(spec.history),
    )


AROUND_THE_CLOCK_CALENDAR = "PLANT-1-24-7"


def _add_maintenance_plans(db: Session, spec: FactorySpec) -> None:
    """A preventive plan per machine class every two weeks, and early warnings from the
    anomaly detector on every class (docs/maintenance.md)."""
    from linewise.domains.maintenance.models import MaintenancePlan

    kinds = sorted({m.kind for line in spec.lines for m in line.machines})
    for kind in kinds:
        db.add(MaintenancePlan(name=f"{kind}: inspect and clean", machine_kind=kind,
                               trigger="time", interval_days=14, lead_days=3,
                               tolerance_days=2, duration_min=60,
                               checklist=["Clean", "Inspect wear parts", "Test run"]))  # fmt: skip
        db.add(MaintenancePlan(name=f"{kind}: early warning", machine_kind=kind,
                               trigger="anomaly", lead_days=0, tolerance_days=1,
                               duration_min=45, checklist=["Check the signals named"]))  # fmt: skip


def calendar_name(spec: FactorySpec) -> tuple[str, str]:
    """The demo calendar's code and name: the live feed reads which calendar is loaded
    from the code, so that it simulates the shifts the KPIs count as planned time."""
    every_day = all(len(sh.weekdays) == 7 for sh in spec.shifts)
    if every_day and len(spec.shifts) == 3:
        return AROUND_THE_CLOCK_CALENDAR, "Three shifts, every day"
    days = "every day" if every_day else "Monday to Friday"
    count = {1: "One shift", 2: "Two shifts", 3: "Three shifts"}.get(len(spec.shifts), "Shifts")
    return f"{spec.site_code}-{len(spec.shifts)}SHIFT", f"{count}, {days}"


def _add_calendar(db: Session, spec: FactorySpec, site: Site) -> None:
    code, name = calendar_name(spec)
    cal = ShiftCalendar(code=code, name=name, site_id=site.id)
    cal.patterns = [
        ShiftPattern(
            code=sh.code,
            name=sh.name,
            start=sh.start,
            end=sh.end,
            weekdays=list(sh.weekdays),
            breaks=[{"start": start, "minutes": minutes} for start, minutes in sh.breaks],
        )
        for sh in spec.shifts
    ]
    cal.holidays = [Holiday(day=date.fromisoformat(d), name=name) for d, name in spec.holidays]
    db.add(cal)


def _add_reasons(db: Session, spec: FactorySpec) -> None:
    by_code: dict[tuple[str, str], ReasonCode] = {}
    for rs in spec.reasons:  # parents come before their children in the spec
        parent = by_code.get((rs.category, rs.parent)) if rs.parent else None
        if parent is not None and parent.id is None:
            db.flush()
        reason = ReasonCode(
            code=rs.code,
            name=rs.name,
            category=rs.category,
            machine_class=rs.machine_class,
            parent_id=parent.id if parent is not None else None,
        )
        db.add(reason)
        by_code[(rs.category, rs.code)] = reason


def _add_orders(
    db: Session, spec: FactorySpec, products: dict[str, Product], lines: dict[str, Line]
) -> None:
    customer_orders = {
        number: CustomerOrder(number=number, customer=customer)
        for number, customer in spec.customers.items()
    }
    db.add_all(customer_orders.values())
    for os_ in (*spec.history, *spec.orders):
        product = products[os_.product]
        order = ProductionOrder(
            number=os_.number,
            customer_order=customer_orders[os_.customer_order],
            product=product,
            quantity=os_.quantity,
            release_date=os_.release,
            due_date=os_.due,
            priority=os_.priority,
            status=os_.status,
        )
        for step in product.steps:
            prog = os_.progress.get(step.seq)
            line_id = lines[prog.line].id if prog and prog.line else None
            if line_id is None and len(step.eligible) == 1:
                line_id = step.eligible[0].line.id
            op = OrderOperation(
                seq=step.seq,
                step_id=step.id,
                name=step.name,
                work_center_type=step.work_center_type,
                quantity=os_.quantity,
                line_id=line_id,
                status=prog.status if prog else OperationStatus.PENDING,
                good_qty=prog.good if prog else 0,
                scrap_qty=prog.scrap if prog else 0,
                rework_qty=prog.rework if prog else 0,
            )
            order.operations.append(op)
        _place_history(order.operations, os_.quantity, spec.as_of or utcnow())
        db.add(order)


STAGE_HOURS = 6  # how long a finished demo stage took
STAGE_GAP_HOURS = 1  # the wait between two stages


def _place_history(ops: list[OrderOperation], quantity: int, now: datetime) -> None:
    """Actual start and end of the stages already worked on, all before ``now``.

    Counted back from ``now``: the running stage started as long ago as its good share
    took (a stage takes ``STAGE_HOURS``), each finished stage ended an hour before the
    next one started. (Counting forward from the release date put finished stages in the
    future, since a release date can lie ahead.)
    """
    worked = [op for op in ops if op.status != OperationStatus.PENDING]
    next_start = now
    for op in reversed(worked):
        if op.status == OperationStatus.COMPLETED:
            op.completed_at = next_start - timedelta(hours=STAGE_GAP_HOURS)
            op.started_at = op.completed_at - timedelta(hours=STAGE_HOURS)
        else:
            share = min(1.0, (op.good_qty or 0) / max(1, quantity))
            op.started_at = now - timedelta(hours=max(0.25, STAGE_HOURS * share))
        next_start = op.started_at
