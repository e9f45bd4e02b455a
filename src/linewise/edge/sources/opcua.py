"""OPC UA: subscribe to data changes (the server pushes) or poll node values.

Subscriptions are the default because the server then sends only changes, at the
publishing interval; polling is for servers with broken or limited subscription support.
The connection is checked every poll interval, because a subscription on a dead link is
silent rather than failing.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from asyncua.client.client import Client
from asyncua.common.node import Node

from linewise.edge.config import BackoffConfig, OpcUaSource
from linewise.edge.sources import Emit, SourceReader

log = logging.getLogger("linewise.edge.sources")


class OpcUaReader(SourceReader):
    def __init__(self, spec: OpcUaSource, backoff: BackoffConfig, poll_interval_s: float) -> None:
        super().__init__(spec.name, backoff, spec.poll_interval_s or poll_interval_s)
        self.spec = spec

    async def session(self, emit: Emit) -> None:
        spec = self.spec
        client = Client(spec.endpoint, timeout=spec.timeout_s)
        await client.connect()
        try:
            nodes = {name: client.get_node(p.node) for name, p in spec.points.items()}
            if spec.mode == "subscribe":
                await self._subscribe(client, nodes, emit)
            self.mark_connected()
            while True:
                if spec.mode == "poll":
                    values = await client.read_values(list(nodes.values()))
                    emit({self._ref(name): self._scaled(name, v)
                          for name, v in zip(nodes, values, strict=True)})  # fmt: skip
                else:
                    await client.check_connection()
                await asyncio.sleep(self.poll_interval_s)
        finally:
            try:
                await asyncio.wait_for(client.disconnect(), timeout=2)
            except Exception:  # the link is usually already gone; nothing to tidy up
                log.debug("source %s: disconnect after failure", spec.name, exc_info=True)

    async def _subscribe(self, client: Client, nodes: dict[str, Node], emit: Emit) -> None:
        by_node = {node.nodeid: name for name, node in nodes.items()}
        handler = _Handler(self, by_node, emit)
        subscription = await client.create_subscription(self.spec.publishing_interval_ms, handler)
        await subscription.subscribe_data_change(list(nodes.values()))

    def _ref(self, name: str) -> str:
        return f"{self.spec.name}.{name}"

    def _scaled(self, name: str, value: Any) -> float:
        point = self.spec.points[name]
        return float(value) * point.scale + point.offset


class _Handler:
    """asyncua calls this for each data change notification."""

    def __init__(self, reader: OpcUaReader, by_node: dict[Any, str], emit: Emit) -> None:
        self.reader = reader
        self.by_node = by_node
        self.emit = emit

    def datachange_notification(self, node: Node, value: Any, data: Any) -> None:
        name = self.by_node.get(node.nodeid)
        if name is None:
            return
        try:
            scaled = self.reader._scaled(name, value)
        except (TypeError, ValueError):
            log.warning("source %s: %s is not a number (%r)", self.reader.name, name, value)
            return
        self.emit({self.reader._ref(name): scaled})

    def status_change_notification(self, status: Any) -> None:
        # the session loop notices the dead link at its next check and reconnects
        log.debug("source %s: subscription status %s", self.reader.name, status)
