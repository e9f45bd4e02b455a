"""The material ledger: append movements, keep stock on hand as their sum.

Everything that changes stock goes through :func:`post`, on a Core connection, so the
ingest recorder (backflush from machine counts, in its own transaction) and a request's
unit of work (receipts, transfers, reports) share one rule:

- a movement is inserted only if its ``cause_key`` is new; a replay of the same cause
  (a count event stored twice, a retried request) inserts nothing and moves nothing;
- stock on hand per (item, location, lot) is changed by an atomic upsert in the same
  transaction, so it always equals the sum of the ledger and two writers at once never
  lose an update (PostgreSQL serialises them on the row);
- a location whose policy is *refuse* refuses a manual movement that would take it below
  zero (the whole request rolls back); backflush from counts is never refused (the units
  were made) but a movement that takes stock below zero is flagged;
- the planner's plant-wide figure (``stock_levels``) moves with every material movement
  that enters or leaves the plant, so material checks see the ledger.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import (
    Connection,
    DateTime,
    Float,
    Integer,
    String,
    Table,
    bindparam,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY

from linewise.core.errors import Conflict, FieldError
from linewise.core.time import require_aware, utcnow
from linewise.domains.equipment.models import Area, Line
from linewise.domains.inventory import genealogy
from linewise.domains.inventory.models import (
    LocationKind,
    NegativePolicy,
    StockItem,
    StockLevel,
    StockLocation,
    StockMovement,
    StockOnHand,
)

ITEMS = cast(Table, StockItem.__table__)
LOCATIONS = cast(Table, StockLocation.__table__)
MOVEMENTS = cast(Table, StockMovement.__table__)
ON_HAND = cast(Table, StockOnHand.__table__)
LEVELS = cast(Table, StockLevel.__table__)
_LINES = cast(Table, Line.__table__)
_AREAS = cast(Table, Area.__table__)


@dataclass(frozen=True)
class Move:
    """A movement to post. ``qty`` is positive (a count's zero difference may be 0)."""

    kind: str
    item_id: int
    qty: float
    from_location_id: int | None
    to_location_id: int | None
    cause: str
    cause_ref: str
    cause_key: str
    at: datetime
    by: str
    lot: str = ""
    reason: str = ""
    order_id: int | None = None
    operation_id: int | None = None
    receipt_id: int | None = None
    reverses_id: int | None = None
    customer_order_id: int | None = None
    maintenance_order_id: int | None = None


def insert_for(conn: Connection, table: Table) -> Any:
    """An INSERT that can say ON CONFLICT: both dialects spell it the same way, the
    statement classes differ."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


_insert = insert_for

# Statements of the batch path, built once per dialect: building SQLAlchemy expressions
# per batch cost more CPU than running them (the backflush profile, docs/inventory.md).
_BUILT: dict[tuple[str, str], Any] = {}


def built(conn: Connection, name: str, make: Any) -> Any:
    """The statement ``name`` for this connection's dialect, made once by ``make(conn)``."""
    key = (conn.dialect.name, name)
    found = _BUILT.get(key)
    if found is None:
        found = _BUILT[key] = make(conn)
    return found


def _lots_of_items(conn: Connection) -> Any:
    stmt = (
        select(ON_HAND.c.item_id, ON_HAND.c.lot, ON_HAND.c.qty)
        .where(
            ON_HAND.c.item_id.in_(bindparam("items", expanding=True)),
            ON_HAND.c.location_id == bindparam("location"),
        )
        .order_by(ON_HAND.c.item_id, ON_HAND.c.first_at, ON_HAND.c.lot)
    )
    return stmt.with_for_update() if conn.dialect.name == "postgresql" else stmt


_ITEMS_OF_MATERIALS = select(ITEMS.c.material_id, ITEMS.c.id).where(
    ITEMS.c.material_id.in_(bindparam("materials", expanding=True))
)
_MATERIAL_OF_ITEMS = select(ITEMS.c.id, ITEMS.c.material_id).where(
    ITEMS.c.id.in_(bindparam("items", expanding=True)), ITEMS.c.material_id.is_not(None)
)


def _values(m: Move, recorded_at: datetime) -> dict[str, Any]:
    return {
        "kind": m.kind,
        "item_id": m.item_id,
        "qty": m.qty,
        "from_location_id": m.from_location_id,
        "to_location_id": m.to_location_id,
        "lot": m.lot,
        "order_id": m.order_id,
        "operation_id": m.operation_id,
        "receipt_id": m.receipt_id,
        "cause": m.cause,
        "cause_ref": m.cause_ref,
        "cause_key": m.cause_key,
        "reason": m.reason,
        "at": m.at,
        "recorded_at": recorded_at,
        "by": m.by,
        "reverses_id": m.reverses_id,
        "flagged": False,
        "customer_order_id": m.customer_order_id,
        "maintenance_order_id": m.maintenance_order_id,
    }


# --- items and locations -----------------------------------------------------------------


def _item(conn: Connection, column: str, key: int) -> int:
    col = ITEMS.c[column]
    found = conn.scalar(select(ITEMS.c.id).where(col == key))
    if found is not None:
        return int(found)
    conn.execute(_insert(conn, ITEMS).values({column: key}).on_conflict_do_nothing())
    return int(conn.scalar(select(ITEMS.c.id).where(col == key)) or 0)


def item_of_material(conn: Connection, material_id: int) -> int:
    """The ledger's item for a material, made on first use."""
    return _item(conn, "material_id", material_id)


def item_of_product(conn: Connection, product_id: int) -> int:
    """The ledger's item for a product (finished goods), made on first use."""
    return _item(conn, "product_id", product_id)


def existing_items_of_materials(conn: Connection, material_ids: Sequence[int]) -> dict[int, int]:
    """The ledger's items of those materials that have one (material → item); reads only."""
    rows = conn.execute(_ITEMS_OF_MATERIALS, {"materials": sorted(set(material_ids))}).all()
    return {int(r.material_id): int(r.id) for r in rows}


def items_of_materials(conn: Connection, material_ids: Sequence[int]) -> dict[int, int]:
    """The ledger's items of many materials (made on first use): material → item."""
    wanted = sorted(set(material_ids))
    rows = conn.execute(_ITEMS_OF_MATERIALS, {"materials": wanted}).all()
    found = {int(r.material_id): int(r.id) for r in rows}
    for material_id in wanted:
        if material_id not in found:
            found[material_id] = item_of_material(conn, material_id)
    return found


def site_of_line(conn: Connection, line_id: int) -> int | None:
    found = conn.scalar(
        select(_AREAS.c.site_id)
        .join(_LINES, _LINES.c.area_id == _AREAS.c.id)
        .where(_LINES.c.id == line_id)
    )
    return None if found is None else int(found)


def location_of(
    conn: Connection, site_id: int, kind: str, line_id: int | None = None
) -> int | None:
    stmt = select(LOCATIONS.c.id).where(LOCATIONS.c.site_id == site_id, LOCATIONS.c.kind == kind)
    if line_id is not None:
        stmt = stmt.where(LOCATIONS.c.line_id == line_id)
    found = conn.scalar(stmt.order_by(LOCATIONS.c.id).limit(1))
    return None if found is None else int(found)


_DEFAULT_NAMES = {
    LocationKind.STORE: "Store",
    LocationKind.FINISHED_GOODS: "Finished goods",
}


def ensure_location(conn: Connection, site_id: int, kind: LocationKind) -> int:
    """The site's first location of ``kind``; a site without one gets it (code = kind),
    so a count on a plant nobody has set up yet still lands somewhere visible."""
    found = location_of(conn, site_id, kind)
    if found is not None:
        return found
    now = utcnow()
    conn.execute(
        _insert(conn, LOCATIONS)
        .values(
            site_id=site_id,
            code=kind.value.upper(),
            name=_DEFAULT_NAMES.get(kind, kind.value),
            kind=kind.value,
            negative=NegativePolicy.ALLOW.value,
            version=1,
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing()
    )
    return int(
        conn.scalar(
            select(LOCATIONS.c.id).where(
                LOCATIONS.c.site_id == site_id, LOCATIONS.c.code == kind.value.upper()
            )
        )
        or 0
    )


def lots_on_hand(conn: Connection, item_id: int, location_id: int) -> list[tuple[str, float]]:
    """Lots with stock at a location, oldest first (first in, first out)."""
    rows = conn.execute(
        select(ON_HAND.c.lot, ON_HAND.c.qty)
        .where(
            ON_HAND.c.item_id == item_id,
            ON_HAND.c.location_id == location_id,
            ON_HAND.c.qty > 0,
        )
        .order_by(ON_HAND.c.first_at, ON_HAND.c.lot)
    ).all()
    return [(str(r.lot), float(r.qty)) for r in rows]


def lots_at(conn: Connection, item_id: int, location_id: int) -> list[list[Any]]:
    """Every lot row at a location as [lot, qty], oldest first (for in-memory FIFO)."""
    rows = conn.execute(
        select(ON_HAND.c.lot, ON_HAND.c.qty)
        .where(ON_HAND.c.item_id == item_id, ON_HAND.c.location_id == location_id)
        .order_by(ON_HAND.c.first_at, ON_HAND.c.lot)
    ).all()
    return [[str(r.lot), float(r.qty)] for r in rows]


def lots_of_items(
    conn: Connection, item_ids: Sequence[int], location_id: int
) -> dict[int, list[list[Any]]]:
    """:func:`lots_at` for many items at one location, in one query.

    The rows are locked until the caller commits (PostgreSQL; SQLite has one writer):
    two operations drawing on the same lot at once then draw one after the other, so
    the second sees what the first took and moves on to the next lot instead of both
    taking the same units."""
    rows = conn.execute(
        built(conn, "lots_of_items", _lots_of_items),
        {"items": sorted(set(item_ids)), "location": location_id},
    ).all()
    out: dict[int, list[list[Any]]] = {}
    for r in rows:
        out.setdefault(int(r.item_id), []).append([str(r.lot), float(r.qty)])
    return out


def on_hand(conn: Connection, item_id: int, location_id: int, lot: str) -> float:
    found = conn.scalar(
        select(ON_HAND.c.qty).where(
            ON_HAND.c.item_id == item_id,
            ON_HAND.c.location_id == location_id,
            ON_HAND.c.lot == lot,
        )
    )
    return float(found or 0.0)


# --- posting -----------------------------------------------------------------------------


def _change_on_hand(
    conn: Connection, item_id: int, location_id: int, lot: str, delta: float, at: datetime
) -> float:
    stmt = _insert(conn, ON_HAND).values(
        item_id=item_id, location_id=location_id, lot=lot, qty=delta, first_at=at
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[ON_HAND.c.item_id, ON_HAND.c.location_id, ON_HAND.c.lot],
        set_={"qty": ON_HAND.c.qty + stmt.excluded.qty},
    ).returning(ON_HAND.c.qty)
    return float(conn.scalar(stmt) or 0.0)


def _change_plant_figure(conn: Connection, item_id: int, delta: float) -> None:
    material_id = conn.scalar(select(ITEMS.c.material_id).where(ITEMS.c.id == item_id))
    if material_id is None or delta == 0:
        return  # finished goods have no planner figure
    now = utcnow()
    stmt = _insert(conn, LEVELS).values(
        material_id=material_id, quantity=delta, version=1, created_at=now, updated_at=now
    )
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=[LEVELS.c.material_id],
            set_={"quantity": LEVELS.c.quantity + stmt.excluded.quantity, "updated_at": now},
        )
    )


