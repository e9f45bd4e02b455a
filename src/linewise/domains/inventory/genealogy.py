"""Genealogy: lot-to-lot links kept at consumption time, and traces both ways.

The ledger calls :func:`record` with the movements it has just inserted, in the same
transaction, so the links always agree with the ledger:

- a consumption (backflush or manual issue) of ``qty`` of component lot C for an order
  adds ``qty`` to the link (order's output lot → C); its reversal takes it off again;
- an order's output lot is (the item the order makes, the order number): the product's
  item, or for a sub-assembly (a material made by orders of that product) the
  material's item, so the parent order's consumption of that material links to the
  very lot the sub-assembly's order received — a multi-level trace is one walk;
- a shipment of a finished lot to a customer order adds to ``trace_shipments``.

A trace is a recursive query over ``trace_links`` (primary key parent→child, index
child→parent), the same SQL on SQLite and PostgreSQL: it reads only the links it
reaches, however long the ledger is.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Connection, Table, bindparam, func, literal, select

from linewise.domains.inventory import ledger
from linewise.domains.inventory.genealogy_models import TraceLink, TraceLot, TraceShipment
from linewise.domains.inventory.models import Material, MovementKind, StockItem, StockMovement
from linewise.domains.production.models import CustomerOrder, Product, ProductionOrder
from linewise.domains.quality.models import Inspection

if TYPE_CHECKING:
    from linewise.domains.inventory.ledger import Move

LOTS = cast(Table, TraceLot.__table__)
LINKS = cast(Table, TraceLink.__table__)
SHIPMENTS = cast(Table, TraceShipment.__table__)
_MATERIALS = cast(Table, Material.__table__)
_ORDERS = cast(Table, ProductionOrder.__table__)
_CUSTOMER_ORDERS = cast(Table, CustomerOrder.__table__)
_PRODUCTS = cast(Table, Product.__table__)
_ITEMS = cast(Table, StockItem.__table__)

CONSUMED = (MovementKind.BACKFLUSH.value, MovementKind.ISSUE.value)
MAX_DEPTH = 20  # BOM levels a trace follows (a cycle in bad data ends here)
_EPS = 1e-9


_SUBASSEMBLY = select(_MATERIALS.c.id).where(_MATERIALS.c.product_id == bindparam("product"))
_SUB_ITEMS = cast(Table, StockItem.__table__).alias("sub_item")
_PRODUCT_ITEMS = cast(Table, StockItem.__table__).alias("product_item")
# An order's number and output item in one query: the sub-assembly material's item if
# its product makes one, else the product's item (null when not made yet).
_ORDER = (
    select(
        _ORDERS.c.product_id,
        _ORDERS.c.number,
        _MATERIALS.c.id.label("sub_material"),
        func.coalesce(_SUB_ITEMS.c.id, _PRODUCT_ITEMS.c.id).label("item"),
    )
    .outerjoin(_MATERIALS, _MATERIALS.c.product_id == _ORDERS.c.product_id)
    .outerjoin(_SUB_ITEMS, _SUB_ITEMS.c.material_id == _MATERIALS.c.id)
    .outerjoin(
        _PRODUCT_ITEMS,
        (_PRODUCT_ITEMS.c.product_id == _ORDERS.c.product_id) & _MATERIALS.c.id.is_(None),
    )
    .where(_ORDERS.c.id == bindparam("order"))
)
_LOTS_OF = select(LOTS.c.id, LOTS.c.item_id, LOTS.c.lot).where(
    LOTS.c.item_id.in_(bindparam("items", expanding=True)),
    LOTS.c.lot.in_(bindparam("lots", expanding=True)),
)
_MOVES = cast(Table, StockMovement.__table__)
_ORIGINALS = select(_MOVES.c.id, _MOVES.c.kind, _MOVES.c.customer_order_id).where(
    _MOVES.c.id.in_(bindparam("ids", expanding=True))
)


def _lots_insert(conn: Connection) -> Any:
    return ledger.insert_for(conn, LOTS).on_conflict_do_nothing(
        index_elements=[LOTS.c.item_id, LOTS.c.lot]
    )


def _links_upsert(conn: Connection) -> Any:
    ins = ledger.insert_for(conn, LINKS)
    return ins.on_conflict_do_update(
        index_elements=[LINKS.c.parent_id, LINKS.c.child_id],
        set_={"qty": LINKS.c.qty + ins.excluded.qty},
    )


def _shipments_upsert(conn: Connection) -> Any:
    ins = ledger.insert_for(conn, SHIPMENTS)
    return ins.on_conflict_do_update(
        index_elements=[SHIPMENTS.c.lot_id, SHIPMENTS.c.customer_order_id],
        set_={
            "qty": SHIPMENTS.c.qty + ins.excluded.qty,
            "movements": SHIPMENTS.c.movements + ins.excluded.movements,
        },
    )


def output_item(conn: Connection, product_id: int) -> int:
    """The ledger item an order of ``product_id`` makes: the sub-assembly material made
    by that product if there is one, else the product itself."""
    material_id = conn.scalar(_SUBASSEMBLY, {"product": product_id})
    if material_id is not None:
        return ledger.item_of_material(conn, int(material_id))
    return ledger.item_of_product(conn, product_id)


@dataclass
class LotIds:
    """Trace lot ids kept between postings (by the backflush projection): a trace lot
    never changes its id and is never deleted, so one that existed before the current
    transaction is safe to keep. One made in the current transaction (by this posting or
    an earlier one in it) is kept only until that transaction ends, since it may yet
    roll back."""

    kept: dict[tuple[int, str], int] = field(default_factory=dict)
    made: dict[tuple[int, str], int] = field(default_factory=dict)
    transaction: Any = None

    def mine(self, conn: Connection) -> dict[tuple[int, str], int]:
        """The lots made in ``conn``'s current transaction (forgotten at a new one)."""
        current = conn.get_transaction()
        if current is not self.transaction:
            self.transaction, self.made = current, {}
        return self.made


