"""Material allocation: stock first, then receipts by date; the order due first is served first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from linewise.domains.planning.materials import Demand, Supply, allocate, allocation_order

NOW = datetime(2030, 1, 7, 6, 0, tzinfo=UTC)
MCU, PASTE = 1, 2


def _due(days: float) -> datetime:
    return NOW + timedelta(days=days)


def test_stock_covers_everything_ready_now() -> None:
    got = allocate(
        NOW, [Demand("A", _due(3), 3, {MCU: 100, PASTE: 250.0})], {MCU: 100, PASTE: 300}, []
    )
    assert got["A"].ready_at == NOW
    assert got["A"].waits_for is None and not got["A"].short


def test_receipt_covers_later_and_the_last_component_decides() -> None:
    receipts = [
        Supply(MCU, 50, NOW + timedelta(days=2), "PO-1"),
        Supply(PASTE, 1000, NOW + timedelta(days=1), "PO-2"),
    ]
    got = allocate(NOW, [Demand("A", _due(5), 3, {MCU: 120, PASTE: 10})], {MCU: 80}, receipts)
    # 80 MCU from stock, 40 from PO-1 (day 2); paste from PO-2 (day 1): ready on day 2.
    assert got["A"].ready_at == NOW + timedelta(days=2)
    assert (got["A"].waits_for, got["A"].reference) == (MCU, "PO-1")


def test_an_overdue_receipt_counts_as_arriving_now() -> None:
    receipts = [Supply(MCU, 10, NOW - timedelta(days=1), "late")]
    got = allocate(NOW, [Demand("A", _due(1), 3, {MCU: 10})], {}, receipts)
    assert got["A"].ready_at == NOW


def test_two_orders_compete_the_earlier_due_gets_the_stock() -> None:
    later = Demand("LATER", _due(6), 1, {MCU: 100})
    earlier = Demand("EARLIER", _due(2), 5, {MCU: 100})
    receipts = [Supply(MCU, 100, NOW + timedelta(days=3), "PO-9")]
    # Given in the "wrong" order, and the later one is even more urgent by priority.
    got = allocate(NOW, [later, earlier], {MCU: 150}, receipts)
    assert got["EARLIER"].ready_at == NOW
    assert got["LATER"].ready_at == NOW + timedelta(days=3)
    assert got["LATER"].reference == "PO-9"


def test_same_due_date_priority_decides() -> None:
    a = Demand("A", _due(2), 4, {MCU: 10})
    b = Demand("B", _due(2), 1, {MCU: 10})
    assert [d.key for d in allocation_order([a, b])] == ["B", "A"]
    got = allocate(NOW, [a, b], {MCU: 10}, [Supply(MCU, 10, _due(1))])
    assert got["B"].ready_at == NOW and got["A"].ready_at == _due(1)


def test_short_order_is_reported_and_holds_nothing() -> None:
    big = Demand("BIG", _due(1), 3, {MCU: 500, PASTE: 5})
    small = Demand("SMALL", _due(2), 3, {MCU: 100, PASTE: 5})
    receipts = [Supply(MCU, 100, _due(0.5), "PO-3")]
    got = allocate(NOW, [big, small], {MCU: 150, PASTE: 10}, receipts)
    assert got["BIG"].ready_at is None
    assert got["BIG"].short == {MCU: 250}
    # What BIG could not use stays for SMALL, which is covered from stock.
    assert got["SMALL"].ready_at == NOW and not got["SMALL"].short


def test_rounding_dust_is_not_a_shortage() -> None:
    need = 0.1 * 300  # 30.000000000000004
    got = allocate(NOW, [Demand("A", _due(1), 3, {PASTE: need})], {PASTE: 30.0}, [])
    assert got["A"].ready_at == NOW and not got["A"].short
