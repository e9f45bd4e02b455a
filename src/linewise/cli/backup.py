"""``linewise backup`` and ``linewise restore`` (docs/operations.md)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from linewise.cli.context import settings
from linewise.ops import backup as backups


@click.command("backup")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where to write it (default: LINEWISE_BACKUP_DIR, var/backups).",
)
@click.option(
    "--keep-days",
    type=float,
    default=None,
    help="Then delete backups older than this (default: LINEWISE_BACKUP_KEEP_DAYS, 30).",
)
@click.option("--list", "list_only", is_flag=True, help="Only list the backups there are.")
def backup_command(directory: Path | None, keep_days: float | None, list_only: bool) -> None:
    """Back the configured database up while the server runs, then thin out old backups.

    SQLite through its online backup API; PostgreSQL with pg_dump on one snapshot. Each
    backup has a manifest (row counts, audit head) that `linewise restore` checks.
    """
    cfg = settings()
    root = directory or cfg.backup_dir
    if root is None:
        raise click.ClickException("no backup directory: pass --dir or set LINEWISE_BACKUP_DIR")
    if list_only:
        for path, manifest in backups.list_backups(root):
            click.echo(f"{path}  {json.dumps(backups.summary(manifest))}")
        return
    try:
        path, manifest = backups.backup(cfg.database_url, root)
        removed = backups.prune(
            root, keep_days or cfg.backup_keep_days, keep_all_hours=cfg.backup_keep_all_hours
        )
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    info = backups.summary(manifest)
    click.echo(
        f"backup written to {path}: {info['rows']} rows in {info['tables']} tables, "
        f"audit head {info['audit_records']}, {info['size_bytes'] / 1e6:.1f} MB "
        f"in {info['seconds']:.1f} s"
    )
    for old in removed:
        click.echo(f"removed {old} (older than the retention)")


@click.command("restore")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--database-url",
    default=None,
    help="Restore into this database (default: the configured one). It must be empty.",
)
@click.option(
    "--force", is_flag=True, help="Replace a database that holds data (stop the server first)."
)
def restore_command(directory: Path, database_url: str | None, force: bool) -> None:
    """Restore a backup into an empty database, then check it against its manifest
    (every table's row count, the migrations, the audit chain and its head)."""
    url = database_url or settings().database_url
    try:
        report = backups.restore(directory, url, force=force)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    if not report.ok:
        raise click.ClickException(
            "restored, but it differs from the backup:\n  " + "\n  ".join(report.differences)
        )
    info = backups.summary(report.manifest)
    click.echo(
        f"restored {info['rows']} rows in {info['tables']} tables from {info['created_at']} "
        f"in {report.seconds:.1f} s; audit chain intact ({report.audit_checked} records). "
        "If this server keeps an audit checkpoint, reset it: linewise audit checkpoint --reset"
    )
