"""`linewise jobs list|dead|replay|stats` against a real database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, update

from linewise.cli.main import main
from linewise.config import get_settings
from linewise.core.db import make_session_factory, session_scope
from linewise.jobs import enqueue
from linewise.jobs.models import Job


@pytest.fixture
def cli(engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> Iterator[CliRunner]:
    monkeypatch.setenv("LINEWISE_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("LINEWISE_AUDIT_CHECKPOINT", "")
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_the_dead_letter_list_and_replay_from_the_command_line(
    engine: Engine, cli: CliRunner
) -> None:
    with session_scope(make_session_factory(engine)) as db:
        dead = enqueue(db, "report.mail", {"to": "plant"})
        enqueue(db, "report.mail", {"to": "office"})
        db.execute(
            update(Job)
            .where(Job.id == dead)
            .values(state="dead", attempt=3, last_error="Traceback...\nSMTPError: relay refused")
        )
    out = cli.invoke(main, ["jobs", "dead"])
    assert out.exit_code == 0, out.output
    assert f"{dead:>8}  dead" in out.output
    assert "SMTPError: relay refused" in out.output
    assert "1 of 1 job(s)" in out.output

    stats = cli.invoke(main, ["jobs", "stats"])
    assert "available         1" in stats.output and "dead              1" in stats.output

    out = cli.invoke(main, ["jobs", "replay", str(dead)])
    assert out.exit_code == 0, out.output
    assert "queued again" in out.output
    again = cli.invoke(main, ["jobs", "replay", str(dead)])
    assert again.exit_code == 1
    assert "only dead jobs replay" in again.output
    assert cli.invoke(main, ["jobs", "replay", "424242"]).exit_code == 1

    listed = cli.invoke(main, ["jobs", "list", "--state", "available"])
    assert "2 of 2 job(s)" in listed.output
    assert cli.invoke(main, ["jobs", "list", "--state", "zombie"]).exit_code == 2
