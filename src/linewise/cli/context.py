"""Shared CLI plumbing: settings, engine and a unit of work that reports problems nicely."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click
from sqlalchemy.orm import Session

from linewise.config import Settings, get_settings
from linewise.core import audit
from linewise.core.db import make_engine, make_session_factory, session_scope
from linewise.core.errors import Problem


def settings() -> Settings:
    return get_settings()


@contextmanager
def unit_of_work(actor: str = "cli") -> Iterator[Session]:
    """One transaction; a Problem becomes a clean error message and exit code 1."""
    audit.install()
    engine = make_engine(settings().database_url)
    audit.anchor(engine, settings().audit_checkpoint)
    try:
        with session_scope(make_session_factory(engine)) as db:
            db.info["actor"] = actor
            yield db
    except Problem as exc:
        lines = [exc.detail] + [f"  {e['field']}: {e['message']}" for e in exc.errors]
        raise click.ClickException("\n".join(lines)) from exc
    finally:
        engine.dispose()
