"""How many requests may hold a database session at once, and how long others wait.

Why a limit at all: a request keeps its pooled connection from its first query until its
unit of work commits, and meanwhile it also needs worker threads (the handler, the
response validation of a sync route). If more requests held connections than there are
worker threads, every thread could end up waiting for a connection held by a request that
itself waits for a thread: nobody gives back, and the server hangs for good. Admission is
taken on the event loop, before any thread or connection is used, and it is fewer than
the worker threads, so a request that holds a connection always finds a thread.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from anyio.lowlevel import RunVar

from linewise.core.errors import ServiceUnavailable


class SessionAdmission:
    def __init__(self, capacity: int, wait_s: float) -> None:
        self.capacity = capacity
        self.wait_s = wait_s
        # One semaphore per event loop (a test may run the app on several, one at a time).
        self._semaphore: RunVar[anyio.Semaphore] = RunVar("linewise_session_admission")

    def _current(self) -> anyio.Semaphore:
        try:
            return self._semaphore.get()
        except LookupError:
            semaphore = anyio.Semaphore(self.capacity)
            self._semaphore.set(semaphore)
            return semaphore

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one of the slots; 503 with Retry-After when none frees up in time."""
        semaphore = self._current()
        acquired = False
        with anyio.move_on_after(self.wait_s):
            await semaphore.acquire()
            acquired = True
        if not acquired:
            raise ServiceUnavailable(
                "the server is busy; try again shortly",
                headers={"Retry-After": str(max(1, math.ceil(self.wait_s / 4)))},
            )
        try:
            yield
        finally:
            semaphore.release()