def _policy(conn: Connection, location_id: int) -> str:
    return str(conn.scalar(select(LOCATIONS.c.negative).where(LOCATIONS.c.id == location_id)))


def plant_delta(move: Move) -> float:
    """How much ``move`` changes the plant-wide figure (a transfer changes nothing)."""
    arrives = move.qty if move.to_location_id is not None else 0.0
    leaves = move.qty if move.from_location_id is not None else 0.0
    return arrives - leaves


def post(
    conn: Connection, moves: Sequence[Move], *, manual: bool, plant_figure: bool = True
) -> list[tuple[int, Move]]:
    """Append ``moves`` whose cause is new and update stock on hand; returns the ids of
    the movements inserted with their move (a replayed cause is left out).

    ``manual``: a person asked for it, so a *refuse* location refuses to go negative.
    ``plant_figure``: also move ``stock_levels`` here; a request's unit of work passes
    False and changes it through the ORM instead, so the change is audited.
    """
    inserted: list[tuple[int, Move]] = []
    recorded_at = utcnow()
    for move in moves:
        values = _values(move, recorded_at)
        new_id = conn.scalar(
            _insert(conn, MOVEMENTS)
            .values(values)
            .on_conflict_do_nothing(index_elements=[MOVEMENTS.c.cause_key])
            .returning(MOVEMENTS.c.id)
        )
        if new_id is None:
            continue  # this cause was booked before: nothing moves twice
        negative = False
        # Both ends in location order: two transfers the opposite way lock the same
        # rows in the same order and wait for each other instead of deadlocking.
        ends = sorted(
            [(loc, -1.0) for loc in [move.from_location_id] if loc is not None]
            + [(loc, 1.0) for loc in [move.to_location_id] if loc is not None]
        )
        for location_id, sign in ends:
            now_on_hand = _change_on_hand(
                conn, move.item_id, location_id, move.lot, sign * move.qty, move.at
            )
            if sign > 0 or now_on_hand >= -1e-9:
                continue
            if manual and _policy(conn, location_id) == NegativePolicy.REFUSE:
                raise Conflict(
                    f"only {now_on_hand + move.qty:g} on hand at that location"
                    f"{f' in lot {move.lot}' if move.lot else ''}; "
                    f"this location does not go below zero",
                    errors=[FieldError("qty", "more than on hand")],
                )
            negative = True
        if plant_figure:
            _change_plant_figure(conn, move.item_id, plant_delta(move))
        if negative:
            conn.execute(update(MOVEMENTS).where(MOVEMENTS.c.id == new_id).values(flagged=True))
        inserted.append((int(new_id), move))
    genealogy.record(conn, [m for _, m in inserted])
    return inserted


