"""Synthetic genealogy for the trace benchmark, generated inside the database.

``links`` consumption records, each its own (finished lot, component lot) link (the
worst case: no two consumptions aggregate into one link). Every finished lot has 20
component slots: slot 0 is a sub-assembly lot (each used by 10 finished lots, each made
of 10 reels), slots 1-19 reels, each reel used by ~50 finished lots. Rows are made by
one INSERT … SELECT over a number series (generate_series on PostgreSQL, a recursive
CTE on SQLite); the child→parent index is dropped for the load and rebuilt after, as a
bulk load would.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, text

SLOTS = 20
REEL_USES = 50
SUB_USES = 10
SUB_REELS = 10


@dataclass(frozen=True)
class Shape:
    finished: int
    reels: int
    subs: int

    @property
    def reel_base(self) -> int:
        return 1 + self.finished

    @property
    def sub_base(self) -> int:
        return 1 + self.finished + self.reels


def shape(links: int) -> Shape:
    finished = max(1, links // SLOTS)
    per_slot = max(1, finished // REEL_USES)
    return Shape(finished, per_slot * SLOTS, max(1, finished // SUB_USES))


def _series(conn: Connection, n: int) -> str:
    if conn.dialect.name == "postgresql":
        return f"(SELECT g AS i FROM generate_series(0, {n - 1}) AS g) AS n"
    return (
        f"(WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < {n - 1}) "
        "SELECT i FROM s) AS n"
    )


def generate(
    conn: Connection,
    links: int,
    product_item: int,
    reel_item: int,
    sub_item: int,
    customer_order: int,
) -> Shape:
    """Fill trace_lots, trace_links and trace_shipments (one customer order per 100
    finished lots); the tables must be empty."""
    s = shape(links)
    per_slot = s.reels // SLOTS
    total_lots = s.finished + s.reels + s.subs
    conn.execute(
        text(
            "INSERT INTO trace_lots (id, item_id, lot, order_id) "
            f"SELECT i + 1, CASE WHEN i < {s.finished} THEN {product_item} "
            f"WHEN i < {s.finished + s.reels} THEN {reel_item} ELSE {sub_item} END, "
            f"CASE WHEN i < {s.finished} THEN 'F' "
            f"WHEN i < {s.finished + s.reels} THEN 'R' ELSE 'S' END || CAST(i AS VARCHAR(20)), "
            f"NULL FROM {_series(conn, total_lots)}"
        )
    )
    conn.execute(text("DROP INDEX ix_trace_links_child"))
    # finished f, slot k: slot 0 → sub-assembly f / 10, slot k → reel of slot k.
    conn.execute(
        text(
            "INSERT INTO trace_links (parent_id, child_id, qty) "
            f"SELECT 1 + i / {SLOTS}, CASE WHEN i % {SLOTS} = 0 "
            f"THEN {s.sub_base} + (i / {SLOTS}) / {SUB_USES} "
            f"ELSE {s.reel_base} + (i % {SLOTS}) * {per_slot} + (i / {SLOTS}) % {per_slot} END, "
            f"1.0 FROM {_series(conn, s.finished * SLOTS)}"
        )
    )
    # sub-assembly lot u: 10 reels of slot 0's range.
    conn.execute(
        text(
            "INSERT INTO trace_links (parent_id, child_id, qty) "
            f"SELECT {s.sub_base} + i / {SUB_REELS}, "
            f"{s.reel_base} + (i * 7) % {per_slot}, 2.0 "
            f"FROM {_series(conn, s.subs * SUB_REELS)}"
        )
    )
    conn.execute(
        text(
            "INSERT INTO trace_shipments (lot_id, customer_order_id, qty, movements) "
            f"SELECT 1 + i * 100, {customer_order}, 5.0, 1 "
            f"FROM {_series(conn, max(1, s.finished // 100))}"
        )
    )
    conn.execute(text("CREATE INDEX ix_trace_links_child ON trace_links (child_id, parent_id)"))
    return s
