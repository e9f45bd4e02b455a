"""Cron expressions in a site's zone, including the daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import islice

import pytest

from linewise.jobs.cron import CronError, parse

BERLIN = "Europe/Berlin"


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def test_previous_and_following_in_the_sites_zone() -> None:
    daily = parse("30 6 * * mon-fri")  # 06:30 Berlin on working days
    # Saturday 2026-12-05 10:00 UTC: the latest fire was Friday 06:30 CET = 05:30 UTC.
    assert daily.previous(_utc(2026, 12, 5, 10), BERLIN) == _utc(2026, 12, 4, 5, 30)
    nxt = list(islice(daily.following(_utc(2026, 12, 4, 5, 30), BERLIN), 2))
    assert nxt == [_utc(2026, 12, 7, 5, 30), _utc(2026, 12, 8, 5, 30)]  # Monday, Tuesday


def test_steps_lists_and_ranges() -> None:
    cron = parse("*/20 8-9,17 1 jan,jul *")
    assert sorted(cron.minutes) == [0, 20, 40]
    assert sorted(cron.hours) == [8, 9, 17]
    assert sorted(cron.months) == [1, 7]
    assert parse("0 0 * * 7").weekdays == frozenset({0})  # 7 is Sunday too


def test_day_of_month_or_day_of_week_when_both_are_given() -> None:
    cron = parse("0 12 13 * fri")  # the 13th, and every Friday (classic cron)
    fires = list(islice(cron.following(_utc(2026, 11, 30), "UTC"), 3))
    assert fires == [_utc(2026, 12, 4, 12), _utc(2026, 12, 11, 12), _utc(2026, 12, 13, 12)]


def test_daylight_saving_changes() -> None:
    # 2026-03-29 02:30 does not exist in Berlin: it fires at 01:30 UTC (03:30 CEST).
    gap = parse("30 2 * * *")
    fires = list(islice(gap.following(_utc(2026, 3, 28, 12), BERLIN), 2))
    assert fires == [_utc(2026, 3, 29, 1, 30), _utc(2026, 3, 30, 0, 30)]
    # 2026-10-25 02:30 happens twice: it fires once, at the first (00:30 UTC).
    fires = list(islice(gap.following(_utc(2026, 10, 24, 12), BERLIN), 2))
    assert fires == [_utc(2026, 10, 25, 0, 30), _utc(2026, 10, 26, 1, 30)]


def test_count_between() -> None:
    every_5 = parse("*/5 * * * *")
    assert every_5.count_between(_utc(2026, 1, 1, 9), _utc(2026, 1, 1, 10), "UTC") == 12


@pytest.mark.parametrize(
    ("expression", "field"),
    [
        ("* * * *", "5 fields"),
        ("60 * * * *", "minute"),
        ("* 24 * * *", "hour"),
        ("* * 0 * *", "day of month"),
        ("* * * foo *", "month"),
        ("*/0 * * * *", "step"),
        ("5-1 * * * *", "minute"),
    ],
)
def test_bad_expressions_name_the_field(expression: str, field: str) -> None:
    with pytest.raises(CronError, match=field):
        parse(expression)
