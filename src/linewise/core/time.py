"""Time helpers: every timestamp in Linewise is timezone-aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


class NaiveDatetimeError(ValueError):
    """A datetime without tzinfo reached storage; we refuse to guess its zone."""


def require_aware(value: datetime) -> datetime:
    """Return ``value`` converted to UTC, refusing naive datetimes."""
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise NaiveDatetimeError(f"naive datetime {value.isoformat()} refused: give a UTC offset")
    return value.astimezone(UTC)
