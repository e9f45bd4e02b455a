"""Field-bus readers. Each keeps its connection alive on its own and reports values.

A source never stops the agent: a PLC that is switched off, a cable pulled or a server
restarted only means "reconnect with back-off and say so in the log". Values are reported
as ``{"source.point": value}`` already scaled; deciding what is news is the rules' job.
"""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from collections.abc import Callable

from linewise.edge.backoff import Backoff
from linewise.edge.config import BackoffConfig

log = logging.getLogger("linewise.edge.sources")
Emit = Callable[[dict[str, float]], None]


class SourceReader(ABC):
    """The reconnect loop; subclasses implement one connected session."""

    def __init__(self, name: str, backoff: BackoffConfig, poll_interval_s: float) -> None:
        self.name = name
        self.poll_interval_s = poll_interval_s
        self.connected = False
        self._backoff = Backoff(backoff.initial_s, backoff.max_s)

    async def run(self, emit: Emit) -> None:
        """Read until cancelled, reconnecting with bounded back-off after any failure."""
        while True:
            try:
                await self.session(emit)
                raise ConnectionError("session ended")
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                delay = self._backoff.next_delay()
                if self.connected or self._backoff.failures == 1:
                    log.warning(
                        "source %s: %s: %s; reconnecting (retry in %.2f s, then with back-off)",
                        self.name,
                        "connection lost" if self.connected else "cannot connect",
                        _why(exc),
                        delay,
                    )
                else:
                    log.debug("source %s: still unreachable (%s)", self.name, _why(exc))
                self.connected = False
                await asyncio.sleep(delay)

    def mark_connected(self) -> None:
        if not self.connected:
            log.info("source %s: connected", self.name)
        self.connected = True
        self._backoff.reset()

    @abstractmethod
    async def session(self, emit: Emit) -> None:
        """Connect, then report values until the connection fails (raise) or cancel."""


def _why(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:200]}" if text else type(exc).__name__
