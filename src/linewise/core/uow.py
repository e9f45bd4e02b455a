"""The unit of work: one transaction per request or job, committed at its boundary.

Handlers and services change objects and may ``flush`` (to get ids, bumped versions or a
constraint error early); only the boundary commits: after the handler succeeded, or rolls
back when it raised. Domain events appended to the session during the work are published
after the commit and dropped on rollback (see core/events.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session, sessionmaker


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """Commit when the block ends normally, roll back on any error, always close."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
