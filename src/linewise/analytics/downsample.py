"""Downsampling a time series for a screen: fixed buckets with min, mean and max, so a
spike survives however many points fall into one pixel column."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Bucket:
    start: datetime
    n: int
    min: float
    mean: float
    max: float


def downsample(
    points: Iterable[tuple[datetime, float]], start: datetime, end: datetime, buckets: int
) -> list[Bucket]:
    """Points in [start, end) into ``buckets`` equal buckets; empty buckets are left out."""
    return downsample_records(((ts, 1, v, v, v) for ts, v in points), start, end, buckets)


def downsample_records(
    records: Iterable[tuple[datetime, int, float, float, float]],
    start: datetime,
    end: datetime,
    buckets: int,
) -> list[Bucket]:
    """Like ``downsample`` for records already aggregated: (time, n, min, sum, max)."""
    if buckets < 1 or end <= start:
        return []
    width = (end - start) / buckets
    acc: dict[int, list[float]] = {}
    for ts, n, lo, total, hi in records:
        if ts < start or ts >= end or n <= 0:
            continue
        i = min(buckets - 1, int((ts - start) / width))
        a = acc.get(i)
        if a is None:
            acc[i] = [n, total, lo, hi]
        else:
            a[0] += n
            a[1] += total
            a[2] = min(a[2], lo)
            a[3] = max(a[3], hi)
    return [
        Bucket(start + width * i, int(a[0]), a[2], a[1] / a[0], a[3])
        for i, a in sorted(acc.items())
    ]


def bucket_width(start: datetime, end: datetime, buckets: int) -> timedelta:
    return (end - start) / max(1, buckets)
