"""The ingest projection merges a batch's counts without a record per count
(``grouped_counts``); it must merge exactly as the rule for any list of produced units
(``_grouped(produced_from_counts(batch))``) does, or a resent batch's cause keys would
differ from the first's."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone

import pytest

from linewise.domains.inventory import backflush
from linewise.ingest.projections import StoredBatch, StoredCount

T0 = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)


def _count(
    machine: int, event: str, ts: datetime, good: int, reject: int, **kw: object
) -> StoredCount:
    values: dict[str, object] = {
        "machine_id": machine, "line_id": 10 + machine % 2, "last_on_line": True,
        "event_id": event, "ts": ts, "good": good, "reject": reject, "rework": 0,
        "operation_id": 100, "product_id": 7,
    }  # fmt: skip
    values.update(kw)
    return StoredCount(**values)  # type: ignore[arg-type]


def test_one_machine_one_operation_is_one_group_named_by_its_first_event() -> None:
    # Stored in id order, "-10" before "-3"; the group is named by the earliest count.
    counts = [_count(1, f"e-{i}", T0 + timedelta(seconds=i), 1, i % 2) for i in (10, 3, 7)]
    batch = StoredBatch(received_at=T0 + timedelta(minutes=5), counts=counts)
    [(merged, first)] = backflush.grouped_counts(batch)
    assert first == "1/e-3"
    assert merged.cause_ref == "1/e-3 +2"
    assert (merged.good, merged.scrap, merged.at) == (3, 2, T0 + timedelta(seconds=10))
    assert merged.by == "machine 1" and merged.cause == "count"


@pytest.mark.parametrize("seed", range(25))
def test_grouped_counts_merges_as_the_rule_does(seed: int) -> None:
    rng = random.Random(seed)
    received = T0 + timedelta(seconds=rng.randint(0, 120))
    berlin = timezone(timedelta(hours=1))
    counts = []
    for i in range(rng.randint(0, 40)):
        ts = T0 + timedelta(seconds=rng.randint(0, 150))  # some after the batch arrived
        if rng.random() < 0.3:
            ts = ts.astimezone(berlin)  # the same instant in another zone
        counts.append(
            _count(
                rng.randint(1, 3),
                f"ev-{rng.randint(0, 12)}-{i}",
                ts,
                rng.randint(0, 3),
                rng.randint(0, 1),
                operation_id=rng.choice([100, 101, None]),
                last_on_line=rng.random() < 0.85,
            )
        )
    batch = StoredBatch(received_at=received, counts=counts)
    expected = backflush._grouped(backflush.produced_from_counts(batch))
    assert backflush.grouped_counts(batch) == expected
