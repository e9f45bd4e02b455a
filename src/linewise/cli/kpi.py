"""`linewise kpi`: KPI maintenance from the command line."""

from __future__ import annotations

import time

import click

from linewise.cli.context import unit_of_work


@click.group("kpi")
def kpi() -> None:
    """KPI day rollups."""


@kpi.command("refresh")
@click.option("--site", "sites", multiple=True, help="Site code (repeatable); default all.")
@click.option(
    "--days",
    type=click.IntRange(min=1),
    default=None,
    help="Only the last N days (default: back to each site's first data, at most 400).",
)
def kpi_refresh(sites: tuple[str, ...], days: int | None) -> None:
    """Fill and refresh the day rollups now, so the next long KPI query is not the cold one.

    The server does this in the background once ingest is quiet; run it after an import
    or a bulk load, or from cron when KPIs are read by other processes only.
    """
    from linewise.core.time import utcnow
    from linewise.domains.performance.refresher import refresh_sites

    started = time.perf_counter()
    with unit_of_work("kpi-refresh") as db:
        done = refresh_sites(db, utcnow(), site_codes=list(sites) or None, days=days)
    if sites and {s.site for s in done} != set(sites):
        missing = sorted(set(sites) - {s.site for s in done})
        raise click.ClickException(f"no such site: {', '.join(missing)}")
    for s in done:
        since = s.first_day.isoformat() if s.first_day else "no data"
        click.echo(f"{s.site}: {s.machines} machines, from {since}: {s.filled} machine-days filled")
    click.echo(f"done in {time.perf_counter() - started:.1f} s")