def lot_ids(
    conn: Connection,
    keys: Iterable[tuple[int, str]],
    made_by: dict[tuple[int, str], int],
    cache: LotIds | None = None,
) -> dict[tuple[int, str], int]:
    """Ids of the trace lots (item, lot), made if new; ``made_by`` names the order that
    made a lot (finished goods, sub-assemblies). With ``cache``, lots known from earlier
    postings are not looked up again."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    cache = cache or LotIds()
    made = cache.mine(conn)
    found = {
        k: cache.kept[k] if k in cache.kept else made[k]
        for k in wanted
        if k in cache.kept or k in made
    }
    rest = [k for k in wanted if k not in found]
    if not rest:
        return found
    existing = _existing(conn, rest)
    cache.kept.update(existing)  # made lots were found in `made` above
    found.update(existing)
    missing = [k for k in rest if k not in found]
    if missing:
        conn.execute(
            ledger.built(conn, "trace_lots_insert", _lots_insert),
            [{"item_id": i, "lot": lot, "order_id": made_by.get((i, lot))} for i, lot in missing],
        )
        new = _existing(conn, missing)
        made.update(new)
        found.update(new)
    return found


def _existing(conn: Connection, keys: Sequence[tuple[int, str]]) -> dict[tuple[int, str], int]:
    out: dict[tuple[int, str], int] = {}
    items = sorted({i for i, _ in keys})
    lots = sorted({lot for _, lot in keys})
    rows = conn.execute(_LOTS_OF, {"items": items, "lots": lots}).all()
    wanted = set(keys)
    for r in rows:
        key = (int(r.item_id), str(r.lot))
        if key in wanted:
            out[key] = int(r.id)
    return out


@dataclass
class OrderOutputs:
    """Per order: the (item, lot) it makes, looked up once per posting."""

    conn: Connection
    known: dict[int, tuple[int, str]] = field(default_factory=dict)

    def of(self, order_id: int) -> tuple[int, str] | None:
        if order_id not in self.known:
            row = self.conn.execute(_ORDER, {"order": order_id}).first()
            if row is None:
                return None
            item = (
                int(row.item)
                if row.item is not None
                else output_item(self.conn, int(row.product_id))  # made on first use
            )
            self.known[order_id] = (item, str(row.number))
        return self.known[order_id]


@dataclass(frozen=True)
class Changes:
    """What movements change in the genealogy: link and shipment rows to add (net),
    each in one lock order for every writer."""

    links: list[dict[str, Any]]  # parent_id, child_id, qty
    shipments: list[dict[str, Any]]  # lot_id, customer_order_id, qty, movements


def changes(
    conn: Connection,
    moves: Sequence[Move],
    outputs: OrderOutputs | None = None,
    lots: LotIds | None = None,
) -> Changes:
    """The links and shipments for movements just inserted into the ledger (trace lots
    new to the genealogy are made here); ``outputs`` and ``lots``: what the caller
    knows already."""
    outputs = outputs or OrderOutputs(conn)
    reversed_ids = [m.reverses_id for m in moves if m.reverses_id is not None]
    originals: dict[int, Any] = {}
    if reversed_ids:
        originals = {
            int(r.id): r for r in conn.execute(_ORIGINALS, {"ids": sorted(reversed_ids)}).all()
        }
    links: dict[tuple[tuple[int, str], tuple[int, str]], float] = {}
    shipped: dict[tuple[tuple[int, str], int], tuple[float, int]] = {}
    made_by: dict[tuple[int, str], int] = {}
    for m in moves:
        kind, sign, customer = m.kind, 1.0, m.customer_order_id
        if m.reverses_id is not None and m.reverses_id in originals:
            original = originals[m.reverses_id]
            kind, sign, customer = str(original.kind), -1.0, original.customer_order_id
        if kind == MovementKind.PRODUCTION_RECEIPT and m.order_id is not None:
            made_by[(m.item_id, m.lot)] = m.order_id
            links.setdefault(((m.item_id, m.lot), (m.item_id, m.lot)), 0.0)  # node only
        elif kind in CONSUMED and m.order_id is not None:
            parent = outputs.of(m.order_id)
            if parent is None:
                continue
            made_by[parent] = m.order_id
            key = (parent, (m.item_id, m.lot))
            links[key] = links.get(key, 0.0) + sign * m.qty
        elif kind == MovementKind.SHIPMENT and customer is not None:
            skey = ((m.item_id, m.lot), int(customer))
            qty, n = shipped.get(skey, (0.0, 0))
            shipped[skey] = (qty + sign * m.qty, n + 1)
    if not links and not shipped:
        return Changes([], [])
    keys = {k for pair in links for k in pair} | {lot for lot, _ in shipped}
    ids = lot_ids(conn, keys, made_by, lots)
    rows = sorted(
        (ids[p], ids[c], q) for (p, c), q in links.items() if p != c
    )  # one lock order for every writer
    return Changes(
        [{"parent_id": p, "child_id": c, "qty": q} for p, c, q in rows],
        [
            {"lot_id": ids[lot], "customer_order_id": co, "qty": q, "movements": n}
            for (lot, co), (q, n) in sorted(
                shipped.items(), key=lambda kv: (ids[kv[0][0]], kv[0][1])
            )
        ],
    )


def write(conn: Connection, found: Changes) -> None:
    """Add ``found`` to the links and shipments (one executemany each)."""
    if found.links:
        conn.execute(ledger.built(conn, "trace_links_upsert", _links_upsert), found.links)
    if found.shipments:
        conn.execute(
            ledger.built(conn, "trace_shipments_upsert", _shipments_upsert), found.shipments
        )


def record(
    conn: Connection,
    moves: Sequence[Move],
    outputs: OrderOutputs | None = None,
    lots: LotIds | None = None,
) -> None:
    """Keep the links and shipments for movements just inserted into the ledger."""
    write(conn, changes(conn, moves, outputs, lots))


# --- traces ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Edge:
    parent_id: int
    child_id: int
    qty: float
    depth: int


def _walk_statement(direction: str) -> Any:
    near = LINKS.c.parent_id if direction == "backward" else LINKS.c.child_id
    start = (
        select(LINKS.c.parent_id, LINKS.c.child_id, LINKS.c.qty, literal(1).label("depth"))
        .where(near == bindparam("root"), LINKS.c.qty > _EPS)
        .cte("reach", recursive=True)
    )
    step = LINKS.alias("step")
    s_near = step.c.parent_id if direction == "backward" else step.c.child_id
    reached_far = start.c.child_id if direction == "backward" else start.c.parent_id
    # The recursive step filters on the link it came along (a CTE column), never on a
    # column of the next link: a condition on ``step.qty`` made SQLite build a Bloom
    # filter over the whole links table at every step (40 ms instead of 0.7 ms at
    # 100 000 links). Zero links are dropped by the outer filter.
    reach = start.union_all(
        select(step.c.parent_id, step.c.child_id, step.c.qty, start.c.depth + 1)
        .join(start, s_near == reached_far)
        .where(start.c.depth < MAX_DEPTH, start.c.qty > _EPS)
    )
    return select(reach.c.parent_id, reach.c.child_id, reach.c.qty, reach.c.depth).where(
        reach.c.qty > _EPS
    )


_WALK = {d: _walk_statement(d) for d in ("backward", "forward")}


def walk(conn: Connection, root_id: int, direction: str) -> list[Edge]:
    """Every link reachable from ``root_id``: towards the components (``backward``) or
    towards what they went into (``forward``), up to :data:`MAX_DEPTH` levels."""
    rows = conn.execute(_WALK[direction], {"root": root_id}).all()
    seen: set[tuple[int, int]] = set()
    out: list[Edge] = []
    for r in rows:
        key = (int(r.parent_id), int(r.child_id))
        if key in seen:
            continue  # a lot reached along two paths: its links once
        seen.add(key)
        out.append(Edge(key[0], key[1], float(r.qty), int(r.depth)))
    return out


_LOT_ROWS = (
    select(
        LOTS.c.id,
        LOTS.c.item_id,
        LOTS.c.lot,
        LOTS.c.order_id,
        _ORDERS.c.number,
        _ITEMS.c.material_id,
        _ITEMS.c.product_id,
        func.coalesce(_MATERIALS.c.code, _PRODUCTS.c.code).label("code"),
        func.coalesce(_MATERIALS.c.name, _PRODUCTS.c.name).label("name"),
        _MATERIALS.c.unit,
    )
    .join(_ITEMS, _ITEMS.c.id == LOTS.c.item_id)
    .outerjoin(_MATERIALS, _MATERIALS.c.id == _ITEMS.c.material_id)
    .outerjoin(_PRODUCTS, _PRODUCTS.c.id == _ITEMS.c.product_id)
    .outerjoin(_ORDERS, _ORDERS.c.id == LOTS.c.order_id)
    .where(LOTS.c.id.in_(bindparam("ids", expanding=True)))
)


def lots(conn: Connection, ids: Iterable[int]) -> dict[int, Any]:
    """The lots with their item (kind, id, code, name, unit) and the order that made
    them, in one query."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {int(r.id): r for r in conn.execute(_LOT_ROWS, {"ids": wanted}).all()}


