"""The edge agent end to end: a Modbus PLC and an OPC UA oven feed a real Linewise server,
which goes away for a while and comes back on the same port.

Exactly once and in order are shown from the server's tables: every event the agent made
(its persisted sequence) is stored, none twice; each machine's states, counts and samples
arrive in the order the values were changed; and the count increments add up to the PLC's
running totals across a rollover and a reset, which also shows no count was replayed into
a second row or lost.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from pymodbus.client import AsyncModbusTcpClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from linewise.edge.agent import Agent
from linewise.edge.config import EdgeConfig, parse_config
from linewise.ingest.models import CountEvent, StateEvent, StateInterval, TelemetrySample
from tests.conftest import World
from tests.integration.edge.conftest import LiveServer, Oven, Plc, modbus_plc, opcua_oven, wait_for

pytestmark = pytest.mark.parametrize("engine", ["sqlite"], indirect=True)

PNP = "SMT-1-PNP1"
ICT = "TEST-1-ICT"


def edge_config(buffer: Path, server: str, key: str, plc: Plc, oven: Oven) -> EdgeConfig:
    return parse_config(
        {
            "agent": "edge1",
            "server": {"url": server, "device_key": key, "timeout_s": 2},
            "buffer": {"path": str(buffer), "max_events": 1000},
            "poll_interval_s": 0.05,
            "backoff": {"initial_s": 0.05, "max_s": 0.3},
            "sources": [
                {
                    "kind": "modbus",
                    "name": "plc",
                    "host": "127.0.0.1",
                    "port": plc.port,
                    "points": {
                        "running": {"table": "coil", "address": 0, "type": "bool"},
                        "fault": {"address": 0},
                        "good": {"address": 1, "type": "uint32"},
                        "reject": {"address": 3},
                        "head_temp": {"table": "input", "address": 0, "type": "float32"},
                    },
                },
                {
                    "kind": "opcua",
                    "name": "oven",
                    "endpoint": oven.endpoint,
                    "publishing_interval_ms": 20,
                    "points": {
                        "mode": {"node": f"ns={oven.ns};s=Oven.Mode"},
                        "zone1": {"node": f"ns={oven.ns};s=Oven.Zone1"},
                    },
                },
            ],
            "machines": {
                PNP: {
                    "state": {
                        "running": "plc.running",
                        "fault": "plc.fault",
                        "faults": {12: "nozzle_jam"},
                    },
                    "counter": {"good": "plc.good", "reject": "plc.reject", "rollover": 65536},
                    "telemetry": [
                        {"point": "plc.head_temp", "signal": "head_temp_c", "unit": "°C"}
                    ],
                },
                ICT: {
                    "state": {"value": "oven.mode", "map": {0: "idle", 1: "producing", 3: "down"}},
                    "telemetry": [{"point": "oven.zone1", "signal": "zone1_c", "unit": "°C"}],
                },
            },
        }
    )


def f32(value: float) -> list[int]:
    dt = AsyncModbusTcpClient.DATATYPE.FLOAT32
    return AsyncModbusTcpClient.convert_to_registers(value, dt)


def u32(value: int) -> list[int]:
    return AsyncModbusTcpClient.convert_to_registers(value, AsyncModbusTcpClient.DATATYPE.UINT32)


def stored(db: Session, model: Any, machine_id: int) -> list[Any]:
    """Rows as the server committed them, in arrival order (the table's own id)."""
    db.rollback()  # a fresh snapshot: the server commits from another thread
    return list(db.scalars(select(model).where(model.machine_id == machine_id).order_by(model.id)))


def total_rows(db: Session) -> int:
    db.rollback()
    return sum(
        db.scalar(select(func.count()).select_from(m)) or 0
        for m in (StateEvent, CountEvent, TelemetrySample)
    )


def states(db: Session, machine_id: int) -> list[tuple[str, str | None, str | None]]:
    return [(r.state, r.fault, r.reason) for r in stored(db, StateEvent, machine_id)]


def counts(db: Session, machine_id: int) -> list[tuple[int, int]]:
    return [(r.good, r.reject) for r in stored(db, CountEvent, machine_id)]


def samples(db: Session, machine_id: int, signal: str) -> list[float]:
    return [r.signals[signal] for r in stored(db, TelemetrySample, machine_id)]


def test_outage_loses_nothing_and_replays_in_order(
    tmp_path: Path, linewise: LiveServer, device_key: str, db: Session, world: World
) -> None:
    pnp, ict = world.machine_ids[PNP], world.machine_ids[ICT]

    async def scenario() -> Agent:
        async with modbus_plc() as plc, opcua_oven() as oven:
            # the PLC's totals before the agent ever saw them: a baseline, not production
            await plc.set_holding(1, [*u32(100_000), 65534])
            await plc.set_input(0, f32(25.0))
            agent = Agent(edge_config(tmp_path / "buffer.db", linewise.url, device_key, plc, oven))
            task = asyncio.create_task(agent.run())

            async def step(change: Any, events: int = 1) -> None:
                """Change a source, then wait until the agent has buffered what it caused."""
                before = agent.buffer.last_seq
                await change
                await wait_for(lambda: agent.buffer.last_seq >= before + events, "the agent")

            try:
                # online: idle + temperature from each source
                await wait_for(lambda: agent.buffer.last_seq >= 4, "the first readings")
                await step(plc.set_coil(0, True))  # producing
                await step(plc.set_holding(1, u32(100_005)))  # +5 good
                await step(plc.set_holding(3, [65535]))  # +1 reject
                await step(oven.set("Mode", 1))  # ICT producing
                await step(oven.set("Zone1", 180.5))
                await step(plc.set_holding(0, [12]))  # down, fault 12
                # A step returns on the first new event; under load one left over from
                # the step before can be it, so wait for the stored state itself.
                down = [("down", "12", "nozzle_jam")]
                await wait_for(lambda: states(db, pnp)[-1:] == down, "the down state")
                await wait_for(lambda: len(agent.buffer) == 0, "the online events to be sent")
                assert states(db, pnp)[-1] == ("down", "12", "nozzle_jam")

                # the server goes away; the machines go on
                await asyncio.to_thread(linewise.stop)
                delivered = total_rows(db)
                await step(plc.set_holding(0, [0]))  # producing again
                await step(plc.set_holding(1, u32(100_030)))  # +25 good
                await step(plc.set_input(0, f32(31.5)))
                await step(plc.set_holding(3, [1]))  # reject total wraps 65535 -> 1: +2
                await step(oven.set("Mode", 3))  # ICT down
                await step(oven.set("Zone1", 150.0))
                await step(plc.set_holding(1, u32(4)))  # PLC reset its total: +4 good
                await wait_for(lambda: not agent.forwarder.online, "the agent to notice")
                assert len(agent.buffer) == 7
                assert total_rows(db) == delivered  # nothing got through meanwhile

                # back on the same port: the agent replays by itself
                await asyncio.to_thread(linewise.start)
                await wait_for(lambda: len(agent.buffer) == 0, "the buffer to drain")
                await wait_for(lambda: total_rows(db) == agent.buffer.last_seq, "all rows")
            finally:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
            return agent

    agent = asyncio.run(scenario())

    assert states(db, pnp) == [
        ("idle", None, None),
        ("producing", None, None),
        ("down", "12", "nozzle_jam"),
        ("producing", None, None),
    ]
    assert states(db, ict) == [
        ("idle", None, None),
        ("producing", None, None),
        ("down", None, None),
    ]
    assert counts(db, pnp) == [(5, 0), (0, 1), (25, 0), (0, 2), (4, 0)]
    assert samples(db, pnp, "head_temp_c") == [25.0, 31.5]
    assert samples(db, ict, "zone1_c") == [20.0, 180.5, 150.0]
    assert stored(db, TelemetrySample, ict)[0].units == {"zone1_c": "°C"}

    # every event the agent made is stored exactly once, and arrived in the order made
    rows = [r for m in (StateEvent, CountEvent, TelemetrySample) for mid in (pnp, ict)
            for r in stored(db, m, mid)]  # fmt: skip
    ids = [r.event_id for r in rows]
    assert len(ids) == len(set(ids)) == agent.buffer.last_seq == 17
    seqs = sorted(int(i.rsplit("-", 1)[1]) for i in ids)
    assert seqs == list(range(1, 18))
    for model in (StateEvent, CountEvent, TelemetrySample):
        for mid in (pnp, ict):
            arrived = [int(r.event_id.rsplit("-", 1)[1]) for r in stored(db, model, mid)]
            assert arrived == sorted(arrived), f"{model.__name__} of machine {mid} out of order"
            times = [r.ts for r in stored(db, model, mid)]
            assert times == sorted(times)

    # the projection the KPIs read agrees
    db.rollback()
    intervals = db.scalars(
        select(StateInterval).where(StateInterval.machine_id == pnp).order_by(StateInterval.start)
    ).all()
    assert [i.state for i in intervals] == ["idle", "producing", "down", "producing"]
    assert intervals[-1].end is None


def test_agent_reconnects_to_sources_that_went_away(
    tmp_path: Path, linewise: LiveServer, device_key: str, db: Session, world: World
) -> None:
    pnp, ict = world.machine_ids[PNP], world.machine_ids[ICT]

    async def scenario() -> None:
        async with modbus_plc() as plc, opcua_oven() as oven:
            await plc.set_coil(0, True)
            await oven.set("Mode", 1)
            config = edge_config(tmp_path / "buffer.db", linewise.url, device_key, plc, oven)
            agent = Agent(config)
            task = asyncio.create_task(agent.run())
            try:
                await wait_for(lambda: all(r.connected for r in agent.readers), "connections")
                await wait_for(
                    lambda: (
                        states(db, pnp)[-1:] == [("producing", None, None)]
                        and states(db, ict)[-1:] == [("producing", None, None)]
                    ),
                    "producing on both machines",
                )
                # both machines' servers restart; they come back in another state
                await plc.server.shutdown()
                await oven.server.stop()
                await wait_for(lambda: not any(r.connected for r in agent.readers), "the loss")
                async with modbus_plc(plc.port) as plc2, opcua_oven(oven.port) as oven2:
                    await plc2.set_holding(0, [31])
                    await oven2.set("Mode", 3)
                    await wait_for(lambda: all(r.connected for r in agent.readers), "reconnect")
                    await wait_for(
                        lambda: (
                            states(db, pnp)[-1][0] == "down" and states(db, ict)[-1][0] == "down"
                        ),
                        "the new states to arrive",
                    )
            finally:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)

    asyncio.run(scenario())
    # a restarted server may show its power-on values (idle) before the new ones
    assert states(db, pnp)[0] == ("producing", None, None)
    assert states(db, pnp)[-1] == ("down", "31", None)
    assert [s[0] for s in states(db, ict)][:: len(states(db, ict)) - 1] == ["producing", "down"]
