"""Backflush on SQLite through the bare driver, when the batch's source is known.

On SQLite there are no round trips to save: a batch costs the CPU of one process, and
most of what :func:`backflush.backflush`'s lookup path spent per batch was SQLAlchemy's
work around each statement (compiling expanding ``IN`` lists, result set-up, row
objects) and building records, not SQLite's. When the ingest projection knows the
batch's line-side location, this path books the same batch with six statements on the
DB-API connection (which is in the transaction SQLAlchemy began with ``BEGIN
IMMEDIATE``, so nobody else writes between the read and the write):

- the operations and their BOM lines (``backflush._STAGES``'s rule, written for
  SQLite's planner: found by product, not by scanning every BOM line);
- the lot stock at the source of the items they consume, oldest first (as
  ``ledger.lots_of_items`` reads it), drawn down first in, first out by the same
  ``backflush.take_fifo``;
- stock on hand (one upsert, returning the new quantities), then the movements with
  ``flagged`` already known (no UPDATE afterwards), the plant figure and the genealogy
  links, each one executemany, written as ``ledger.post_new`` writes them.

Like the PostgreSQL statement it writes only when everything it names exists already
(the materials' and the order's ledger items, the receiving location); otherwise it
writes nothing and says so, and the caller takes the lookup path, which makes what is
missing. Trace lots new to the genealogy are made here (``genealogy.lot_ids``), as the
lookup path makes them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Connection

from linewise.core.time import require_aware, utcnow
from linewise.domains.inventory import genealogy
from linewise.domains.inventory.models import MovementKind

if TYPE_CHECKING:
    from linewise.domains.inventory.backflush import Lookups, Produced

_BACKFLUSH = MovementKind.BACKFLUSH.value
_RECEIPT = MovementKind.PRODUCTION_RECEIPT.value
_SQLITE_TS = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy's SQLite DATETIME stores a UTC time
_ROWS_PER_STATEMENT = 500  # 5 parameters each, far below SQLite's limit of 32 766

_MOVEMENTS = (
    "INSERT INTO stock_movements (kind, item_id, qty, from_location_id, to_location_id, lot, "
    'order_id, operation_id, cause, cause_ref, cause_key, reason, at, recorded_at, "by", '
    "flagged) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?, ?)"
)
_ON_HAND = (
    "INSERT INTO stock_on_hand (item_id, location_id, lot, qty, first_at) VALUES {rows} "
    "ON CONFLICT (item_id, location_id, lot) DO UPDATE SET qty = stock_on_hand.qty + excluded.qty "
    "RETURNING item_id, location_id, lot, qty"
)
_LEVELS = (
    "INSERT INTO stock_levels (material_id, quantity, version, created_at, updated_at) "
    "VALUES (?, ?, 1, ?, ?) ON CONFLICT (material_id) DO UPDATE SET "
    "quantity = stock_levels.quantity + excluded.quantity, updated_at = excluded.updated_at"
)
_LINKS = (
    "INSERT INTO trace_links (parent_id, child_id, qty) VALUES (?, ?, ?) "
    "ON CONFLICT (parent_id, child_id) DO UPDATE SET qty = trace_links.qty + excluded.qty"
)
_LOTS = (
    "SELECT item_id, lot, qty FROM stock_on_hand WHERE location_id = ? AND item_id IN ({items}) "
    "ORDER BY item_id, first_at, lot"
)

# The operations with their order, output item and the backflushed BOM lines each step
# consumes: ``backflush._STAGES`` (one row per operation and BOM line, the same rule),
# written for SQLite's planner. There, the outer join of (BOM lines JOIN backflushed
# materials) was materialised by scanning the whole BOM table; here the material's flag
# is an EXISTS in the join condition, so the BOM lines are found by product.
_STAGES = """
SELECT op.id, op.seq, op.line_id, o.id, o.number, o.product_id,
    op.seq = (SELECT max(s.seq) FROM order_operations s WHERE s.order_id = op.order_id),
    sub.id, coalesce(sub_item.id, product_item.id),
    b.material_id, b.quantity_per_unit, part.scrap_factor, part_item.id
