"""The service container: ordered start, reverse stop, no half-started app."""

from __future__ import annotations

import asyncio

import pytest

from linewise.server.container import ServiceContainer


class Recording:
    def __init__(self, name: str, log: list[str], *, fail_start: bool = False,
                 fail_stop: bool = False) -> None:  # fmt: skip
        self.name = name
        self.log = log
        self.fail_start = fail_start
        self.fail_stop = fail_stop

    async def start(self) -> None:
        if self.fail_start:
            raise RuntimeError(f"{self.name} cannot start")
        self.log.append(f"start {self.name}")

    async def stop(self) -> None:
        self.log.append(f"stop {self.name}")
        if self.fail_stop:
            raise RuntimeError(f"{self.name} cannot stop")


def test_starts_in_order_and_stops_in_reverse() -> None:
    log: list[str] = []
    container = ServiceContainer(Recording(n, log) for n in ("recorder", "hub", "mqtt"))
    asyncio.run(container.start())
    assert container.running == ["recorder", "hub", "mqtt"]
    asyncio.run(container.stop())
    assert log == [
        "start recorder", "start hub", "start mqtt", "stop mqtt", "stop hub", "stop recorder",
    ]  # fmt: skip
    assert container.running == []


def test_a_failing_start_stops_what_had_started() -> None:
    log: list[str] = []
    container = ServiceContainer(
        [Recording("recorder", log), Recording("hub", log),
         Recording("bridge", log, fail_start=True), Recording("mqtt", log)]
    )  # fmt: skip
    with pytest.raises(RuntimeError, match="bridge cannot start"):
        asyncio.run(container.start())
    assert log == ["start recorder", "start hub", "stop hub", "stop recorder"]
    assert container.running == []


def test_stopping_goes_on_past_a_failing_service() -> None:
    log: list[str] = []
    container = ServiceContainer(
        [Recording("recorder", log), Recording("hub", log, fail_stop=True), Recording("x", log)]
    )
    asyncio.run(container.start())
    asyncio.run(container.stop())
    assert log[3:] == ["stop x", "stop hub", "stop recorder"]


def test_no_service_may_join_a_running_container() -> None:
    container = ServiceContainer([Recording("recorder", [])])
    asyncio.run(container.start())
    with pytest.raises(RuntimeError):
        container.add(Recording("late", []))
    asyncio.run(container.stop())
