"""Genealogy for people: find a lot, trace it both ways as a tree, ship finished lots."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from linewise.core.errors import Conflict, FieldError, NotFound, ValidationProblem
from linewise.core.time import utcnow
from linewise.domains.equipment.models import Site
from linewise.domains.inventory import genealogy, ledger
from linewise.domains.inventory import ledger_repository as repo
from linewise.domains.inventory.models import LocationKind, MovementKind
from linewise.domains.production.models import CustomerOrder, Product
from linewise.domains.quality import repository as quality

NODE_LIMIT = 2000  # nodes in one answer; a trace past it says it was cut


def find(
    db: Session, text: str, material_id: int | None, product_id: int | None
) -> list[dict[str, Any]]:
    """Lots whose code starts with ``text``, then the finished lots of unit serials that
    start with it (each hit says which serial brought it)."""
    conn = db.connection()
    text = text.strip()
    hits: list[tuple[int, str | None]] = [(i, None) for i in genealogy.find_lots(conn, text)]
    hits += [(i, serial) for serial, i in genealogy.lots_of_serials(conn, text)]
    rows = genealogy.lots(conn, {i for i, _ in hits})
    out = []
    for lot_id, serial in hits:
        r = rows[lot_id]
        ref = genealogy.item_ref(r)
        if material_id is not None and (ref["kind"], ref["id"]) != ("material", material_id):
            continue
        if product_id is not None and (ref["kind"], ref["id"]) != ("product", product_id):
            continue
        hit = {"lot_id": lot_id, "item": ref, "lot": r.lot, "order_number": r.number}
        out.append({**hit, "serial": serial})
    return out


def trace(db: Session, lot_id: int, direction: str) -> dict[str, Any]:
    conn = db.connection()
    edges = genealogy.walk(conn, lot_id, direction)
    below: dict[int, list[tuple[int, float]]] = {}
    for e in edges:
        upper, lower = (
            (e.parent_id, e.child_id) if direction == "backward" else (e.child_id, e.parent_id)
        )
        below.setdefault(upper, []).append((lower, e.qty))
    reached = {lot_id} | {e.parent_id for e in edges} | {e.child_id for e in edges}
    rows = genealogy.lots(conn, reached)  # with the root: one query, three in all
    if lot_id not in rows:
        raise NotFound(f"lot {lot_id} not found")
    shipped = genealogy.shipments(conn, reached)
    count = 0

    def node(lid: int, qty: float | None, path: frozenset[int]) -> dict[str, Any]:
        nonlocal count
        count += 1
        r = rows[lid]
        kids = []
        for lower, q in sorted(
            below.get(lid, []), key=lambda x: (rows[x[0]].item_id, rows[x[0]].lot)
        ):
            if lower in path or count >= NODE_LIMIT:
                continue
            kids.append(node(lower, q, path | {lower}))
        return {
            "lot_id": lid,
            "item": genealogy.item_ref(r),
            "lot": r.lot,
            "order_number": r.number,
            "qty": qty,
            "shipments": [
                {"customer_order": n, "customer": c, "qty": q} for n, c, q in shipped.get(lid, [])
            ],
            "children": kids,
        }

    tree = node(lot_id, None, frozenset({lot_id}))
    return {
        "direction": direction,
        "root": tree,
        "lots": len(reached),
        "truncated": count >= NODE_LIMIT,
    }


def ship(
    db: Session,
    *,
    product_id: int,
    lot: str,
    qty: float,
    customer_order_id: int,
    from_location_id: int | None,
    client_ref: str | None,
) -> dict[str, Any]:
    """Finished goods of a lot leave for a customer order: a shipment movement out of
    finished goods, and the lot's link to that customer order for forward traces."""
    if db.get(Product, product_id) is None:
        raise ValidationProblem(
            f"no product {product_id}", errors=[FieldError("product_id", "unknown")]
        )
    customer_order = db.get(CustomerOrder, customer_order_id)
    if customer_order is None:
        raise ValidationProblem(
            f"no customer order {customer_order_id}",
            errors=[FieldError("customer_order_id", "unknown")],
        )
    quality.refuse_held(db, lot.strip(), product_id=product_id)
    conn = db.connection()
    if from_location_id is None:
        site = db.scalar(select(func.min(Site.id)))
        if site is None:
            raise ValidationProblem(
                "no site to ship from", errors=[FieldError("from_location_id", "no site")]
            )
        from_location_id = ledger.ensure_location(conn, int(site), LocationKind.FINISHED_GOODS)
    else:
        repo.get_location(db, from_location_id, "from_location_id")
    item = ledger.item_of_product(conn, product_id)
    actor = str(db.info.get("actor", ""))
    key = f"user:ship:{client_ref or uuid.uuid4().hex}"
    move = ledger.Move(
        kind=MovementKind.SHIPMENT,
        item_id=item,
        qty=qty,
        from_location_id=from_location_id,
        to_location_id=None,
        lot=lot.strip(),
        cause="user",
        cause_ref=actor,
        cause_key=key,
        at=utcnow(),
        by=actor,
        customer_order_id=customer_order_id,
    )
    posted = ledger.post(conn, [move], manual=True, plant_figure=False)
    movement_id = (
        posted[0][0]
        if posted
        else db.scalar(select(ledger.MOVEMENTS.c.id).where(ledger.MOVEMENTS.c.cause_key == key))
    )
    if movement_id is None:
        raise Conflict("the shipment was not booked", errors=[FieldError("client_ref", "")])
    refs = repo.items(db, {item})
    return {
        "movement_id": int(movement_id),
        "product": refs[item],
        "lot": move.lot,
        "qty": qty,
        "customer_order": customer_order.number,
        "from_location_id": from_location_id,
    }