def item_ref(row: Any) -> dict[str, Any]:
    """The item of a :func:`lots` row as the API's item reference."""
    material = row.material_id is not None
    return {
        "kind": "material" if material else "product",
        "id": row.material_id if material else row.product_id,
        "code": row.code,
        "name": row.name,
        "unit": row.unit or "pcs",
    }


def shipments(conn: Connection, lot_ids_: Iterable[int]) -> dict[int, list[tuple[str, str, float]]]:
    """Per lot: (customer order, customer, qty) it was shipped to, net of reversals."""
    wanted = sorted(set(lot_ids_))
    if not wanted:
        return {}
    rows = conn.execute(
        select(
            SHIPMENTS.c.lot_id,
            _CUSTOMER_ORDERS.c.number,
            _CUSTOMER_ORDERS.c.customer,
            SHIPMENTS.c.qty,
        )
        .join(_CUSTOMER_ORDERS, _CUSTOMER_ORDERS.c.id == SHIPMENTS.c.customer_order_id)
        .where(SHIPMENTS.c.lot_id.in_(wanted), SHIPMENTS.c.qty > _EPS)
        .order_by(_CUSTOMER_ORDERS.c.number)
    ).all()
    out: dict[int, list[tuple[str, str, float]]] = {}
    for r in rows:
        out.setdefault(int(r.lot_id), []).append((str(r.number), str(r.customer), float(r.qty)))
    return out