def post_new(
    conn: Connection,
    moves: Sequence[Move],
    materials: dict[int, int | None] | None = None,
    *,
    outputs: genealogy.OrderOutputs | None = None,
    lots: genealogy.LotIds | None = None,
) -> None:
    """Append movements whose causes are known to be new, as one batch.

    The ingest recorder hands each stored event to the projections once, so backflush
    causes are new by construction; the unique cause key still guards it (a repeat
    would fail the batch rather than move stock twice). The movements, stock on hand
    (one row per item, location and lot with the batch's sum), the plant figure (one
    per material) and the genealogy links are written together; a consumption whose
    location ends the batch below zero is flagged. On PostgreSQL that is one statement
    (:data:`_POST_PG`, one round trip); elsewhere one executemany each.
    """
    if not moves:
        return
    recorded_at = utcnow()
    deltas: dict[tuple[int, int, str], float] = {}
    first_at: dict[tuple[int, int, str], datetime] = {}
    plant: dict[int, float] = {}
    for m in moves:
        for loc, sign in ((m.from_location_id, -1.0), (m.to_location_id, 1.0)):
            if loc is None:
                continue
            key = (m.item_id, loc, m.lot)
            deltas[key] = deltas.get(key, 0.0) + sign * m.qty
            first_at.setdefault(key, m.at)
        plant[m.item_id] = plant.get(m.item_id, 0.0) + plant_delta(m)
    on_hand = [  # one lock order for every writer
        {"item_id": k[0], "location_id": k[1], "lot": k[2], "qty": deltas[k],
         "first_at": first_at[k]}
        for k in sorted(deltas)
    ]  # fmt: skip
    if conn.dialect.name == "postgresql":
        found = genealogy.changes(conn, moves, outputs, lots)
        levels = _plant_figure_rows(conn, plant, materials)
        conn.execute(_POST_PG, _pg_arrays(moves, recorded_at, on_hand, levels, found.links))
        genealogy.write(conn, genealogy.Changes([], found.shipments))
        return
    _post_sqlite(conn, moves, recorded_at, on_hand, plant, materials)
    found = genealogy.changes(conn, moves, outputs, lots)
    if found.links:
        conn.exec_driver_sql(
            _LINKS_SQLITE, [(r["parent_id"], r["child_id"], r["qty"]) for r in found.links]
        )
    genealogy.write(conn, genealogy.Changes([], found.shipments))


