"""Bounded exponential back-off with jitter, shared by the sources and the forwarder.

Bounded so that a PLC or server that comes back is noticed within ``max_s``; jittered so
that many agents restarted together by a power cut do not hammer the server in lockstep.
"""

from __future__ import annotations

import random


class Backoff:
    def __init__(self, initial_s: float, max_s: float) -> None:
        self.initial_s = initial_s
        self.max_s = max_s
        self.failures = 0

    def next_delay(self, at_least: float = 0.0) -> float:
        """The wait before the next attempt; ``at_least`` honours a server's Retry-After."""
        base: float = min(self.max_s, self.initial_s * 2 ** min(self.failures, 30))
        self.failures += 1
        delay = base * random.uniform(0.75, 1.0)
        return max(delay, min(at_least, 300.0))

    def reset(self) -> None:
        self.failures = 0
