"""``linewise audit``: verify the hash-chained audit log and keep its checkpoint."""

from __future__ import annotations

import json
from dataclasses import asdict

import click
from sqlalchemy import select

from linewise.cli.context import settings, unit_of_work
from linewise.core import audit, audit_checkpoint


@click.group("audit")
def audit_group() -> None:
    """The hash-chained audit log."""


@audit_group.command("verify")
def audit_verify() -> None:
    """Check the whole chain, and that it still reaches the checkpoint kept apart from it;
    name the first record that was tampered with."""
    path = settings().audit_checkpoint
    with unit_of_work() as session:
        result = audit.verify_with_checkpoint(session, path)
    if result.ok:
        anchored = (
            f", up to checkpoint record {result.checkpoint_seq} ({path})"
            if result.checkpoint_seq is not None
            else " (no checkpoint configured: truncation would go unnoticed)"
        )
        click.echo(f"audit log intact: {result.checked} records verified{anchored}")
        return
    if result.first_bad_seq is None:
        raise click.ClickException(f"audit log NOT VERIFIED: {result.reason}")
    raise click.ClickException(
        f"audit log TAMPERED at record {result.first_bad_seq}: {result.reason} "
        f"({result.checked} records before it are intact)"
    )


@audit_group.command("checkpoint")
@click.option(
    "--reset",
    is_flag=True,
    help="replace a checkpoint of another chain or a later record (after a restore, or "
    "once a log that failed verification has been examined and is to be trusted)",
)
def audit_checkpoint_command(reset: bool) -> None:
    """Write the chain's head to the checkpoint file and print it.

    The server does this after every change; run it once for a log written before
    checkpoints existed, and keep a copy of the file with each backup of the database.
    """
    path = settings().audit_checkpoint
    if path is None:
        raise click.ClickException("no checkpoint file configured (LINEWISE_AUDIT_CHECKPOINT)")
    with unit_of_work() as session:
        chain = audit.verify(session)
        if not chain.ok:
            raise click.ClickException(
                f"the chain itself is broken at record {chain.first_bad_seq} "
                f"({chain.reason}); not writing a checkpoint for it"
            )
        rec = audit.AuditRecord
        head = session.execute(select(rec.seq, rec.hash).order_by(rec.seq.desc()).limit(1)).first()
        first = session.scalar(select(rec.hash).where(rec.seq == 1))
    if head is None or first is None:
        click.echo("the audit log is empty: nothing to anchor yet")
        return
    written = audit_checkpoint.advance(path, first, head.seq, head.hash, reset=reset)
    current = audit_checkpoint.load(path)
    if not written and (current is None or current.genesis != first or current.seq > head.seq):
        raise click.ClickException(
            f"{path} holds a checkpoint the log does not match (see `linewise audit verify`); "
            "use --reset to replace it"
        )
    click.echo(json.dumps(asdict(current) if current else {}, indent=2))
