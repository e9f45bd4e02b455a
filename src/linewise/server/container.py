"""One container for every background service: started in order, stopped in reverse.

A service is anything with a ``name`` and async ``start``/``stop``. The container starts
them in the order they were added, so a service may rely on the ones before it (the
recorder before MQTT ingest feeds it; the bus's subscribers before the NOTIFY bridge
republishes into it). If one fails to start, the ones already started are stopped, in
reverse, and the error propagates: the app never runs half-started. Stopping goes on
past a failing service so that the others still stop.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Protocol

log = logging.getLogger("linewise.server")


class Service(Protocol):
    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class ServiceContainer:
    def __init__(self, services: Iterable[Service] = ()) -> None:
        self._services: list[Service] = list(services)
        self._started: list[Service] = []

    def add(self, service: Service) -> None:
        if self._started:
            raise RuntimeError(f"cannot add {service.name!r}: the container is running")
        self._services.append(service)

    @property
    def names(self) -> list[str]:
        return [s.name for s in self._services]

    @property
    def running(self) -> list[str]:
        return [s.name for s in self._started]

    async def start(self) -> None:
        for service in self._services:
            try:
                await service.start()
            except BaseException:
                log.exception("service %s failed to start; stopping the others", service.name)
                await self.stop()
                raise
            self._started.append(service)
            log.debug("started %s", service.name)

    async def stop(self) -> None:
        while self._started:
            service = self._started.pop()
            try:
                await service.stop()
            except Exception:
                log.exception("service %s failed to stop cleanly", service.name)
            else:
                log.debug("stopped %s", service.name)
