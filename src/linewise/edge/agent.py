"""The edge agent: sources → rules → on-disk buffer → forwarder, in one asyncio loop.

Observing and forwarding are decoupled by the buffer on purpose: a slow or absent server
never slows down reading the machines, and a machine that stops answering never holds up
sending what was already observed.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3

import httpx

from linewise.core.time import utcnow
from linewise.edge.buffer import Buffer
from linewise.edge.config import EdgeConfig, ModbusSource
from linewise.edge.forwarder import Forwarder
from linewise.edge.rules import Rules
from linewise.edge.sources import SourceReader
from linewise.edge.sources.modbus import ModbusReader
from linewise.edge.sources.opcua import OpcUaReader

log = logging.getLogger("linewise.edge")


class Agent:
    def __init__(
        self,
        config: EdgeConfig,
        *,
        device_key: str | None = None,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.config = config
        self.buffer = Buffer(
            config.buffer.path, agent=config.agent, max_events=config.buffer.max_events
        )
        self.rules = Rules(config, self.buffer.state())
        self.forwarder = Forwarder(
            self.buffer,
            url=config.server.url,
            device_key=device_key or config.server.resolve_key(),
            backoff=config.backoff,
            batch_size=config.server.batch_size,
            timeout_s=config.server.timeout_s,
            client=client,
        )
        self.readers: list[SourceReader] = [
            ModbusReader(s, config.backoff, config.poll_interval_s)
            if isinstance(s, ModbusSource)
            else OpcUaReader(s, config.backoff, config.poll_interval_s)
            for s in config.sources
        ]

    def observe(self, values: dict[str, float]) -> None:
        """New readings from a source: derive events and commit them to the buffer."""
        events, memory = self.rules.apply(values, utcnow())
        if not events and not memory:
            return
        try:
            self.buffer.append(events, memory)
        except sqlite3.Error:
            log.exception("cannot write the edge buffer at %s: events lost", self.buffer.path)
            return
        if events:
            self.forwarder.wake()

    async def run(self) -> None:
        """Run until cancelled; the buffer keeps whatever was not delivered yet."""
        log.info(
            "edge agent %s: %d sources, %d machines, buffer %s (%d events waiting), server %s",
            self.config.agent,
            len(self.readers),
            len(self.config.machines),
            self.buffer.path,
            len(self.buffer),
            self.config.server.url,
        )
        tasks = [asyncio.create_task(r.run(self.observe), name=f"source {r.name}")
                 for r in self.readers]  # fmt: skip
        tasks.append(asyncio.create_task(self.forwarder.run(), name="forwarder"))
        try:
            await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            self.buffer.close()
            log.info("edge agent %s stopped", self.config.agent)
