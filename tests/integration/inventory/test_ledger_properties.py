"""The ledger under random sequences of machine counts (resent), terminal reports,
receipts, transfers and reversals, on SQLite and PostgreSQL: stock on hand is the sum
of the ledger, nothing is consumed twice, and the planner's figure moves with it. On
PostgreSQL, two writers at once lose no movement."""

from __future__ import annotations

import itertools
import threading
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from linewise.core.db import make_session_factory
from linewise.core.errors import Problem
from linewise.domains.inventory import ledger_service
from linewise.domains.inventory.genealogy_models import TraceLink, TraceLot
from linewise.domains.inventory.models import (
    Material,
    MovementKind,
    StockItem,
    StockLevel,
    StockLocation,
    StockMovement,
    StockOnHand,
)
from linewise.domains.production import service as production
from linewise.domains.production.models import (
    BomItem,
    OrderOperation,
    OrderStatus,
    ProductionOrder,
)
from linewise.ingest.events import decode
from linewise.ingest.store import References, write_events
from linewise.server.projections import ingest_projections, order_references
from tests.conftest import World

T0 = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
PER_UNIT = {"A": 2.0, "B": 1.0}
SCRAP = {"A": 0.0, "B": 0.5}
_numbers = itertools.count()

action = st.one_of(
    # (count, event index (small: resends happen), machine, good, reject)
    st.tuples(
        st.just("count"),
        st.integers(0, 5),
        st.sampled_from(["SMT-1-PNP1", "TEST-1-ICT"]),
        st.integers(0, 6),
        st.integers(0, 3),
    ),
    st.tuples(st.just("report"), st.integers(0, 5), st.integers(0, 2)),
    st.tuples(
        st.just("receive"),
        st.sampled_from("AB"),
        st.integers(1, 40),
        st.sampled_from(["", "L1", "L2"]),
        st.sampled_from(["store", "side"]),
    ),
    st.tuples(
        st.just("transfer"),
        st.sampled_from("AB"),
        st.integers(1, 20),
        st.sampled_from(["", "L1", "L2"]),
    ),
    st.tuples(st.just("reverse"), st.integers(0, 50)),
)


def _setup(db: Session, world: World) -> dict[str, int]:
    """Materials A and B on the product's BOM, a store and SMT-1's line side (once)."""
    found = db.scalar(select(Material.id).where(Material.code == "A"))
    if found is None:
        mats = {code: Material(code=code, name=code, scrap_factor=SCRAP[code]) for code in "AB"}
        db.add_all(mats.values())
        db.flush()
        for code, m in mats.items():
            db.add(
                BomItem(
                    product_id=world.product_id, material_id=m.id, quantity_per_unit=PER_UNIT[code]
                )
            )
        db.add_all([StockLevel(material_id=m.id, quantity=0.0) for m in mats.values()])
        db.add_all(
            [
                StockLocation(site_id=world.site_id, code="ST", name="Store", kind="store"),
                StockLocation(
                    site_id=world.site_id,
                    code="LS",
                    name="Side",
                    kind="line_side",
                    line_id=world.line_ids["SMT-1"],
                ),
            ]
        )
        db.commit()
    ids = {str(r[0]): int(r[1]) for r in db.execute(select(Material.code, Material.id))}
    ids |= {
        {"ST": "store", "LS": "side"}[str(r[0])]: int(r[1])
        for r in db.execute(
            select(StockLocation.code, StockLocation.id).where(StockLocation.code.in_(["ST", "LS"]))
        )
    }
    db.rollback()  # end the read: the writers' commits must be visible later
    return ids


def _new_order(sessions: object, world: World) -> tuple[int, str, list[int]]:
    number = f"PO-LP{next(_numbers)}"
    with sessions() as s:  # type: ignore[operator]
        order = production.create_order(
            s,
            {
                "number": number,
                "product_id": world.product_id,
                "quantity": 1000,
                "due_date": T0 + timedelta(days=3),
            },
        )
        s.flush()
        order.status = OrderStatus.RELEASED
        s.commit()
        return order.id, number, [op.id for op in sorted(order.operations, key=lambda o: o.seq)]


