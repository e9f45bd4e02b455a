"""Simulated time as integer epoch milliseconds, and its ISO 8601 form.

The simulator counts in whole milliseconds so that interval ends meet exactly, the
ground truth tiles time without rounding gaps, and each ``ts`` string maps back to the
same instant (the protocol carries milliseconds, nothing finer).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
DAY_MS = 86_400_000
_day_prefix: dict[int, str] = {}


def to_ms(moment: datetime) -> int:
    """UTC epoch milliseconds of an aware datetime (naive ones are refused)."""
    if moment.tzinfo is None:
        raise ValueError("simulation times must be timezone-aware")
    return (moment - EPOCH) // timedelta(milliseconds=1)


def from_ms(ms: int) -> datetime:
    return EPOCH + timedelta(milliseconds=ms)


def iso(ms: int) -> str:
    """``2026-11-22T08:00:00.120Z``; fast, because every event needs one."""
    day, rest = divmod(ms, DAY_MS)
    prefix = _day_prefix.get(day)
    if prefix is None:
        prefix = (EPOCH + timedelta(days=day)).strftime("%Y-%m-%d")
        _day_prefix[day] = prefix
    hours, rest = divmod(rest, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{prefix}T{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}Z"


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