FROM order_operations op
JOIN production_orders o ON o.id = op.order_id
LEFT JOIN materials sub ON sub.product_id = o.product_id
LEFT JOIN stock_items sub_item ON sub_item.material_id = sub.id
LEFT JOIN stock_items product_item ON product_item.product_id = o.product_id AND sub.id IS NULL
LEFT JOIN bom_items b ON b.product_id = o.product_id
    AND EXISTS (SELECT 1 FROM materials m WHERE m.id = b.material_id AND m.backflush IS 1)
    AND CASE WHEN b.step_seq IS NOT NULL AND EXISTS (
                 SELECT 1 FROM order_operations s
                 WHERE s.order_id = op.order_id AND s.seq = b.step_seq)
             THEN b.step_seq = op.seq
             ELSE op.seq = (SELECT min(s.seq) FROM order_operations s
                            WHERE s.order_id = op.order_id) END
LEFT JOIN materials part ON part.id = b.material_id
LEFT JOIN stock_items part_item ON part_item.material_id = b.material_id
WHERE op.id IN ({ops})
ORDER BY op.id, b.material_id
"""


def _time(value: datetime) -> str:
    return require_aware(value).astimezone(UTC).strftime(_SQLITE_TS)


@dataclass(frozen=True)
class _Stage:
    order_id: int
    number: str
    seq_last: bool
    subassembly: bool
    output_item: int | None
    output_material: int | None  # the sub-assembly's material (its plant figure moves)
    lines: list[tuple[int, float, int | None]]  # material, per unit with scrap, item


def _read_stages(raw: sqlite3.Connection, ops: list[int]) -> dict[int, _Stage]:
    stages: dict[int, _Stage] = {}
    for r in raw.execute(_STAGES.format(ops=", ".join("?" * len(ops))), ops):
        # op, seq, line, order, number, product, last, sub material, output item,
        # material, per unit, scrap factor, part item
        stage = stages.get(r[0])
        if stage is None:
            output = None if r[8] is None else int(r[8])
            stage = stages[r[0]] = _Stage(
                int(r[3]), str(r[4]), bool(r[6]), r[7] is not None, output,
                None if r[7] is None else int(r[7]), [],
            )  # fmt: skip
        if r[9] is not None:
            per_unit = float(r[10]) * (1.0 + float(r[11]))
            stage.lines.append((int(r[9]), per_unit, None if r[12] is None else int(r[12])))
    return stages


def post(
    conn: Connection,
    groups: Sequence[tuple[Produced, str]],
    location: int,
    site: int,
    kept: Lookups,
) -> bool:
    """Backflush the batch's merged counts (``backflush._grouped``) from ``location``
    (of ``site``). False: something the batch needs does not exist yet, and nothing
    was written."""
    from linewise.domains.inventory.backflush import take_fifo  # here: a cycle

    raw = cast(sqlite3.Connection, conn.connection.dbapi_connection)
    stages = _read_stages(raw, sorted({p.operation_id for p, _ in groups}))
    items: set[int] = set()
    for known in stages.values():
        for _m, _u, item in known.lines:
            if item is None:
                return False  # a material the ledger has not seen yet: made by the lookup path
            items.add(item)
    lots: dict[int, list[list[Any]]] = {item: [] for item in items}
    if items:
        wanted = sorted(items)
        sql = _LOTS.format(items=", ".join("?" * len(wanted)))
        for item, lot, qty in raw.execute(sql, [location, *wanted]):
            lots[item].append([str(lot), float(qty)])
    # The movements in the lookup path's order (group, material, lot; the receipt last),
    # as (kind, item, qty, from, to, lot, order, operation, cause, cause_ref, key, at, by).
    moves: list[tuple[Any, ...]] = []
    links: dict[tuple[tuple[int, str], tuple[int, str]], float] = {}
    made_by: dict[tuple[int, str], int] = {}
    for p, first_ref in groups:
        stage = stages.get(p.operation_id)
        if stage is None:
            continue
        key = f"{p.cause}:{first_ref}"
        at = _time(p.at)
        units = p.good + p.scrap
        for material, per_unit, item in stage.lines:
            need = units * per_unit
            if need <= 0:
                continue
            if stage.output_item is None:
                return False  # the order's output item is made by the lookup path
            parent = (stage.output_item, stage.number)
            made_by[parent] = stage.order_id
            assert item is not None  # checked above
            for i, (lot, qty) in enumerate(take_fifo(lots[item], need)):
                moves.append(
                    (_BACKFLUSH, item, qty, location, None, lot, stage.order_id, p.operation_id,
                     p.cause, p.cause_ref, f"{key}:m{material}:{i}", at, p.by)
                )  # fmt: skip
                link = (parent, (item, lot))
                links[link] = links.get(link, 0.0) + qty
        if stage.seq_last and p.good > 0:
            receiving = kept.receiving.get((site, stage.subassembly))
            if stage.output_item is None or receiving is None:
                return False  # made by the lookup path
            output = (stage.output_item, stage.number)
            made_by[output] = stage.order_id
            links.setdefault((output, output), 0.0)  # the lot as a node only
            moves.append(
                (_RECEIPT, stage.output_item, float(p.good), None, receiving, stage.number,
                 stage.order_id, p.operation_id, p.cause, p.cause_ref, f"{key}:fg", at, p.by)
            )  # fmt: skip
    if not moves:
        return True
    _write(conn, raw, stages, moves, links, made_by, kept)
    return True


def _write(
    conn: Connection,
    raw: sqlite3.Connection,
    stages: dict[int, _Stage],
    moves: list[tuple[Any, ...]],
    links: dict[tuple[tuple[int, str], tuple[int, str]], float],
    made_by: dict[tuple[int, str], int],
    kept: Lookups,
) -> None:
    """Stock on hand, movements (flagged where their lot ended below zero), the plant
    figure and the links, as ``ledger.post_new`` writes them."""
    deltas: dict[tuple[int, int, str], float] = {}
    first_at: dict[tuple[int, int, str], str] = {}
    plant: dict[int, float] = {}
    for m in moves:
        kind, item, qty, origin, destination, lot = m[:6]
        if origin is not None:
            k = (item, origin, lot)
            deltas[k] = deltas.get(k, 0.0) - qty
            first_at.setdefault(k, m[11])
        if destination is not None:
            k = (item, destination, lot)
            deltas[k] = deltas.get(k, 0.0) + qty
            first_at.setdefault(k, m[11])
        plant[item] = plant.get(item, 0.0) + (qty if kind == _RECEIPT else -qty)
    keys = sorted(deltas)  # one lock order for every writer
    below: set[tuple[int, int, str]] = set()
    for start in range(0, len(keys), _ROWS_PER_STATEMENT):
        chunk = keys[start : start + _ROWS_PER_STATEMENT]
        params = [v for k in chunk for v in (*k, deltas[k], first_at[k])]
        sql = _ON_HAND.format(rows=", ".join(["(?, ?, ?, ?, ?)"] * len(chunk)))
        for item, location, lot, qty in raw.execute(sql, params).fetchall():
            if float(qty) < -1e-9:
                below.add((int(item), int(location), str(lot)))
    recorded = _time(utcnow())
    raw.executemany(
        _MOVEMENTS,
        [
            (*m[:11], m[11], recorded, m[12], m[3] is not None and (m[1], m[3], m[5]) in below)
            for m in moves
        ],
    )
    # The plant figure per material: the consumed materials', and a sub-assembly's
    # (received as its material); finished products have none.
    material_of: dict[int, int] = {}
    for stage in stages.values():
        for material, _u, item in stage.lines:
            if item is not None:
                material_of[item] = material
        if stage.output_item is not None and stage.output_material is not None:
            material_of[stage.output_item] = stage.output_material
    levels = sorted((material_of[i], d) for i, d in plant.items() if d != 0 and i in material_of)
    if levels:
        raw.executemany(_LEVELS, [(m, d, recorded, recorded) for m, d in levels])
    if links:
        ids = genealogy.lot_ids(conn, {k for pair in links for k in pair}, made_by, kept.lots)
        rows = sorted((ids[p], ids[c], q) for (p, c), q in links.items() if p != c)
        if rows:
            raw.executemany(_LINKS, rows)
