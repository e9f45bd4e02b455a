"""`linewise import` and `linewise export`: spreadsheets in and out."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from linewise.cli.context import settings, unit_of_work
from linewise.exchange.exporter import export_sheet
from linewise.exchange.importer import import_rows
from linewise.exchange.locales import ImportLocale
from linewise.exchange.sheets import SHEETS, columns
from linewise.exchange.tabular import Limits, detect_format, read_rows

SHEET = click.Choice(list(SHEETS))


@click.command("import")
@click.argument("sheet", type=SHEET)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--partial", is_flag=True, help="Write the valid rows even if some are bad.")
@click.option("--dry-run", is_flag=True, help="Validate only; write nothing.")
@click.option(
    "--locale",
    type=click.Choice([locale.value for locale in ImportLocale]),
    default="iso",
    show_default=True,
    help="How dates and decimals were typed: de = 18.12.2026, 1.234,5; en = 12/18/2026, "
    "1,234.5. ISO is read under every locale.",
)
def import_command(sheet: str, file: Path, partial: bool, dry_run: bool, locale: str) -> None:
    """Import SHEET (products, materials, routings, bom, operators, orders) from a CSV or
    XLSX FILE. The whole file is validated first; one bad row means nothing is written
    unless --partial is given. Columns: see `linewise export SHEET -`. The row, column
    and cell limits of the API apply (LINEWISE_IMPORT_MAX_ROWS and friends).
    """
    limits = Limits.from_settings(settings())
    with unit_of_work(actor="cli:import") as db, file.open("rb") as source:
        _h, rows = read_rows(source, detect_format(file.name, source), sheet, limits)
        result = import_rows(
            db, sheet, rows, partial=partial, dry_run=dry_run, locale=ImportLocale(locale)
        )
    for e in result.errors:
        click.echo(f"row {e.row}, column {e.column}: {e.message}", err=True)
    verb = "checked (dry run)" if dry_run else "imported"
    click.echo(
        f"{sheet}: {result.rows} rows {verb}: {result.created} created, {result.updated} "
        f"updated, {len({e.row for e in result.errors})} rejected"
    )


@click.command("export")
@click.argument("sheet", type=SHEET)
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "xlsx"]),
    default=None,
    help="Default: from the file name (.xlsx), else CSV.",
)
def export_command(sheet: str, file: str, fmt: str | None) -> None:
    """Export SHEET to FILE (or - for standard output) in the columns import reads."""
    fmt = fmt or ("xlsx" if file.endswith(".xlsx") else "csv")
    with unit_of_work(actor="cli:export") as db:
        body = export_sheet(db, sheet, fmt)
    if file == "-":
        sys.stdout.buffer.write(body)
    else:
        Path(file).write_bytes(body)
        click.echo(
            f"{sheet}: wrote {file} ({len(body)} bytes; columns {', '.join(columns(sheet))})"
        )
