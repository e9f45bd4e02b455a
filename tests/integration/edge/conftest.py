"""Real servers for the edge agent's tests: Linewise under uvicorn (restartable on the same
port, to play a network outage), a Modbus TCP PLC and an OPC UA server on free ports."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, suppress
from typing import Any

import httpx
import pytest
import uvicorn
from asyncua import Server, ua
from fastapi import FastAPI
from pymodbus.server import ModbusTcpServer
from pymodbus.simulator import DataType, SimData, SimDevice
from sqlalchemy.orm import Session

from linewise.domains.accounts.models import ApiKeyScope
from linewise.domains.accounts.service import create_api_key
from tests.conftest import World


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def wait_for(
    condition: Callable[[], Any], what: str, timeout_s: float = 45.0, every_s: float = 0.02
) -> Any:
    """Poll ``condition`` until it is truthy; fail naming ``what`` after ``timeout_s``
    (generous: the suite runs two workers on two cores beside OPC UA and Modbus servers)."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if isinstance(value, Awaitable):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout_s} s waiting for {what}")
        await asyncio.sleep(every_s)  # polling interval, not a wait for an outcome


class LiveServer:
    """The app under uvicorn in a thread; stop() and start() again on the same port."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None

    def start(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        config = uvicorn.Config(
            self.app, log_level="warning", lifespan="on", timeout_graceful_shutdown=2
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, daemon=True
        )
        self._sock = sock
        self._thread.start()
        # a deadline, not a delay: a start (migrations, services) on a loaded machine took
        # more than 15 s once while the rest of the suite ran on the other core
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if not self._thread.is_alive():
                pytest.fail("the Linewise server thread died while starting")
            try:
                if httpx.get(f"{self.url}/api/v1/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.02)  # polling interval, not a wait for an outcome
        pytest.fail(f"the Linewise server at {self.url} did not become ready")

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.should_exit = True
        assert self._thread is not None and self._sock is not None
        self._thread.join(timeout=10)
        self._sock.close()
        self._server = None


@pytest.fixture
def linewise(app: FastAPI) -> Iterator[LiveServer]:
    server = LiveServer(app)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def device_key(db: Session, world: World) -> str:
    _key, token = create_api_key(db, name="edge-smt-1", scope=ApiKeyScope.DEVICE, role=None)
    db.commit()
    return token


class Plc:
    """A Modbus TCP server with the four tables, each 100 entries from address 0."""

    def __init__(self, server: ModbusTcpServer, port: int) -> None:
        self.server = server
        self.port = port

    async def set_coil(self, address: int, value: bool) -> None:
        await self.server.async_setValues(1, 5, address, [value])

    async def set_holding(self, address: int, words: list[int]) -> None:
        await self.server.async_setValues(1, 16, address, words)

    async def set_input(self, address: int, words: list[int]) -> None:
        await self.server.async_setValues(1, 4, address, words)


@asynccontextmanager
async def modbus_plc(port: int | None = None) -> AsyncIterator[Plc]:
    port = port or free_port()
    device = SimDevice(
        id=1,
        simdata=(
            [SimData(0, count=100, values=False, datatype=DataType.BITS)],
            [SimData(0, count=100, values=False, datatype=DataType.BITS)],
            [SimData(0, count=100, values=0, datatype=DataType.REGISTERS)],
            [SimData(0, count=100, values=0, datatype=DataType.REGISTERS)],
        ),
    )
    server = ModbusTcpServer(device, address=("127.0.0.1", port))
    await server.serve_forever(background=True)
    try:
        yield Plc(server, port)
    finally:
        with suppress(Exception):  # a test may have stopped it already
            await server.shutdown()


class Oven:
    """An OPC UA server with a reflow oven object: Mode (int) and Zone1 (°C)."""

    def __init__(self, server: Server, endpoint: str, ns: int, nodes: dict[str, Any]) -> None:
        self.server = server
        self.endpoint = endpoint
        self.port = int(endpoint.rsplit(":", 1)[1].split("/")[0])
        self.ns = ns
        self.nodes = nodes

    async def set(self, name: str, value: Any) -> None:
        kind = ua.VariantType.Int32 if name == "Mode" else ua.VariantType.Double
        await self.nodes[name].write_value(ua.Variant(value, kind))


@asynccontextmanager
async def opcua_oven(port: int | None = None) -> AsyncIterator[Oven]:
    port = port or free_port()
    endpoint = f"opc.tcp://127.0.0.1:{port}/oven"
    server = Server()
    await server.init()
    server.set_endpoint(endpoint)
    ns = await server.register_namespace("urn:linewise:test:oven")
    oven = await server.nodes.objects.add_object(ns, "Oven")
    nodes = {
        "Mode": await oven.add_variable(
            ua.NodeId("Oven.Mode", ns), "Mode", 0, ua.VariantType.Int32
        ),
        "Zone1": await oven.add_variable(ua.NodeId("Oven.Zone1", ns), "Zone1", 20.0),
    }
    await server.start()
    try:
        yield Oven(server, endpoint, ns, nodes)
    finally:
        with suppress(Exception):  # a test may have stopped it already
            await server.stop()
