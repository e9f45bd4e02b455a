"""Requests per minute per caller: a token bucket per signed-in user and per API key.

A bucket holds ``per_minute`` tokens and refills at ``per_minute`` a minute: a person may
click through a page that fires twenty requests at once, but not keep up more than the
limit. Device keys (machine data) get their own, larger limit: a gateway posts batches
all day. Over the limit: 429 with Retry-After (the seconds until one token is back).

In memory and per process, like the sign-in throttle: several server processes each
grant the limit (docs/operations.md says so).
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from linewise.core.errors import TooManyRequests


@dataclass
class _Bucket:
    tokens: float
    at: float


@dataclass
class RateLimiter:
    per_minute: int  # 0: no limit
    clock: Callable[[], float] = time.monotonic
    max_tracked: int = 100_000  # least recently seen callers are forgotten beyond this
    _buckets: OrderedDict[str, _Bucket] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, key: str) -> float:
        """Spend one token of ``key``: 0 if granted, else the seconds to wait."""
        if self.per_minute <= 0:
            return 0.0
        rate = self.per_minute / 60.0
        now = self.clock()
        with self._lock:
            bucket = self._buckets.pop(key, None)
            if bucket is None:
                bucket = _Bucket(float(self.per_minute), now)
            else:
                bucket.tokens = min(self.per_minute, bucket.tokens + (now - bucket.at) * rate)
                bucket.at = now
            self._buckets[key] = bucket  # most recently seen last
            while len(self._buckets) > self.max_tracked:
                self._buckets.popitem(last=False)
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) / rate

    def check(self, key: str, who: str) -> None:
        wait = self.take(key)
        if wait > 0:
            retry = max(1, math.ceil(wait))
            raise TooManyRequests(
                f"more than {self.per_minute} requests a minute from {who}; try again in {retry} s",
                headers={"Retry-After": str(retry)},
                retry_after=retry,
            )


@dataclass
class RateLimits:
    """The limits of one app: people and integration keys, and device keys."""

    people: RateLimiter
    devices: RateLimiter

    @staticmethod
    def of(per_minute: int, device_per_minute: int) -> RateLimits:
        return RateLimits(RateLimiter(per_minute), RateLimiter(device_per_minute))