# The batch write on SQLite, through the bare driver as ingest stores its events: with
# no round trips to save, what a batch costs is the CPU of each statement, and most of
# that was SQLAlchemy's work per statement and row (parameters, result set-up), not
# SQLite's. The same statements as the executemany path, written out once.
_SQLITE_TS = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy's SQLite DATETIME stores a UTC time
_MOVEMENTS_SQLITE = (
    "INSERT INTO stock_movements (kind, item_id, qty, from_location_id, to_location_id, lot, "
    "order_id, operation_id, receipt_id, cause, cause_ref, cause_key, reason, at, "
    'recorded_at, "by", reverses_id, flagged, customer_order_id) '
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)"
)
_ON_HAND_SQLITE = (
    "INSERT INTO stock_on_hand (item_id, location_id, lot, qty, first_at) VALUES {rows} "
    "ON CONFLICT (item_id, location_id, lot) DO UPDATE SET qty = stock_on_hand.qty + excluded.qty "
    "RETURNING item_id, location_id, lot, qty"
)
_LEVELS_SQLITE = (
    "INSERT INTO stock_levels (material_id, quantity, version, created_at, updated_at) "
    "VALUES (?, ?, 1, ?, ?) ON CONFLICT (material_id) DO UPDATE SET "
    "quantity = stock_levels.quantity + excluded.quantity, updated_at = excluded.updated_at"
)
_LINKS_SQLITE = (
    "INSERT INTO trace_links (parent_id, child_id, qty) VALUES (?, ?, ?) "
    "ON CONFLICT (parent_id, child_id) DO UPDATE SET qty = trace_links.qty + excluded.qty"
)
_ROWS_PER_STATEMENT = 500  # 5 parameters each, far below SQLite's limit of 32 766


