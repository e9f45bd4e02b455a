"""Work instructions on SQLite and PostgreSQL: a planner attaches a PDF and an image to a
routing step, the operator's terminal lists them with the stage and reads them; hostile
uploads (too large, not a PDF or image by their bytes, names with a path) are refused by
field with nothing written, on disk or in the database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from linewise.config import Settings
from linewise.core.db import make_session_factory
from linewise.domains.documents.models import StepDocument
from linewise.domains.production.models import RoutingStep
from linewise.jobs.models import Job
from linewise.server.jobs import make_worker
from tests.conftest import World
from tests.integration.terminal.test_terminal_api import _badge, _setup

API = "/api/v1"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
LIMIT = 4096


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    return settings.model_copy(
        update={"documents_dir": str(tmp_path / "docs"), "documents_max_bytes": LIMIT}
    )


def _ok(r: Any, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    return r.json()


def _step(db: Session, world: World, seq: int = 1) -> int:
    return int(
        db.scalar(
            select(RoutingStep.id).where(
                RoutingStep.product_id == world.product_id, RoutingStep.seq == seq
            )
        )
    )


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_a_planner_attaches_and_the_terminal_shows_and_serves(
    app: FastAPI,
    db: Session,
    world: World,
    as_role: dict[str, TestClient],
    settings: Settings,
) -> None:
    planner, operator = as_role["planner"], as_role["operator"]
    step = _step(db, world)
    url = f"{API}/routing-steps/{step}/documents"
    # The declared type is the client's word: the bytes decide.
    doc = _ok(planner.post(url, files={"file": ("Stencil setup.pdf", PDF, "text/plain")}), 201)
    assert (doc["filename"], doc["content_type"], doc["size"]) == (
        "Stencil setup.pdf", "application/pdf", len(PDF))  # fmt: skip
    img = _ok(planner.post(url, files={"file": ("feeder.png", PNG, "image/png")}), 201)
    assert img["content_type"] == "image/png" and img["uploaded_by"] == "planner"
    listed = _ok(operator.get(url))
    assert [d["filename"] for d in listed] == ["Stencil setup.pdf", "feeder.png"]
    # An operator reads but may not attach.
    assert operator.post(url, files={"file": ("x.pdf", PDF, "application/pdf")}).status_code == 403
    stored = _files(Path(settings.documents_dir))
    assert len(stored) == 2 and sorted(p.read_bytes() for p in stored) == sorted([PDF, PNG])

    r = operator.get(doc["url"])
    assert r.status_code == 200 and r.content == PDF
    assert r.headers["content-type"] == "application/pdf"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "Stencil%20setup.pdf" in r.headers["content-disposition"]

    # The terminal lists the stage's instructions beside its materials.
    s = _setup(as_role, world)
    c, _ = _badge(app)
    act = f"{API}/terminal/operations/{s['op_id']}/actions"
    _ok(c.post(act, json={"action": "start"}, headers={"Idempotency-Key": "k-doc-1"}))
    work = _ok(c.get(f"{API}/terminal/work", params={"line_id": world.line_ids["SMT-1"]}))
    [stage] = work["operations"]
    assert [d["filename"] for d in stage["documents"]] == ["Stencil setup.pdf", "feeder.png"]
    assert c.get(stage["documents"][1]["url"]).content == PNG

    # Removing one: the row at once, the file by a job enqueued in the same transaction.
    assert planner.delete(f"{API}/documents/{img['id']}").status_code == 204
    assert [d["id"] for d in _ok(operator.get(url))] == [doc["id"]]
    db.rollback()
    jobs = db.scalars(select(Job.kind).where(Job.kind == "documents.delete_blob")).all()
    assert jobs == ["documents.delete_blob"]
    db.rollback()
    worker = make_worker(settings, make_session_factory(db.get_bind()), concurrency=1)  # type: ignore[arg-type]
    while worker.run_once():
        pass
    assert [p.read_bytes() for p in _files(Path(settings.documents_dir))] == [PDF]


@pytest.mark.parametrize(
    ("name", "data", "status", "message"),
    [
        ("big.pdf", PDF + b"0" * LIMIT, 413, "at most 4096 bytes"),
        ("notes.pdf", b"just text, named like a PDF", 415, "not a PDF or an image"),
        ("page.html", b"<html><script>alert(1)</script></html>", 415, "not a PDF or an image"),
        ("../../etc/evil.pdf", PDF, 422, "without a path"),
        ("..\\..\\evil.pdf", PDF, 422, "without a path"),
        ("/abs/evil.pdf", PDF, 422, "without a path"),
        ("..", PDF, 422, "without a path"),
        ("empty.pdf", b"", 422, "empty"),
    ],
)
def test_hostile_uploads_are_refused_by_field_and_write_nothing(
    db: Session,
    world: World,
    as_role: dict[str, TestClient],
    settings: Settings,
    tmp_path: Path,
    name: str,
    data: bytes,
    status: int,
    message: str,
) -> None:
    url = f"{API}/routing-steps/{_step(db, world)}/documents"
    r = as_role["planner"].post(url, files={"file": (name, data, "application/pdf")})
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    [error] = r.json()["errors"]
    assert error["field"] == "file" and message in error["message"]
    db.rollback()
    assert db.scalar(select(func.count()).select_from(StepDocument)) == 0
    # Nothing on disk: neither in the store nor where a path in the name points.
    assert _files(Path(settings.documents_dir)) == []
    assert not (tmp_path / "etc").exists() and not (tmp_path.parent / "evil.pdf").exists()


def test_unknown_step_is_404(as_role: dict[str, TestClient], world: World) -> None:
    r = as_role["planner"].post(
        f"{API}/routing-steps/999999/documents", files={"file": ("a.pdf", PDF, "application/pdf")}
    )
    assert r.status_code == 404
