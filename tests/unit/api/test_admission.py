"""Session admission: a bounded number of holders; the rest wait, then get a 503."""

from __future__ import annotations

import anyio
import pytest

from linewise.api.admission import SessionAdmission
from linewise.core.errors import ServiceUnavailable


def test_a_slot_frees_up_for_the_next_waiter() -> None:
    admission = SessionAdmission(capacity=1, wait_s=5.0)
    order: list[str] = []

    async def holder(name: str, hold: anyio.Event | None) -> None:
        async with admission.slot():
            order.append(name)
            if hold is not None:
                await hold.wait()

    async def main() -> None:
        release = anyio.Event()
        async with anyio.create_task_group() as tg:
            tg.start_soon(holder, "first", release)
            await anyio.wait_all_tasks_blocked()
            tg.start_soon(holder, "second", None)
            await anyio.wait_all_tasks_blocked()
            assert order == ["first"]  # the second waits for the slot
            release.set()
        assert order == ["first", "second"]

    anyio.run(main)


def test_waiting_too_long_is_a_503_with_retry_after() -> None:
    admission = SessionAdmission(capacity=1, wait_s=0.05)

    async def main() -> None:
        async with admission.slot():
            with pytest.raises(ServiceUnavailable) as caught:
                async with admission.slot():
                    pass  # pragma: no cover - never admitted
        assert caught.value.status == 503
        assert int(caught.value.headers["Retry-After"]) >= 1
        async with admission.slot():  # the slot was given back
            pass

    anyio.run(main)
