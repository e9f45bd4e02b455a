"""`linewise mcp`: the assistant's tools for agents, over the Model Context Protocol."""

from __future__ import annotations

import click


@click.command("mcp")
@click.option(
    "--api-key",
    envvar="LINEWISE_API_KEY",
    required=True,
    help="An integration API key (lw_...); its role decides the tools (or LINEWISE_API_KEY).",
)
def mcp_command(api_key: str) -> None:
    """Serve the assistant's tools over MCP on standard input and output.

    An agent starts this command and speaks MCP to it (docs/assistant-mcp.md). The
    database comes from LINEWISE_DATABASE_URL; nothing but MCP is written to standard
    output, errors go to standard error.
    """
    import anyio

    from linewise.assistant.mcp_server import Gate, Refused, serve_stdio
    from linewise.cli.context import settings
    from linewise.core.db import make_engine, make_session_factory

    engine = make_engine(settings().database_url)
    try:
        gate = Gate(make_session_factory(engine), api_key.strip())
        try:
            principal = gate.check()
        except Refused as exc:
            raise click.ClickException(f"API key refused: {exc}") from exc
        click.echo(f"linewise mcp: serving as {principal.actor} ({principal.role})", err=True)
        anyio.run(serve_stdio, gate)
    finally:
        engine.dispose()
