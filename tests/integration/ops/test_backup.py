"""Backup under live ingest, restore into an empty database, and prove it: every row the
backup's manifest counted is there, the audit chain verifies and ends at the recorded
head, and every event acknowledged before the backup started is in the restored copy."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.orm import Session

from linewise.config import Settings
from linewise.core.db import make_engine
from linewise.core.time import utcnow
from linewise.domains.accounts.models import ApiKeyScope
from linewise.domains.accounts.service import create_api_key
from linewise.ingest.models import CountEvent
from linewise.ops import backup as backups
from tests.conftest import World
from tests.services import PG_URL

API = "/api/v1"


@pytest.fixture
def empty_url(engine: Engine, tmp_path: Path) -> Iterator[str]:
    """An empty database of the same backend to restore into."""
    if engine.dialect.name == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    name = f"linewise_restore_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def test_a_backup_under_live_ingest_restores_every_acknowledged_event(
    app: object,
    db: Session,
    world: World,
    engine: Engine,
    tmp_path: Path,
    empty_url: str,
) -> None:
    _key, token = create_api_key(db, name="gw", scope=ApiKeyScope.DEVICE, role=None)
    db.commit()
    acknowledged: list[tuple[int, str]] = []  # (order of acknowledgement, event id)
    stop = threading.Event()
    clock = [0]
    lock = threading.Lock()

    def ingest(client: TestClient) -> None:
        n = 0
        while not stop.is_set():
            batch = []
            for _ in range(20):
                n += 1
                batch.append(
                    {
                        "id": f"c-{n}",
                        "ts": (utcnow() - timedelta(seconds=1)).isoformat(),
                        "machine": "SMT-1-PNP1",
                        "type": "count",
                        "good": 1,
                        "reject": 0,
                    }
                )
            r = client.post(
                f"{API}/ingest", json=batch, headers={"Authorization": f"Bearer {token}"}
            )
            assert r.status_code == 200, r.text
            with lock:
                clock[0] += 1
                acknowledged.extend((clock[0], e["id"]) for e in batch)

    with TestClient(app) as client:  # type: ignore[arg-type]
        writer = threading.Thread(target=ingest, args=(client,), daemon=True)
        writer.start()
        try:
            # Let some batches land, then back up while the writer keeps going.
            while True:
                with lock:
                    if clock[0] >= 5:
                        break
                stop.wait(0.01)
            with lock:
                before = {e for _, e in acknowledged}
            path, manifest = backups.backup(_url(engine), tmp_path / "backups")
            with lock:
                during = clock[0]
            # Keep writing a little after it: the copy must not be the final state.
            while True:
                with lock:
                    if clock[0] >= during + 3:
                        break
                stop.wait(0.01)
        finally:
            stop.set()
            writer.join(10)
    assert manifest.row_counts["count_events"] >= len(before) > 0
    assert manifest.audit_seq > 0 and manifest.audit_hash

    report = backups.restore(path, empty_url)
    assert report.ok, report.differences
    assert report.audit_checked == manifest.audit_seq

    restored = make_engine(empty_url)
    try:
        with Session(restored) as s:
            ids = set(s.scalars(select(CountEvent.event_id)))
    finally:
        restored.dispose()
    assert before <= ids  # nothing acknowledged before the backup started is missing
    db.rollback()
    total_now = len(db.scalars(select(CountEvent.id)).all())
    assert total_now > len(ids), "the writer went on after the backup; the copy is a moment"


def test_a_restore_refuses_a_database_with_data_and_names_differences(
    db: Session, world: World, engine: Engine, tmp_path: Path, empty_url: str
) -> None:
    path, manifest = backups.backup(_url(engine), tmp_path / "b")
    # Into the source itself (it holds data): refused without --force.
    with pytest.raises(backups.BackupError, match="empty database"):
        backups.restore(path, _url(engine))
    # A restore whose result differs is reported, not silently accepted.
    report = backups.restore(path, empty_url)
    assert report.ok
    tampered = make_engine(empty_url)
    try:
        with tampered.begin() as conn:
            conn.execute(text("DELETE FROM machines WHERE code = 'TEST-1-ICT'"))
    finally:
        tampered.dispose()
    check = backups.check(empty_url, manifest)
    assert not check.ok
    assert any(d.startswith("machines: 1 rows, the backup had 2") for d in check.differences)


def test_retention_keeps_a_day_of_everything_then_one_a_day(
    db: Session, world: World, engine: Engine, tmp_path: Path
) -> None:
    from datetime import UTC, datetime

    root = tmp_path / "b"
    now = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)

    def at(**ago: float) -> Path:
        return backups.backup(_url(engine), root, now=now - timedelta(**ago))[0]

    expired = at(days=40)
    day_early, day_late = at(days=10, hours=2), at(days=10)  # the same UTC day
    recent = [at(hours=2), at(hours=1, minutes=50), at(minutes=10)]
    newest = at(seconds=0)
    removed = backups.prune(root, keep_days=30, now=now, keep_all_hours=24)
    assert removed == [expired, day_early]
    assert [p for p, _ in backups.list_backups(root)] == [day_late, *recent, newest]
    # The newest survives any retention.
    later = now + timedelta(days=400)
    backups.prune(root, keep_days=0.001, now=later, keep_all_hours=0)
    assert [p for p, _ in backups.list_backups(root)] == [newest]


def test_the_cli_backs_up_and_restores(
    db: Session, world: World, engine: Engine, tmp_path: Path, empty_url: str,
    monkeypatch: pytest.MonkeyPatch, settings: Settings,
) -> None:  # fmt: skip
    from linewise.cli.main import main
    from linewise.config import get_settings

    monkeypatch.setenv("LINEWISE_DATABASE_URL", _url(engine))
    monkeypatch.setenv("LINEWISE_BACKUP_DIR", str(tmp_path / "cli"))
    monkeypatch.setenv("LINEWISE_AUDIT_CHECKPOINT", "")
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        done = runner.invoke(main, ["backup"])
        assert done.exit_code == 0, done.output
        assert "backup written to" in done.output
        ((path, _m),) = backups.list_backups(tmp_path / "cli")
        done = runner.invoke(main, ["restore", str(path), "--database-url", empty_url])
        assert done.exit_code == 0, done.output
        assert "audit chain intact" in done.output
        again = runner.invoke(main, ["restore", str(path), "--database-url", empty_url])
        assert again.exit_code == 1 and "empty database" in again.output
    finally:
        get_settings.cache_clear()


def test_the_server_backs_up_as_a_periodic_job(
    db: Session, world: World, engine: Engine, tmp_path: Path, settings: Settings
) -> None:
    from linewise.core.db import make_session_factory, session_scope
    from linewise.jobs import enqueue
    from linewise.server.jobs import BACKUP_KIND, job_registry, make_worker

    cfg = settings.model_copy(update={"backup_dir": tmp_path / "nightly"})
    factory = make_session_factory(engine)
    registry = job_registry(cfg, factory)
    assert registry.periodic["backup"].kind == BACKUP_KIND
    with session_scope(factory) as s:
        enqueue(s, BACKUP_KIND)
    worker = make_worker(cfg, factory, concurrency=1)
    while worker.run_once():
        pass
    ((_path, manifest),) = backups.list_backups(tmp_path / "nightly")
    assert manifest.row_counts["users"] == len(world.user_ids)
    # Without a directory there is no such job.
    off = settings.model_copy(update={"backup_dir": None})
    assert BACKUP_KIND not in job_registry(off, factory).kinds
