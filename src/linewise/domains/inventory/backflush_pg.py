"""Backflush on PostgreSQL in one statement: read, first in first out, and write.

:func:`backflush.backflush` decides first in, first out in Python from the lot stock it
has read (and locked); that is a read before the write, two round trips per batch. On
PostgreSQL, when the batch's source location is known beforehand (the ingest projection
keeps it), the same rule is one statement (:data:`_ONE_PG`), so a batch costs one round
trip to the server:

- the operations, their order, the order's output item and the backflushed BOM lines
  each step consumes (as ``backflush._STAGES`` reads them);
- the lot stock at the source, locked ``FOR UPDATE`` (two writers on one lot take it one
  after the other) and allocated first in, first out as overlapping intervals: the
  batch's needs of an item laid end to end in the order Python takes them (group, then
  material) against its lots with stock laid end to end (oldest first); what the lots
  cannot cover is added to the last lot a need took from, or taken from lot "" when it
  took from none (and ends below zero, so the movement is flagged);
- the finished-goods (or sub-assembly) receipts of the last step's good units;
- the movements, stock on hand, the plant figure and the genealogy links, written as
  ``ledger.post_new`` writes them (the same upserts, in the same lock order).

It writes only when everything it needs exists already — the materials' and the
order's ledger items, the receiving location, every trace lot the links name — and
otherwise writes nothing and says so; the caller then takes the two-statement path,
which makes what is missing. After a line's first batches that is never the case.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, DateTime, Integer, bindparam, text
from sqlalchemy.dialects.postgresql import JSONB

from linewise.core.time import require_aware, utcnow
from linewise.domains.inventory.models import MovementKind

if TYPE_CHECKING:
    from linewise.domains.inventory.backflush import Produced

_EPS = 1e-12  # as ``backflush.take_fifo``: less than this is nothing
_BACKFLUSH = MovementKind.BACKFLUSH.value
_RECEIPT = MovementKind.PRODUCTION_RECEIPT.value

_ONE_PG = text(f"""
WITH g AS (
    SELECT * FROM jsonb_to_recordset(:groups)
        AS g(ord integer, op integer, good integer, scrap integer, "at" timestamptz,
             cause text, cause_ref text, key text, "by" text)
), stage AS (
    SELECT op.id AS op, op.order_id, op.seq, o.number, o.product_id,
        op.seq = (SELECT max(s.seq) FROM order_operations s WHERE s.order_id = op.order_id)
            AS last,
        (SELECT min(s.seq) FROM order_operations s WHERE s.order_id = op.order_id)
            AS first_seq,
        sub.id IS NOT NULL AS subassembly,
        coalesce(sub_item.id, product_item.id) AS output_item
    FROM order_operations op
    JOIN production_orders o ON o.id = op.order_id
    LEFT JOIN materials sub ON sub.product_id = o.product_id
    LEFT JOIN stock_items sub_item ON sub_item.material_id = sub.id
    LEFT JOIN stock_items product_item
        ON product_item.product_id = o.product_id AND sub.id IS NULL
    WHERE op.id IN (SELECT op FROM g)
), line AS (
    -- A BOM line is consumed at the step it names; at the first step when it names
    -- none or a step the order does not have.
    SELECT st.op, b.material_id, b.quantity_per_unit * (1 + part.scrap_factor) AS per_unit,
        part_item.id AS item
    FROM stage st
    JOIN bom_items b ON b.product_id = st.product_id
    JOIN materials part ON part.id = b.material_id AND part.backflush IS true
    LEFT JOIN stock_items part_item ON part_item.material_id = b.material_id
    WHERE CASE WHEN b.step_seq IS NOT NULL AND EXISTS (
                   SELECT 1 FROM order_operations s
                   WHERE s.order_id = st.order_id AND s.seq = b.step_seq)
               THEN b.step_seq = st.seq
               ELSE st.seq = st.first_seq END
), demand AS (
    SELECT n.*, sum(n.need) OVER (PARTITION BY n.item ORDER BY n.ord, n.material_id
                                  ROWS UNBOUNDED PRECEDING) AS dcum
    FROM (
        SELECT g.ord, l.material_id, l.item, (g.good + g.scrap) * l.per_unit AS need
        FROM g JOIN line l ON l.op = g.op
    ) n
    WHERE n.need > 0
), locked AS (
    SELECT h.item_id, h.lot, h.qty, h.first_at FROM stock_on_hand h
    WHERE h.location_id = :location AND h.item_id IN (SELECT item FROM line)
    ORDER BY h.item_id, h.first_at, h.lot
    FOR UPDATE
), supply AS (
    SELECT item_id AS item, lot, qty,
        row_number() OVER w AS pos, sum(qty) OVER w AS scum
    FROM locked WHERE qty > {_EPS}
    WINDOW w AS (PARTITION BY item_id ORDER BY first_at, lot ROWS UNBOUNDED PRECEDING)
), taken AS (
    SELECT * FROM (
        SELECT d.ord, d.material_id, s.lot, s.pos,
            least(d.dcum, s.scum) - greatest(d.dcum - d.need, s.scum - s.qty) AS qty
        FROM demand d JOIN supply s ON s.item = d.item
            AND s.scum - s.qty < d.dcum AND d.dcum - d.need < s.scum
    ) t WHERE t.qty > {_EPS}
), rest AS (
    SELECT d.ord, d.material_id, d.item, d.need - coalesce(sum(t.qty), 0) AS rest,
        max(t.pos) AS last_pos
    FROM demand d LEFT JOIN taken t ON t.ord = d.ord AND t.material_id = d.material_id
    GROUP BY d.ord, d.material_id, d.item, d.need
), consumed AS (
    SELECT t.ord, t.material_id, r.item, t.lot,
        t.qty + CASE WHEN t.pos = r.last_pos AND r.rest > {_EPS} THEN r.rest ELSE 0 END AS qty,
        row_number() OVER (PARTITION BY t.ord, t.material_id ORDER BY t.pos) - 1 AS i
    FROM taken t JOIN rest r ON r.ord = t.ord AND r.material_id = t.material_id
    UNION ALL
    SELECT r.ord, r.material_id, r.item, '', r.rest, 0
    FROM rest r WHERE r.last_pos IS NULL AND r.rest > {_EPS}
), moves AS (
    SELECT c.ord, 0 AS part, c.material_id AS sub_ord, c.i, '{_BACKFLUSH}' AS kind,
        c.item AS item_id, c.qty, CAST(:location AS integer) AS from_location_id,
        CAST(NULL AS integer) AS to_location_id, c.lot, st.order_id, g.op, g.cause,
        g.cause_ref, g.key || '\\:m' || c.material_id || ':' || c.i AS cause_key, g."at",
        g."by", st.output_item AS parent_item, st.number AS parent_lot
    FROM consumed c JOIN g ON g.ord = c.ord JOIN stage st ON st.op = g.op
    UNION ALL
    SELECT g.ord, 1, 0, 0, '{_RECEIPT}', st.output_item, CAST(g.good AS double precision),
        NULL, CASE WHEN st.subassembly THEN CAST(:store AS integer)
                   ELSE CAST(:finished AS integer) END,
        st.number, st.order_id, g.op, g.cause, g.cause_ref, g.key || '\\:fg', g."at", g."by",
        st.output_item, st.number
    FROM g JOIN stage st ON st.op = g.op
    WHERE st.last AND g.good > 0
), needed AS (
    SELECT parent_item AS item, parent_lot AS lot FROM moves
    UNION SELECT item_id, lot FROM moves WHERE kind = '{_BACKFLUSH}'
), trace AS (
    SELECT n.item, n.lot, tl.id
    FROM needed n LEFT JOIN trace_lots tl ON tl.item_id = n.item AND tl.lot = n.lot
), ok AS (
    SELECT NOT EXISTS (
               SELECT 1 FROM moves
               WHERE item_id IS NULL OR coalesce(from_location_id, to_location_id) IS NULL)
        AND NOT EXISTS (SELECT 1 FROM trace WHERE id IS NULL) AS ok
), ends AS (
    SELECT item_id, from_location_id AS location_id, lot, -qty AS qty, "at" FROM moves
    WHERE from_location_id IS NOT NULL
    UNION ALL
    SELECT item_id, to_location_id, lot, qty, "at" FROM moves
    WHERE to_location_id IS NOT NULL
), on_hand AS (
    INSERT INTO stock_on_hand (item_id, location_id, lot, qty, first_at)
    SELECT item_id, location_id, lot, sum(qty), min("at") FROM ends
    WHERE (SELECT ok FROM ok)
    GROUP BY item_id, location_id, lot
    ORDER BY item_id, location_id, lot
    ON CONFLICT (item_id, location_id, lot) DO UPDATE
        SET qty = stock_on_hand.qty + excluded.qty
    RETURNING item_id, location_id, lot, qty
), levels AS (
    INSERT INTO stock_levels (material_id, quantity, version, created_at, updated_at)
    SELECT it.material_id, sum(CASE WHEN m.from_location_id IS NULL THEN m.qty
                                    ELSE -m.qty END), 1, :now, :now
    FROM moves m JOIN stock_items it ON it.id = m.item_id AND it.material_id IS NOT NULL
    WHERE (SELECT ok FROM ok)
    GROUP BY it.material_id
    HAVING sum(CASE WHEN m.from_location_id IS NULL THEN m.qty ELSE -m.qty END) <> 0
    ORDER BY it.material_id
    ON CONFLICT (material_id) DO UPDATE
        SET quantity = stock_levels.quantity + excluded.quantity,
            updated_at = excluded.updated_at
), links AS (
    INSERT INTO trace_links (parent_id, child_id, qty)
    SELECT p.id, c.id, sum(m.qty) FROM moves m
    JOIN trace p ON p.item = m.parent_item AND p.lot = m.parent_lot
    JOIN trace c ON c.item = m.item_id AND c.lot = m.lot
    WHERE m.kind = '{_BACKFLUSH}' AND p.id <> c.id AND (SELECT ok FROM ok)
    GROUP BY p.id, c.id
    ORDER BY p.id, c.id
    ON CONFLICT (parent_id, child_id) DO UPDATE SET qty = trace_links.qty + excluded.qty
), inserted AS (
    INSERT INTO stock_movements (kind, item_id, qty, from_location_id, to_location_id, lot,
        order_id, operation_id, cause, cause_ref, cause_key, reason, "at", recorded_at,
        "by", flagged)
    SELECT m.kind, m.item_id, m.qty, m.from_location_id, m.to_location_id, m.lot,
        m.order_id, m.op, m.cause, m.cause_ref, m.cause_key, '', m."at", :now, m."by",
        m.from_location_id IS NOT NULL AND EXISTS (
            SELECT 1 FROM on_hand h
            WHERE h.item_id = m.item_id AND h.location_id = m.from_location_id
                AND h.lot = m.lot AND h.qty < -1e-9)
    FROM moves m WHERE (SELECT ok FROM ok)
    ORDER BY m.ord, m.part, m.sub_ord, m.i
)
SELECT ok FROM ok
""").bindparams(
    bindparam("groups", type_=JSONB),
    bindparam("location", type_=Integer),
    bindparam("store", type_=Integer),
    bindparam("finished", type_=Integer),
    bindparam("now", type_=DateTime(timezone=True)),
)


def post(
    conn: Connection,
    groups: Sequence[tuple[Produced, str]],
    location: int,
    store: int | None,
    finished: int | None,
) -> bool:
    """Backflush the batch's merged counts (``backflush._grouped``: (produced, first
    event's reference), in the order they are taken) from ``location`` in one
    statement; ``store`` / ``finished``: where a sub-assembly / finished goods are
    received (None: not known). False: something the batch needs does not exist yet,
    and nothing was written."""
    params: dict[str, Any] = {
        "groups": [
            {
                "ord": i,
                "op": p.operation_id,
                "good": p.good,
                "scrap": p.scrap,
                "at": require_aware(p.at).isoformat(),
                "cause": p.cause,
                "cause_ref": p.cause_ref,
                "key": f"{p.cause}:{first}",
                "by": p.by,
            }
            for i, (p, first) in enumerate(groups)
        ],
        "location": location,
        "store": store,
        "finished": finished,
        "now": utcnow(),
    }
    return bool(conn.execute(_ONE_PG, params).scalar())
