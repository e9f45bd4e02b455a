"""Which history the demo feed replays: never an empty plant on a weekend or at dawn."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from linewise.demo.factory import build_factory
from linewise.demo.live_feed import MAX_GAP, feed_start, last_shift_start

# Demo shifts run Monday to Friday, 06:00-22:00 Berlin time (UTC+1 in December).
SPEC = build_factory(datetime(2026, 11, 30, 6, 0, tzinfo=UTC))


def test_on_a_saturday_the_friday_late_shift_is_the_last_one() -> None:
    saturday = datetime(2026, 12, 5, 7, 30, tzinfo=UTC)
    assert last_shift_start(SPEC, saturday) == datetime(2026, 12, 4, 13, 0, tzinfo=UTC)


def test_on_monday_before_six_it_is_still_friday() -> None:
    dawn = datetime(2026, 12, 7, 4, 0, tzinfo=UTC)  # 05:00 in Berlin
    assert last_shift_start(SPEC, dawn) == datetime(2026, 12, 4, 13, 0, tzinfo=UTC)


def test_during_a_shift_it_is_that_shift() -> None:
    tuesday = datetime(2026, 12, 8, 9, 15, tzinfo=UTC)  # 10:15 in Berlin
    assert last_shift_start(SPEC, tuesday) == datetime(2026, 12, 8, 5, 0, tzinfo=UTC)


def test_around_the_clock_a_sunday_night_replays_the_night_so_far() -> None:
    demo = build_factory(datetime(2026, 11, 30, 6, 0, tzinfo=UTC), around_the_clock=True)
    sunday = datetime(2026, 12, 6, 22, 0, tzinfo=UTC)  # 23:00 in Berlin
    assert last_shift_start(demo, sunday) == datetime(2026, 12, 6, 21, 0, tzinfo=UTC)
    # Nothing stored yet: at least 8 hours, back to the day's start in Berlin.
    start = feed_start(demo, sunday, timedelta(hours=8), None)
    assert start == datetime(2026, 12, 5, 23, 0, tzinfo=UTC)


def test_the_feed_continues_after_what_is_stored() -> None:
    now = datetime(2026, 12, 6, 22, 0, tzinfo=UTC)
    history_end = now - timedelta(minutes=2)  # the demo's simulated past ends here
    start = feed_start(SPEC, now, timedelta(hours=8), history_end)
    assert start == history_end + timedelta(milliseconds=1)
    # A demo started again days later fills the pause (up to a week), so that its
    # trends have no hole; data "from the future" leaves nothing to replay.
    three_days_ago = now - timedelta(days=3)
    assert feed_start(SPEC, now, timedelta(hours=8), three_days_ago) == three_days_ago + (
        timedelta(milliseconds=1)
    )
    assert feed_start(SPEC, now, timedelta(hours=8), now - timedelta(days=30)) == now - MAX_GAP
    assert feed_start(SPEC, now, timedelta(hours=8), now + timedelta(hours=1)) == now
