"""Two transactions of one process appending to the audit chain on PostgreSQL: one that
has appended already (it holds the chain's advisory lock until it commits) flushes again
while another waits for that lock. Before, the waiting one held a process lock too, and
the first waited for that lock: a deadlock no database could see (a training job's second
flush hung the API contract run's server)."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import Engine, select, text

from linewise.core import audit
from linewise.core.audit import AuditRecord, verify
from linewise.core.db import make_session_factory
from linewise.domains.production.models import Product

pytestmark = pytest.mark.parametrize("engine", ["postgresql"], indirect=True)


def _waiting_for_the_chain(engine: Engine) -> bool:
    with engine.connect() as conn:
        waiting = conn.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND wait_event = 'advisory'"
            )
        ).scalar_one()
    return bool(waiting)


def test_a_second_flush_does_not_deadlock_with_a_waiting_writer(engine: Engine) -> None:
    audit.install()
    factory = make_session_factory(engine)
    first = factory()
    first.add(Product(code="A-1", name="first"))
    first.flush()  # appended: this transaction holds the chain until it commits

    second_done = threading.Event()
    failure: list[BaseException] = []

    def second_writer() -> None:
        with factory() as other:
            try:
                # If the deadlock came back, this gives up after 20 s and lets the test
                # fail on the assertion below instead of hanging the suite.
                other.execute(text("SET LOCAL lock_timeout = '20s'"))
                other.add(Product(code="B-1", name="second"))
                other.commit()
            except BaseException as exc:  # reported by the test thread
                failure.append(exc)
            finally:
                second_done.set()

    thread = threading.Thread(target=second_writer, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not _waiting_for_the_chain(engine):
        assert time.monotonic() < deadline, "the second writer never waited for the chain"
        assert not second_done.is_set(), failure
        time.sleep(0.05)

    flushed = threading.Event()

    def flush_again() -> None:
        first.add(Product(code="A-2", name="first again"))
        first.flush()
        flushed.set()

    again = threading.Thread(target=flush_again, daemon=True)
    again.start()
    assert flushed.wait(10), "the appending transaction waited for the waiting one"
    again.join()
    first.commit()
    first.close()
    assert second_done.wait(30) and not failure, failure
    thread.join()

    with factory() as check:
        records = check.scalars(select(AuditRecord).order_by(AuditRecord.seq)).all()
        ids = [r.after["code"] for r in records if r.entity == "products" and r.after]
        assert ids == ["A-1", "A-2", "B-1"]  # the chain in commit order
        assert verify(check).ok