def find_lots(conn: Connection, text: str, limit: int = 50) -> list[int]:
    """Trace lots whose code starts with ``text`` (the search box)."""
    rows = conn.execute(
        select(LOTS.c.id)
        .where(LOTS.c.lot.startswith(text, autoescape=True), LOTS.c.lot != "")
        .order_by(LOTS.c.lot, LOTS.c.id)
        .limit(limit)
    ).all()
    return [int(r.id) for r in rows]


def lots_of_serials(conn: Connection, text: str, limit: int = 50) -> list[tuple[str, int]]:
    """(serial, finished lot) for unit serials starting with ``text``: a serial is known
    from its inspection results (quality), which name the order that made the unit; the
    unit belongs to that order's finished lot (the lot the order's output is received
    as). Serials of orders that have received nothing yet have no lot and are left out."""
    rows = conn.execute(
        select(Inspection.serial, LOTS.c.id)
        .join(LOTS, LOTS.c.order_id == Inspection.order_id)
        .where(Inspection.serial.startswith(text, autoescape=True))
        .distinct()
        .order_by(Inspection.serial, LOTS.c.id)
        .limit(limit)
    ).all()
    return [(str(r.serial), int(r.id)) for r in rows]


def lot_id_of(conn: Connection, item_id: int, lot: str) -> int | None:
    found = conn.scalar(select(LOTS.c.id).where(LOTS.c.item_id == item_id, LOTS.c.lot == lot))
    return None if found is None else int(found)
