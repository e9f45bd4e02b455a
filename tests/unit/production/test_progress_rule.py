"""The progress rule on its own: any order of the same work gives the same stage."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from linewise.domains.production.progress import Progress, Work, order_status_after, record_work

T0 = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
PENDING = Progress("pending", None, 0, 0, 0, None, None)

works = st.lists(
    st.builds(
        Work,
        st.integers(0, 10_000).map(lambda s: T0 + timedelta(seconds=s)),
        st.sampled_from((1, 2)),
        st.integers(0, 9),
        st.integers(0, 3),
        st.integers(0, 2),
    ),
    min_size=1,
    max_size=8,
)


def _apply(stage: Progress, items: list[Work], order_status: str = "released") -> Progress:
    for item in items:
        stage = record_work(stage, item, order_status)
    return stage


@given(works, st.randoms(use_true_random=False))
def test_the_same_work_in_any_order_gives_the_same_quantities_and_start(
    items: list[Work], rnd: random.Random
) -> None:
    shuffled = list(items)
    rnd.shuffle(shuffled)
    a, b = _apply(PENDING, items), _apply(PENDING, shuffled)
    assert (a.good, a.scrap, a.rework) == (b.good, b.scrap, b.rework)
    assert a.good == sum(w.good for w in items) and a.scrap == sum(w.scrap for w in items)
    assert a.started_at == b.started_at == min(w.at for w in items)
    assert a.status == b.status == "in_progress"
    assert a.line_id == items[-1].line_id and a.completed_at is None
    assert order_status_after("released", a.status) == "in_progress"


@given(works)
def test_a_finished_stage_keeps_its_status_line_and_end(items: list[Work]) -> None:
    end = T0 + timedelta(hours=5)
    done = Progress("completed", 7, 10, 0, 0, T0 + timedelta(hours=1), end)
    after = _apply(done, items)
    assert (after.status, after.line_id, after.completed_at) == ("completed", 7, end)
    assert after.started_at is not None and after.started_at <= end
    assert after.good == 10 + sum(w.good for w in items)


@given(works)
def test_work_on_a_held_order_or_stage_does_not_resume_it(items: list[Work]) -> None:
    assert _apply(PENDING, items, "on_hold").status == "on_hold"
    held = Progress("on_hold", 1, 3, 0, 0, T0, None)
    after = _apply(held, items)
    assert after.status == "on_hold" and after.line_id == items[-1].line_id
    assert order_status_after("on_hold", after.status) == "on_hold"