def _sqlite_time(value: datetime) -> str:
    return require_aware(value).astimezone(UTC).strftime(_SQLITE_TS)


def _post_sqlite(
    conn: Connection,
    moves: Sequence[Move],
    recorded_at: datetime,
    on_hand: list[dict[str, Any]],
    plant: dict[int, float],
    materials: dict[int, int | None] | None,
) -> None:
    """Movements, stock on hand, the plant figure and the flags of :func:`post_new`."""
    recorded = _sqlite_time(recorded_at)
    conn.exec_driver_sql(
        _MOVEMENTS_SQLITE,
        [
            (m.kind, m.item_id, m.qty, m.from_location_id, m.to_location_id, m.lot, m.order_id,
             m.operation_id, m.receipt_id, m.cause, m.cause_ref, m.cause_key, m.reason,
             _sqlite_time(m.at), recorded, m.by, m.reverses_id, m.customer_order_id)
            for m in moves
        ],
    )  # fmt: skip
    below: set[tuple[int, int, str]] = set()
    for start in range(0, len(on_hand), _ROWS_PER_STATEMENT):
        chunk = on_hand[start : start + _ROWS_PER_STATEMENT]
        params = [
            value
            for r in chunk
            for value in (r["item_id"], r["location_id"], r["lot"], r["qty"],
                          _sqlite_time(r["first_at"]))
        ]  # fmt: skip
        sql = _ON_HAND_SQLITE.format(rows=", ".join(["(?, ?, ?, ?, ?)"] * len(chunk)))
        for r in conn.exec_driver_sql(sql, tuple(params)).all():
            if float(r[3]) < -1e-9:
                below.add((int(r[0]), int(r[1]), str(r[2])))
    levels = _plant_figure_rows(conn, plant, materials)
    if levels:
        now = _sqlite_time(levels[0]["updated_at"])
        conn.exec_driver_sql(
            _LEVELS_SQLITE, [(r["material_id"], r["quantity"], now, now) for r in levels]
        )
    flagged = [
        m.cause_key
        for m in moves
        if m.from_location_id is not None and (m.item_id, m.from_location_id, m.lot) in below
    ]
    if flagged:
        conn.execute(
            update(MOVEMENTS).where(MOVEMENTS.c.cause_key.in_(flagged)).values(flagged=True)
        )


