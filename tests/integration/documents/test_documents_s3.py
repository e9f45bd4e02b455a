"""Work instructions kept in an S3-compatible store (a real s3rver), on SQLite and
PostgreSQL: attached, listed, streamed to an operator with their type and size, removed
by the deletion job; refused uploads put nothing in the bucket; a store that refuses the
server's key is a 503 with no row; a file gone from the bucket is a 404, not a 500, and
one whose size changed there is refused rather than served."""

from __future__ import annotations

import io
import uuid

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from linewise.config import Settings
from linewise.core.db import make_session_factory
from linewise.domains.documents.models import StepDocument
from linewise.domains.documents.storage import S3Store, from_settings
from linewise.server.jobs import make_worker
from tests.conftest import World
from tests.integration.documents.test_documents_api import API, PDF, PNG, _ok, _step
from tests.s3.server import S3Server

LIMIT = 300_000
BIG_PDF = (PDF + bytes(range(256)) * 1000)[:250_000]  # several chunks on the way out


@pytest.fixture
def settings(settings: Settings, s3: S3Server) -> Settings:
    update = s3.settings_update(prefix=f"t-{uuid.uuid4().hex}/")
    return settings.model_copy(update={**update, "documents_max_bytes": LIMIT})


def _bucket(settings: Settings) -> S3Store:
    store = from_settings(settings)
    assert isinstance(store, S3Store)
    return store


def test_instructions_in_s3_are_attached_streamed_and_removed(
    db: Session, world: World, as_role: dict[str, TestClient], settings: Settings
) -> None:
    planner, operator = as_role["planner"], as_role["operator"]
    url = f"{API}/routing-steps/{_step(db, world)}/documents"
    doc = _ok(planner.post(url, files={"file": ("setup.pdf", BIG_PDF, "text/plain")}), 201)
    img = _ok(planner.post(url, files={"file": ("feeder.png", PNG, "image/png")}), 201)
    assert (doc["content_type"], doc["size"]) == ("application/pdf", len(BIG_PDF))
    assert [d["filename"] for d in _ok(operator.get(url))] == ["setup.pdf", "feeder.png"]
    bucket = _bucket(settings)
    db.rollback()
    keys = db.scalars(select(StepDocument.storage_key).order_by(StepDocument.id)).all()
    assert len(keys) == 2 and bucket.keys() == sorted(keys)
    db.rollback()

    r = operator.get(doc["url"])
    assert r.status_code == 200 and r.content == BIG_PDF
    assert r.headers["content-type"] == "application/pdf"
    assert r.headers["content-length"] == str(len(BIG_PDF))
    assert r.headers["x-content-type-options"] == "nosniff"
    assert operator.get(img["url"]).content == PNG

    assert planner.delete(f"{API}/documents/{img['id']}").status_code == 204
    worker = make_worker(settings, make_session_factory(db.get_bind()), concurrency=1)  # type: ignore[arg-type]
    while worker.run_once():
        pass
    assert bucket.keys() == [keys[0]]


@pytest.mark.parametrize(
    ("name", "data", "status"),
    [
        ("big.pdf", PDF + b"0" * LIMIT, 413),
        ("page.html", b"<html><script>alert(1)</script></html>", 415),
        ("../../evil.pdf", PDF, 422),
    ],
)
def test_refused_uploads_put_nothing_in_the_bucket(
    db: Session,
    world: World,
    as_role: dict[str, TestClient],
    settings: Settings,
    name: str,
    data: bytes,
    status: int,
) -> None:
    url = f"{API}/routing-steps/{_step(db, world)}/documents"
    r = as_role["planner"].post(url, files={"file": (name, data, "application/pdf")})
    assert r.status_code == status, r.text
    assert _bucket(settings).keys() == []
    db.rollback()
    assert db.scalar(select(func.count()).select_from(StepDocument)) == 0


def test_a_store_that_refuses_is_503_and_no_row(
    app: FastAPI, db: Session, world: World, as_role: dict[str, TestClient], settings: Settings
) -> None:
    refusing = settings.model_copy(update={"documents_s3_access_key": "NOT-A-KEY"})
    app.state.document_store = from_settings(refusing)  # the app's store, made once
    url = f"{API}/routing-steps/{_step(db, world)}/documents"
    r = as_role["planner"].post(url, files={"file": ("a.pdf", PDF, "application/pdf")})
    assert r.status_code == 503, r.text
    assert "InvalidAccessKeyId" in r.json()["detail"] and r.headers["retry-after"] == "30"
    db.rollback()
    assert db.scalar(select(func.count()).select_from(StepDocument)) == 0
    assert _bucket(settings).keys() == []


def test_a_file_gone_from_the_bucket_is_404(
    db: Session, world: World, as_role: dict[str, TestClient], settings: Settings
) -> None:
    url = f"{API}/routing-steps/{_step(db, world)}/documents"
    doc = _ok(as_role["planner"].post(url, files={"file": ("a.pdf", PDF, "application/pdf")}), 201)
    [key] = _bucket(settings).keys()
    _bucket(settings).delete(key)
    r = as_role["operator"].get(doc["url"])
    assert r.status_code == 404 and "missing from the store" in r.json()["detail"]


def test_a_file_changed_in_the_bucket_is_refused_not_served(
    db: Session, world: World, as_role: dict[str, TestClient], settings: Settings
) -> None:
    url = f"{API}/routing-steps/{_step(db, world)}/documents"
    doc = _ok(as_role["planner"].post(url, files={"file": ("a.pdf", PDF, "application/pdf")}), 201)
    bucket = _bucket(settings)
    [key] = bucket.keys()
    other = b"%PDF-1.4 something else, longer than it was"
    bucket.put(key, io.BytesIO(other), len(other), "application/pdf")
    r = as_role["operator"].get(doc["url"])
    assert r.status_code == 500 and r.json()["type"].endswith("/damaged-file")
    assert f"{len(PDF)} were uploaded" in r.json()["detail"]
