"""Sign-in throttling with growing delays instead of a lock anyone can trigger.

A lock per account lets anybody lock the administrator out with five wrong passwords.
Here failures cost *time*, and whose time depends on who failed:

- per account and address: after ``max_failures`` failures from one address against one
  account, that address waits 1 s, then 2, 4, 8 … (at most ``window_s``) between tries.
  The owner signing in from their own address is not slowed by someone else's failures.
- per address, across accounts (password spraying from one address): the same growing
  delays after ``max_failures × address_factor`` failures.
- per account, across addresses (guessing from many addresses): after
  ``max_failures × account_factor`` failures the account's delays apply to every
  address that has never signed in to it successfully; known addresses go through.

Failures older than ``window_s`` are forgotten. In memory and per process: enough to
make online guessing slow; several processes each keep their own counts.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from linewise.core.errors import TooManyRequests


@dataclass
class _Failures:
    times: deque[float] = field(default_factory=deque)

    def recent(self, now: float, window_s: float) -> deque[float]:
        while self.times and now - self.times[0] > window_s:
            self.times.popleft()
        return self.times


@dataclass
class LoginLimiter:
    """Growing delays per (account, address), per address and per account; see module."""

    max_failures: int = 5
    window_s: float = 300.0
    # One address may serve several people (a shared terminal), so it gets more room.
    address_factor: int = 4
    account_factor: int = 10
    first_delay_s: float = 1.0
    clock: Callable[[], float] = time.monotonic
    _fails: dict[str, _Failures] = field(default_factory=dict)
    _known: dict[str, set[str]] = field(default_factory=dict)  # account -> addresses
    # Rotating addresses or names must not grow memory without bound.
    max_tracked: int = 50_000
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _forget_quiet(self, now: float) -> None:
        for key in [k for k, f in self._fails.items() if not f.recent(now, self.window_s)]:
            del self._fails[key]

    def delay_after(self, failures: int, free: int) -> float:
        """Seconds to wait after the ``failures``-th failure when ``free`` cost nothing."""
        if failures < free:
            return 0.0
        return float(min(self.first_delay_s * 2 ** (failures - free), self.window_s))

    def _wait(self, key: str, free: int, now: float) -> float:
        entry = self._fails.get(key)
        if entry is None:
            return 0.0
        times = entry.recent(now, self.window_s)
        if not times:
            return 0.0
        return max(0.0, times[-1] + self.delay_after(len(times), free) - now)

    def _keys(self, account: str, address: str) -> list[tuple[str, int]]:
        keys = [
            (f"pair:{account}\0{address}", self.max_failures),
            (f"ip:{address}", self.max_failures * self.address_factor),
        ]
        if address not in self._known.get(account, ()):
            keys.append((f"user:{account}", self.max_failures * self.account_factor))
        return keys

    def check(self, account: str, address: str) -> None:
        """Raise 429 with ``Retry-After`` if this address must still wait for this account."""
        account = account.lower()
        now = self.clock()
        with self._lock:
            wait = max(self._wait(key, free, now) for key, free in self._keys(account, address))
        if wait > 0:
            retry = max(1, math.ceil(wait))
            raise TooManyRequests(
                f"too many failed sign-ins; try again in {retry} s",
                headers={"Retry-After": str(retry)},
                retry_after=retry,
            )

    def failed(self, account: str, address: str) -> None:
        account = account.lower()
        now = self.clock()
        with self._lock:
            if len(self._fails) > self.max_tracked:
                self._forget_quiet(now)
            for key in (f"pair:{account}\0{address}", f"ip:{address}", f"user:{account}"):
                self._fails.setdefault(key, _Failures()).recent(now, self.window_s).append(now)

    def succeeded(self, account: str, address: str) -> None:
        account = account.lower()
        with self._lock:
            self._fails.pop(f"pair:{account}\0{address}", None)
            self._known.setdefault(account, set()).add(address)
