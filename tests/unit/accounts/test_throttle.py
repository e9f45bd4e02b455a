"""Sign-in throttling: failures cost time for whoever failed, not a lock for the owner."""

from __future__ import annotations

import pytest

from linewise.core.errors import TooManyRequests
from linewise.domains.accounts.throttle import LoginLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def retry_after(limiter: LoginLimiter, account: str, address: str) -> int:
    """Seconds this address must wait for this account (0: it may try now)."""
    try:
        limiter.check(account, address)
    except TooManyRequests as exc:
        return int(exc.headers["Retry-After"])
    return 0


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def limiter(clock: Clock) -> LoginLimiter:
    return LoginLimiter(max_failures=5, window_s=300, clock=clock)


def test_delays_grow_for_the_address_that_fails(limiter: LoginLimiter, clock: Clock) -> None:
    for _ in range(4):
        limiter.failed("admin", "10.0.0.9")
    assert retry_after(limiter, "admin", "10.0.0.9") == 0
    waits = []
    for _ in range(5):
        limiter.failed("admin", "10.0.0.9")
        waits.append(retry_after(limiter, "admin", "10.0.0.9"))
        clock.now += waits[-1]
        assert retry_after(limiter, "admin", "10.0.0.9") == 0
    assert waits == [1, 2, 4, 8, 16]


def test_someone_elses_failures_do_not_lock_the_owner_out(limiter: LoginLimiter) -> None:
    for _ in range(10):
        limiter.failed("Admin", "10.0.0.9")
    assert retry_after(limiter, "admin", "10.0.0.9") > 0
    assert retry_after(limiter, "admin", "192.168.1.20") == 0


def test_spraying_many_accounts_from_one_address_is_slowed(limiter: LoginLimiter) -> None:
    for i in range(20):
        assert retry_after(limiter, f"user{i}", "10.0.0.9") == 0
        limiter.failed(f"user{i}", "10.0.0.9")
    assert retry_after(limiter, "somebody", "10.0.0.9") >= 1
    assert retry_after(limiter, "somebody", "10.0.0.10") == 0


def test_guessing_from_many_addresses_spares_known_addresses(limiter: LoginLimiter) -> None:
    limiter.succeeded("admin", "192.168.1.20")
    for i in range(50):
        address = f"10.0.{i // 250}.{i % 250}"
        assert retry_after(limiter, "admin", address) == 0
        limiter.failed("admin", address)
    assert retry_after(limiter, "admin", "10.9.9.9") >= 1  # a new address waits
    assert retry_after(limiter, "admin", "192.168.1.20") == 0  # the owner's does not


def test_failures_are_forgotten_after_the_window(limiter: LoginLimiter, clock: Clock) -> None:
    for _ in range(8):
        limiter.failed("admin", "10.0.0.9")
    assert retry_after(limiter, "admin", "10.0.0.9") > 0
    clock.now += 301
    assert retry_after(limiter, "admin", "10.0.0.9") == 0


def test_success_clears_the_address_and_the_delay_never_exceeds_the_window(
    limiter: LoginLimiter, clock: Clock
) -> None:
    for _ in range(15):  # fewer than the address's own allowance (20)
        limiter.failed("admin", "10.0.0.9")
        clock.now += 0.01
    assert retry_after(limiter, "admin", "10.0.0.9") == 300  # 2 ** 10 s, capped
    limiter.succeeded("admin", "10.0.0.9")
    assert retry_after(limiter, "admin", "10.0.0.9") == 0


def test_rotating_names_do_not_grow_memory_without_bound(clock: Clock) -> None:
    limiter = LoginLimiter(max_tracked=100, window_s=10, clock=clock)
    for i in range(1000):
        limiter.failed(f"name{i}", f"10.0.{i // 250}.{i % 250}")
        clock.now += 1
    assert len(limiter._fails) <= 100 + 3
