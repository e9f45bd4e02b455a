"""Opening balances: the old plant-wide stock levels taken over into the ledger.

Before the ledger, stock was one figure per material (``stock_levels``). Since then the
ledger moves that figure with every movement in or out of the plant, so for a material
``stock_levels.quantity − ledger net`` is exactly the stock nobody ever booked: the
opening balance. It is booked once per material as an ``opening`` movement into the
site's store (lot ``""``), with the cause key ``opening:<material id>``, so running the
step again (every start of the server runs it) books nothing twice. The plant-wide
figure is not moved again: it already holds that quantity.

A material whose level is 0 and that the ledger has never seen gets a zero movement, so
the ledger knows it keeps that stock (the planner then checks it). With no site there
is no store to book into: nothing is done until one exists.
"""

from __future__ import annotations

import logging

from sqlalchemy import Connection, Table, cast, func, select
from sqlalchemy import types as sa_types

from linewise.core.time import utcnow
from linewise.domains.equipment.models import Site
from linewise.domains.inventory import ledger
from linewise.domains.inventory.models import LocationKind, MovementKind

log = logging.getLogger(__name__)
_SITES: Table = Site.__table__  # type: ignore[assignment]


def book_opening_balances(conn: Connection) -> int:
    """Book the opening balance of every stock level not yet taken over; returns how
    many movements were booked (0 on a second run)."""
    site = conn.scalar(select(func.min(_SITES.c.id)))
    if site is None:
        return 0
    done = select(cast(func.substr(ledger.MOVEMENTS.c.cause_key, 9), sa_types.Integer)).where(
        ledger.MOVEMENTS.c.cause_key.like("opening:%")
    )
    stmt = (
        select(ledger.LEVELS.c.material_id, ledger.LEVELS.c.quantity)
        .where(ledger.LEVELS.c.material_id.not_in(done))
        .order_by(ledger.LEVELS.c.material_id)
    )
    if conn.dialect.name == "postgresql":
        # Backflush moves a level and the ledger in one transaction: holding the levels'
        # row locks, the ledger read below sees either both changes or neither.
        stmt = stmt.with_for_update()
    levels = conn.execute(stmt).all()
    if not levels:
        return 0
    store = ledger.ensure_location(conn, int(site), LocationKind.STORE)
    now = utcnow()
    booked = 0
    for material_id, quantity in levels:
        item = ledger.item_of_material(conn, int(material_id))
        net = float(
            conn.scalar(
                select(func.coalesce(func.sum(ledger.ON_HAND.c.qty), 0.0)).where(
                    ledger.ON_HAND.c.item_id == item
                )
            )
            or 0.0
        )
        seen = conn.scalar(
            select(func.count()).select_from(ledger.ON_HAND).where(ledger.ON_HAND.c.item_id == item)
        )
        opening = float(quantity) - net
        if abs(opening) < 1e-9 and seen:
            continue  # the ledger already holds all of it
        posted = ledger.post(
            conn,
            [
                ledger.Move(
                    kind=MovementKind.OPENING,
                    item_id=item,
                    qty=abs(opening),
                    from_location_id=store if opening < 0 else None,
                    to_location_id=store if opening >= 0 else None,
                    cause="migration",
                    cause_ref="stock_levels",
                    cause_key=f"opening:{material_id}",
                    at=now,
                    by="system",
                    reason="opening balance from the stock level",
                )
            ],
            manual=False,
            plant_figure=False,
        )
        booked += len(posted)
    if booked:
        log.info("booked %d opening balances from stock levels into the store", booked)
    return booked
