"""The `linewise` command."""

from __future__ import annotations

import click

from linewise.cli.audit import audit_group
from linewise.cli.backup import backup_command, restore_command
from linewise.cli.context import settings
from linewise.cli.demo import demo
from linewise.cli.edge import edge
from linewise.cli.exchange import export_command, import_command
from linewise.cli.jobs import jobs_group, worker_command
from linewise.cli.kpi import kpi
from linewise.cli.mcp import mcp_command
from linewise.cli.simulate import simulate
from linewise.cli.users import apikey_group, user_group


@click.group()
@click.version_option(package_name="linewise")
def main() -> None:
    """Linewise: plan, run, monitor and explain production.

    Configuration comes from LINEWISE_* environment variables (or a .env file), e.g.
    LINEWISE_DATABASE_URL=postgresql+psycopg://user@host/db.
    """


@main.command()
@click.option("--host", default=None, help="Interface to listen on (default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default 8000).")
@click.option("--upgrade/--no-upgrade", default=True, help="Apply migrations first.")
@click.option(
    "--mqtt",
    "mqtt_url",
    default=None,
    metavar="URL",
    help="Ingest from an MQTT broker, e.g. mqtt://user:pw@host:1883 (or LINEWISE_MQTT_URL).",
)
def serve(host: str | None, port: int | None, upgrade: bool, mqtt_url: str | None) -> None:
    """Serve the API, the live hub, MQTT ingest (if configured) and the web UI."""
    import gc

    import uvicorn

    from linewise.core.logs import configure
    from linewise.core.migrate import upgrade as run_upgrade
    from linewise.server.app import create_app

    cfg = settings()
    log_config = configure(cfg.log_format)
    if mqtt_url:
        cfg = cfg.model_copy(update={"mqtt_url": mqtt_url})
    if port:
        cfg = cfg.model_copy(update={"port": port})
    if upgrade:
        run_upgrade(cfg.database_url)
    app = create_app(cfg)
    # A full garbage collection stops every thread, the event loop included, for as long
    # as it takes to scan every object alive: a third of a second and more while a large
    # ingest batch is decoded and written, during which nothing else is answered. So:
    # what is alive now (modules, metadata, schemas) lives as long as the process and is
    # frozen out of the scans, and young collections run every 50,000 allocations rather
    # than 700, which makes the full ones a hundred times rarer during a batch.
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 10, 10)
    uvicorn.run(
        app,
        host=host or cfg.host,
        port=port or cfg.port,
        log_level="info",
        log_config=log_config,
        access_log=False,  # the app logs each request itself, with its request id
        **cfg.proxy_options(),
    )


@main.command()
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Write to this file instead of standard output.",
)
def openapi(output: str | None) -> None:
    """Print the API's OpenAPI document (JSON) without starting a server.

    The UI's TypeScript types are generated from it: `make openapi`.
    """
    from pathlib import Path

    from linewise.api.openapi import document_text
    from linewise.server.app import create_app

    # An in-memory database: building the document must not touch the configured one.
    text = document_text(create_app(settings().model_copy(update={"database_url": "sqlite://"})))
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


@main.group()
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
@click.option("--revision", default="heads", show_default=True)
def db_upgrade(revision: str) -> None:
    """Create or migrate the schema to the latest version."""
    from linewise.core.migrate import upgrade

    url = settings().database_url
    upgrade(url, revision)
    click.echo(f"database at {revision}: {url.split('@')[-1]}")


main.add_command(audit_group)
main.add_command(user_group)
main.add_command(apikey_group)

main.add_command(demo)
main.add_command(import_command)
main.add_command(export_command)
main.add_command(simulate)
main.add_command(edge)
main.add_command(kpi)
main.add_command(mcp_command)
main.add_command(jobs_group)
main.add_command(worker_command)
main.add_command(backup_command)
main.add_command(restore_command)


if __name__ == "__main__":  # python -m linewise.cli.main
    main()
