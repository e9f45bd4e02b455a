"""`linewise simulate`: run the demo factory's simulator and send its events somewhere."""

from __future__ import annotations

import asyncio
import os
import re
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta

import click

from linewise.demo.factory import build_factory
from linewise.simulation.engine import Simulation
from linewise.simulation.events import line_of_machine
from linewise.simulation.model import SimParams
from linewise.simulation.pacing import Progress, pump
from linewise.simulation.senders import HttpSink, MqttSink, NdjsonSink, Sink

_PART = re.compile(r"(\d+(?:\.\d+)?)([smhdw])")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str) -> timedelta:
    """``90m``, ``8h``, ``7d``, ``1d12h``, ``2w``."""
    cleaned = text.strip().lower().replace(" ", "")
    parts = _PART.findall(cleaned)
    if not parts or "".join(n + u for n, u in parts) != cleaned:
        raise click.BadParameter(f"{text!r} is not a duration like 8h, 7d or 1d12h")
    return timedelta(seconds=sum(float(n) * _UNIT_S[u] for n, u in parts))


def parse_start(text: str | None) -> datetime:
    if not text:
        return datetime.now(UTC).replace(microsecond=0)
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def _report(progress: Progress) -> None:
    label = "done" if progress.finished else "at"
    click.echo(
        f"{label} {progress.simulated:%Y-%m-%d %H:%M}Z  {progress.events} events  "
        f"{progress.events_per_s:,.0f} events/s  ({progress.wall_s:.1f} s)",
        err=True,
    )


@click.command("simulate")
@click.option("--start", default=None, help="Simulated start, ISO 8601 (default: now, UTC).")
@click.option("--duration", default="8h", show_default=True, help="E.g. 90m, 8h, 7d, 1d12h.")
@click.option(
    "--speed",
    type=float,
    default=0.0,
    show_default=True,
    help="Simulated seconds per wall second: 0 = as fast as possible, 1 = real time.",
)
@click.option("--seed", type=int, default=1, show_default=True, help="Simulation seed.")
@click.option("--http", "http_url", default=None, help="Server URL: POST to {URL}/api/v1/ingest.")
@click.option(
    "--api-key", envvar="LINEWISE_DEVICE_KEY", default=None, help="Device key (for --http)."
)
@click.option("--mqtt", "mqtt_url", default=None, help="Broker, e.g. mqtt://127.0.0.1:1883.")
@click.option("--ndjson", "ndjson_path", default=None, help="Write events to this NDJSON file.")
@click.option("--ground-truth", "truth_path", default=None, help="Write the ground truth here.")
@click.option("--line-groups", type=int, default=1, show_default=True, help="Factory size.")
@click.option("--orders", type=int, default=40, show_default=True, help="Orders in the factory.")
@click.option("--factory-seed", type=int, default=7, show_default=True, help="Seed of the data.")
@click.option("--batch", type=int, default=500, show_default=True, help="Events per send.")
@click.option("--count-batch", type=int, default=1, show_default=True, help="Units per count.")
@click.option("--operators", is_flag=True, help="Operators as agents: lines wait for their crews.")
def simulate(
    start: str | None,
    duration: str,
    speed: float,
    seed: int,
    http_url: str | None,
    api_key: str | None,
    mqtt_url: str | None,
    ndjson_path: str | None,
    truth_path: str | None,
    line_groups: int,
    orders: int,
    factory_seed: int,
    batch: int,
    count_batch: int,
    operators: bool,
) -> None:
    """Simulate the demo factory and send machine events over HTTP, MQTT or to a file.

    The run is deterministic for a seed. Without a destination the events are only
    counted (useful with --ground-truth).
    """
    if http_url and not api_key:
        raise click.UsageError("--http needs --api-key or LINEWISE_DEVICE_KEY")
    moment = parse_start(start)
    spec = build_factory(moment, line_groups=line_groups, orders=orders, seed=factory_seed)
    params = SimParams(count_batch=max(1, count_batch), operators=operators)
    sim = Simulation(spec, moment, parse_duration(duration), seed=seed, params=params)
    click.echo(
        f"simulating {len(spec.lines)} lines, {len(spec.orders)} orders from "
        f"{sim.start:%Y-%m-%d %H:%M}Z to {sim.end:%Y-%m-%d %H:%M}Z (seed {seed})",
        err=True,
    )
    asyncio.run(_run(sim, http_url, api_key, mqtt_url, ndjson_path, speed, batch, os.getpid()))
    if truth_path:
        sim.ground_truth().write(truth_path)
        click.echo(f"ground truth written to {truth_path}", err=True)


async def _run(
    sim: Simulation,
    http_url: str | None,
    api_key: str | None,
    mqtt_url: str | None,
    ndjson_path: str | None,
    speed: float,
    batch: int,
    pid: int,
) -> None:
    async with AsyncExitStack() as stack:
        sinks: list[Sink] = []
        if ndjson_path:
            ndjson = NdjsonSink(ndjson_path)
            stack.push_async_callback(ndjson.aclose)
            sinks.append(ndjson)
        if http_url and api_key:
            http = HttpSink(http_url, api_key)
            stack.push_async_callback(http.aclose)
            sinks.append(http)
        if mqtt_url:
            mqtt = MqttSink(
                mqtt_url,
                sim.spec.site_code,
                line_of_machine(sim.spec),
                identifier=f"linewise-sim-{pid}",
            )
            sinks.append(await stack.enter_async_context(mqtt))
        await pump(sim, sinks, speed=speed, batch_size=batch, on_progress=_report)