# The batch write on PostgreSQL as one statement: stock on hand, the plant figure and
# the genealogy links are upserted in data-modifying CTEs (each runs exactly once,
# whether read or not), and the movements are inserted with ``flagged`` read from the
# stock on hand the upsert returns. Rows come as one array per column (``unnest``), in
# the lock order the caller sorted them in; the same upserts as the executemany path.
_MOVEMENT_COLUMNS = (
    ("kind", String), ("item_id", Integer), ("qty", Float), ("from_location_id", Integer),
    ("to_location_id", Integer), ("lot", String), ("order_id", Integer),
    ("operation_id", Integer), ("receipt_id", Integer), ("cause", String),
    ("cause_ref", String), ("cause_key", String), ("reason", String),
    ("at", DateTime(timezone=True)), ("recorded_at", DateTime(timezone=True)),
    ("by", String), ("reverses_id", Integer), ("customer_order_id", Integer),
)  # fmt: skip
_ARRAY_TYPES: dict[str, Any] = {
    **{f"m_{name}": ARRAY(kind) for name, kind in _MOVEMENT_COLUMNS},
    "h_item_id": ARRAY(Integer), "h_location_id": ARRAY(Integer), "h_lot": ARRAY(String),
    "h_qty": ARRAY(Float), "h_first_at": ARRAY(DateTime(timezone=True)),
    "l_material_id": ARRAY(Integer), "l_quantity": ARRAY(Float),
    "t_parent_id": ARRAY(Integer), "t_child_id": ARRAY(Integer), "t_qty": ARRAY(Float),
}  # fmt: skip
_MOVEMENT_NAMES = ", ".join(f'"{name}"' for name, _ in _MOVEMENT_COLUMNS)
_POST_PG = text(f"""
WITH on_hand AS (
    INSERT INTO stock_on_hand (item_id, location_id, lot, qty, first_at)
    SELECT * FROM unnest(:h_item_id, :h_location_id, :h_lot, :h_qty, :h_first_at)
    ON CONFLICT (item_id, location_id, lot) DO UPDATE
        SET qty = stock_on_hand.qty + excluded.qty
    RETURNING item_id, location_id, lot, qty
), levels AS (
    INSERT INTO stock_levels (material_id, quantity, version, created_at, updated_at)
    SELECT material_id, quantity, 1, :now, :now
    FROM unnest(:l_material_id, :l_quantity) AS l(material_id, quantity)
    ON CONFLICT (material_id) DO UPDATE
        SET quantity = stock_levels.quantity + excluded.quantity,
            updated_at = excluded.updated_at
), links AS (
    INSERT INTO trace_links (parent_id, child_id, qty)
    SELECT * FROM unnest(:t_parent_id, :t_child_id, :t_qty)
    ON CONFLICT (parent_id, child_id) DO UPDATE SET qty = trace_links.qty + excluded.qty
)
INSERT INTO stock_movements ({_MOVEMENT_NAMES}, flagged)
SELECT m.*, m.from_location_id IS NOT NULL AND EXISTS (
    SELECT 1 FROM on_hand h
    WHERE h.item_id = m.item_id AND h.location_id = m.from_location_id AND h.lot = m.lot
        AND h.qty < -1e-9
)
FROM unnest({", ".join(f":m_{name}" for name, _ in _MOVEMENT_COLUMNS)})
    AS m({_MOVEMENT_NAMES})
""").bindparams(
    *(bindparam(name, type_=kind) for name, kind in _ARRAY_TYPES.items()),
    bindparam("now", type_=DateTime(timezone=True)),
)


def _pg_arrays(
    moves: Sequence[Move],
    recorded_at: datetime,
    on_hand: list[dict[str, Any]],
    levels: list[dict[str, Any]],
    links: list[dict[str, Any]],
) -> dict[str, Any]:
    values = [_values(m, recorded_at) for m in moves]
    out: dict[str, Any] = {f"m_{name}": [v[name] for v in values] for name, _ in _MOVEMENT_COLUMNS}
    for prefix, rows, names in (
        ("h", on_hand, ("item_id", "location_id", "lot", "qty", "first_at")),
        ("l", levels, ("material_id", "quantity")),
        ("t", links, ("parent_id", "child_id", "qty")),
    ):
        for name in names:
            out[f"{prefix}_{name}"] = [r[name] for r in rows]
    out["now"] = recorded_at
    return out


def _plant_figure_rows(
    conn: Connection, deltas: dict[int, float], known: dict[int, int | None] | None = None
) -> list[dict[str, Any]]:
    """Rows of the plant figure's upsert (one per material, in material order);
    ``known``: item → material (None: a product) where the caller knows it already."""
    changed = {i: d for i, d in deltas.items() if d != 0}
    if not changed:
        return []
    if known is not None and all(i in known for i in changed):
        pairs = [(i, known[i]) for i in changed]
    else:
        rows = conn.execute(_MATERIAL_OF_ITEMS, {"items": sorted(changed)}).all()
        pairs = [(int(r.id), int(r.material_id)) for r in rows]
    now = utcnow()
    return [
        {"material_id": m, "quantity": changed[i], "version": 1,
         "created_at": now, "updated_at": now}
        for i, m in sorted(((i, m) for i, m in pairs if m is not None), key=lambda p: p[1])
    ]  # fmt: skip