def _ledger_sums(db: Session) -> dict[tuple[int, int, str], float]:
    sums: dict[tuple[int, int, str], float] = defaultdict(float)
    for m in db.scalars(select(StockMovement)):
        if m.from_location_id is not None:
            sums[(m.item_id, m.from_location_id, m.lot)] -= m.qty
        if m.to_location_id is not None:
            sums[(m.item_id, m.to_location_id, m.lot)] += m.qty
    return sums


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(actions=st.lists(action, min_size=1, max_size=25))
def test_stock_is_the_sum_of_the_ledger_and_nothing_is_consumed_twice(
    engine: Engine, db: Session, world: World, actions: list[tuple[object, ...]]
) -> None:
    ids = _setup(db, world)
    sessions = make_session_factory(engine)
    # Fresh per example, as an app's recorder has its own: the backflush projection keeps
    # ledger rows between batches, and the other backend's database has other rows.
    projections = ingest_projections()
    refs = References(order_references())
    order_id, number, ops = _new_order(sessions, world)
    sent: dict[str, tuple[int, int]] = {}  # event id -> units made at the first step
    reported: list[int] = []
    for act in actions:
        kind = act[0]
        if kind == "count":
            _k, idx, machine, good, reject = act
            eid = f"{number}-c{idx}"
            seq = 1 if machine == "SMT-1-PNP1" else 2
            events, rejects = decode(
                [
                    {
                        "id": eid,
                        "ts": (T0 + timedelta(seconds=int(idx))).isoformat(),  # type: ignore[call-overload]
                        "machine": machine,
                        "type": "count",
                        "good": good,
                        "reject": reject,
                        "order": number,
                        "operation": seq,
                    }
                ]
            )
            assert not rejects
            with engine.begin() as conn:
                write_events(conn, refs, events, [], "test", projections=projections)
            if seq == 1:
                sent.setdefault(eid, (int(good), int(reject)))  # type: ignore[call-overload]
        elif kind == "report":
            with sessions() as s:
                op = s.get(OrderOperation, ops[0])
                assert op is not None
                try:
                    production.report_quantities(s, op, int(act[1]), int(act[2]), 0)  # type: ignore[call-overload]
                    s.commit()
                    reported.append(int(act[1]) + int(act[2]))  # type: ignore[call-overload]
                except Problem:
                    s.rollback()  # not running yet: refused, nothing booked
        elif kind in ("receive", "transfer"):
            with sessions() as s:
                if kind == "receive":
                    _k, mat, qty, lot, where = act
                    ledger_service.receive(
                        s,
                        material_id=ids[str(mat)],
                        qty=float(qty),  # type: ignore[arg-type]
                        lot=str(lot),
                        location_id=ids[str(where)],
                        receipt_id=None,
                        at=None,
                        client_ref=None,
                    )
                else:
                    _k, mat, qty, lot = act
                    ledger_service.transfer(
                        s,
                        material_id=ids[str(mat)],
                        product_id=None,
                        qty=float(qty),
                        lot=str(lot),  # type: ignore[arg-type]
                        from_location_id=ids["store"],
                        to_location_id=ids["side"],
                        client_ref=None,
                    )
                s.commit()
        else:
            with sessions() as s:
                open_moves = s.scalars(
                    select(StockMovement)
                    .where(StockMovement.kind != MovementKind.REVERSAL)
                    .where(
                        ~StockMovement.id.in_(
                            select(StockMovement.reverses_id).where(
                                StockMovement.reverses_id.is_not(None)
                            )
                        )
                    )
                    .order_by(StockMovement.id)
                ).all()
                if open_moves:
                    ledger_service.reverse(s, open_moves[int(act[1]) % len(open_moves)], "test")  # type: ignore[call-overload]
                    s.commit()

    db.rollback()  # a fresh snapshot: the writers committed in their own sessions
    # 1. Stock on hand is the sum of the ledger, row by row.
    sums = _ledger_sums(db)
    kept = {(r.item_id, r.location_id, r.lot): r.qty for r in db.scalars(select(StockOnHand))}
    assert set(kept) == {k for k in sums}
    for key, qty in kept.items():
        assert qty == pytest.approx(sums[key], abs=1e-6), key
    # 2. Each count event consumed its units' BOM exactly once; reports each once.
    items = {r.material_id: r.id for r in db.scalars(select(StockItem))}
    for code in "AB":
        item = items.get(ids[code])
        per_cause: dict[str, float] = defaultdict(float)
        for m in db.scalars(
            select(StockMovement).where(
                StockMovement.kind == MovementKind.BACKFLUSH,
                StockMovement.item_id == item,
                StockMovement.order_id == order_id,
            )
        ):
            per_cause[f"{m.cause}:{m.cause_ref}"] += m.qty
        factor = PER_UNIT[code] * (1 + SCRAP[code])
        counted = {k: v for k, v in per_cause.items() if k.startswith("count:")}
        expected = {eid: (g + r) * factor for eid, (g, r) in sent.items() if g + r > 0}
        assert sorted(counted.values()) == pytest.approx(sorted(expected.values()))
        assert len(counted) == len(expected)
        reports = sorted(v for k, v in per_cause.items() if k.startswith("report:"))
        assert reports == pytest.approx(sorted(u * factor for u in reported if u > 0))
    # 3. The planner's plant-wide figure is the ledger's net for each material.
    for code in "AB":
        item = items.get(ids[code])
        net = sum(q for (i, _loc, _lot), q in sums.items() if i == item)
        level = db.scalar(select(StockLevel.quantity).where(StockLevel.material_id == ids[code]))
        assert (level or 0.0) == pytest.approx(net, abs=1e-6)
    # 4. The genealogy's links are the ledger's net consumption per component lot.
    moves = {m.id: m for m in db.scalars(select(StockMovement))}
    consumed: dict[tuple[int, str], float] = defaultdict(float)
    for m in moves.values():
        original = moves[m.reverses_id] if m.reverses_id is not None else m
        sign = -1.0 if m.reverses_id is not None else 1.0
        if original.kind in ("backflush", "issue") and m.order_id == order_id:
            consumed[(m.item_id, m.lot)] += sign * m.qty
    trace_lots = {t.id: t for t in db.scalars(select(TraceLot))}
    linked = {  # the links into this example's finished lot (the order number)
        (trace_lots[k.child_id].item_id, trace_lots[k.child_id].lot): k.qty
        for k in db.scalars(select(TraceLink))
        if trace_lots[k.parent_id].lot == number
    }
    assert linked.keys() == consumed.keys()
    for key, qty in linked.items():
        assert qty == pytest.approx(consumed[key], abs=1e-6), key
    order = db.get(ProductionOrder, order_id)
    assert order is not None


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_two_writers_at_once_lose_no_movement(engine: Engine, db: Session, world: World) -> None:
    ids = _setup(db, world)
    sessions = make_session_factory(engine)
    rounds = 25
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def writer(lot: str, there: str, back: str) -> None:
        try:
            start.wait()
            for _ in range(rounds):
                with sessions() as s:
                    ledger_service.receive(
                        s,
                        material_id=ids["A"],
                        qty=2.0,
                        lot="",
                        location_id=ids["store"],
                        receipt_id=None,
                        at=None,
                        client_ref=None,
                    )
                    s.commit()
                with sessions() as s:
                    ledger_service.transfer(
                        s,
                        material_id=ids["A"],
                        product_id=None,
                        qty=1.0,
                        lot="",
                        from_location_id=ids[there],
                        to_location_id=ids[back],
                        client_ref=None,
                    )
                    s.commit()
        except BaseException as exc:
            errors.append(exc)

    threads = [
        threading.Thread(target=writer, args=("", "store", "side")),
        threading.Thread(target=writer, args=("", "side", "store")),
    ]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors, errors
    db.rollback()  # a fresh snapshot: the writers committed in their own sessions
    moves = db.scalars(select(StockMovement)).all()
    assert len(moves) == 4 * rounds
    kept = {(r.location_id): r.qty for r in db.scalars(select(StockOnHand))}
    # 50 receipts of 2 into the store; transfers there and back cancel out.
    assert kept[ids["store"]] == pytest.approx(2.0 * 2 * rounds)
    assert kept[ids["side"]] == pytest.approx(0.0)
    level = db.scalar(select(StockLevel.quantity).where(StockLevel.material_id == ids["A"]))
    assert level == pytest.approx(2.0 * 2 * rounds)
