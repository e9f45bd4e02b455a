"""The lateness rule, case by case (the SQL filter is checked against it in
tests/integration/planning/test_lateness.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from linewise.domains.production.lateness import Verdict, judge

NOW = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)
H = timedelta(hours=1)


@pytest.mark.parametrize(
    ("status", "due", "completed_at", "planned", "eta", "expected"),
    [
        # done: the actual finish decides, whatever the plan said
        (
            "completed",
            NOW - H,
            NOW - 2 * H,
            NOW + H,
            None,
            Verdict(NOW - 2 * H, "actual", -3600, False),
        ),
        ("completed", NOW - 2 * H, NOW - H, None, None, Verdict(NOW - H, "actual", 3600, True)),
        ("completed", NOW - H, None, None, None, Verdict(None, None, None, False)),
        ("cancelled", NOW - H, None, NOW + H, None, Verdict(None, None, None, False)),
        # open, planned: the plan's finish against a due date still ahead
        ("released", NOW + H, None, NOW + 2 * H, None, Verdict(NOW + 2 * H, "plan", 3600, True)),
        ("in_progress", NOW + 2 * H, None, NOW + H, None, Verdict(NOW + H, "plan", -3600, False)),
        # open, the plan's finish already passed: not before now
        ("released", NOW + H, None, NOW - H, None, Verdict(NOW, "now", -3600, False)),
        ("on_hold", NOW - H, None, NOW - 2 * H, None, Verdict(NOW, "now", 3600, True)),
        # open, not in the plan: late once overdue, unknown before
        ("planned", NOW - H, None, None, None, Verdict(NOW, "now", 3600, True)),
        ("planned", NOW + H, None, None, None, Verdict(None, None, None, False)),
        # the live ETA, when there is one, goes before the plan
        (
            "released",
            NOW + H,
            None,
            NOW + 2 * H,
            NOW + H / 2,
            Verdict(NOW + H / 2, "eta", -1800, False),
        ),
    ],
)
def test_rule(
    status: str,
    due: datetime,
    completed_at: datetime | None,
    planned: datetime | None,
    eta: datetime | None,
    expected: Verdict,
) -> None:
    got = judge(
        status=status, due=due, completed_at=completed_at, planned_finish=planned, eta=eta, now=NOW
    )
    assert got == expected


def test_late_by_a_fraction_of_a_second_is_late_by_one() -> None:
    got = judge(
        status="completed",
        due=NOW,
        completed_at=NOW + timedelta(milliseconds=200),
        planned_finish=None,
        eta=None,
        now=NOW,
    )
    assert got.is_late and got.late_by_s == 1
