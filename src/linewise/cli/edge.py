"""`linewise edge`: run the edge agent next to the machines."""

from __future__ import annotations

import asyncio
import logging

import click

from linewise.edge.config import ConfigError, load_config


@click.command("edge")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    default="edge.yaml",
    show_default=True,
    help="The agent's YAML configuration (see docs/edge.md).",
)
@click.option("--check", is_flag=True, help="Validate the configuration and exit.")
@click.option("-v", "--verbose", is_flag=True, help="Log every retry, not only changes.")
def edge(config_path: str, check: bool, verbose: bool) -> None:
    """Read Modbus TCP and OPC UA sources and forward their events, buffering on disk."""
    try:
        config = load_config(config_path)
        key = config.server.resolve_key()
    except ConfigError as exc:
        raise click.ClickException(f"invalid edge configuration:\n{exc}") from None
    if check:
        click.echo(
            f"{config_path}: ok ({len(config.sources)} sources, {len(config.machines)} machines)"
        )
        return
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not verbose:  # the client libraries narrate every reconnect attempt at INFO
        for noisy in ("asyncua", "pymodbus", "httpx"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
    from linewise.edge.agent import Agent

    try:
        asyncio.run(Agent(config, device_key=key).run())
    except KeyboardInterrupt:
        click.echo("stopped; undelivered events stay in the buffer", err=True)
