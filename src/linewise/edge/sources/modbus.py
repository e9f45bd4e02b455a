"""Modbus TCP: poll coils, discrete inputs, holding and input registers.

Polling is the only way Modbus works; a failed read is treated as a lost connection so that
a half-dead link is rebuilt instead of yielding stale values forever. Addresses are protocol
addresses (0-based, as on the wire); a PLC manual's "40001" is holding register 0.
"""

from __future__ import annotations

import asyncio
from typing import Any

from pymodbus.client import AsyncModbusTcpClient
from pymodbus.exceptions import ModbusException

from linewise.edge.config import BackoffConfig, ModbusPoint, ModbusSource
from linewise.edge.sources import Emit, SourceReader

_WIDTH = {"bool": 1, "uint16": 1, "int16": 1, "uint32": 2, "int32": 2, "float32": 2}


def decode(point: ModbusPoint, registers: list[int]) -> float:
    """Registers (16-bit words) to a scaled number, per the point's type and word order."""
    dt = AsyncModbusTcpClient.DATATYPE
    kind = {"uint16": dt.UINT16, "int16": dt.INT16, "uint32": dt.UINT32, "int32": dt.INT32,
            "float32": dt.FLOAT32}[point.type]  # fmt: skip
    raw = AsyncModbusTcpClient.convert_from_registers(registers, kind, word_order=point.word_order)
    assert isinstance(raw, int | float)
    return float(raw) * point.scale + point.offset


class ModbusReader(SourceReader):
    def __init__(self, spec: ModbusSource, backoff: BackoffConfig, poll_interval_s: float) -> None:
        super().__init__(spec.name, backoff, spec.poll_interval_s or poll_interval_s)
        self.spec = spec

    async def session(self, emit: Emit) -> None:
        spec = self.spec
        # the agent does the reconnecting, with its own back-off and logs
        client = AsyncModbusTcpClient(
            spec.host, port=spec.port, timeout=spec.timeout_s, retries=0, reconnect_delay=0
        )
        try:
            if not await client.connect():
                raise ConnectionError(f"no Modbus TCP server at {spec.host}:{spec.port}")
            while True:
                values = {f"{spec.name}.{name}": await self._read(client, p)
                          for name, p in spec.points.items()}  # fmt: skip
                self.mark_connected()
                emit(values)
                await asyncio.sleep(self.poll_interval_s)
        finally:
            client.close()

    async def _read(self, client: AsyncModbusTcpClient, point: ModbusPoint) -> float:
        unit = self.spec.device_id
        count = _WIDTH[point.type]
        reply: Any
        if point.table == "coil":
            reply = await client.read_coils(point.address, count=1, device_id=unit)
        elif point.table == "discrete_input":
            reply = await client.read_discrete_inputs(point.address, count=1, device_id=unit)
        elif point.table == "holding":
            reply = await client.read_holding_registers(point.address, count=count, device_id=unit)
        else:
            reply = await client.read_input_registers(point.address, count=count, device_id=unit)
        if reply.isError():
            raise ModbusException(f"{point.table} {point.address}: device answered {reply}")
        if point.table in ("coil", "discrete_input"):
            return float(bool(reply.bits[0])) * point.scale + point.offset
        return decode(point, list(reply.registers))
