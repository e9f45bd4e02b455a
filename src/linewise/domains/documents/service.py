"""Attach a file to a routing step, list, read and remove it.

Hostile uploads are refused by field before anything is written: too large (413), not a
PDF or image by its bytes (415), a name with a path in it (422). The blob is written
whole or not at all (storage.py), before its row; if the transaction then fails, an
unreferenced blob stays behind (never a row without its file). Removing a row enqueues
the blob's deletion in the same transaction, so the file goes only if the removal commits.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from linewise.core.errors import (
    FieldError,
    NotFound,
    PayloadTooLarge,
    Problem,
    ServiceUnavailable,
    ValidationProblem,
)
from linewise.domains.documents.models import StepDocument
from linewise.domains.documents.sniff import ALLOWED, sniff
from linewise.domains.documents.storage import (
    Blob,
    BlobMissing,
    BlobStore,
    StoreUnavailable,
    new_key,
)
from linewise.domains.production.models import RoutingStep
from linewise.jobs import enqueue

DELETE_BLOB_KIND = "documents.delete_blob"
MAX_NAME = 200
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\]")


class UnsupportedMediaType(Problem):
    status = 415
    title = "Unsupported media type"
    type_suffix = "unsupported-media-type"


class DamagedBlob(Problem):
    status = 500
    title = "Stored file damaged"
    type_suffix = "damaged-file"


def clean_name(name: str | None) -> str:
    """The name people see; a name with a path, a control character or dots only is
    refused (it is never used as a path, but such a name has no honest meaning)."""
    text = unicodedata.normalize("NFC", (name or "").strip())
    if not text or _UNSAFE.search(text) or text.strip(".") == "":
        raise ValidationProblem(
            "not a plain file name",
            errors=[FieldError("file", "a file name without a path or control characters")],
        )
    if len(text) > MAX_NAME:
        raise ValidationProblem(
            "file name too long", errors=[FieldError("file", f"at most {MAX_NAME} characters")]
        )
    return text


def too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"the file is larger than {limit} bytes (setting LINEWISE_DOCUMENTS_MAX_BYTES)",
        errors=[FieldError("file", f"at most {limit} bytes")],
        limit=limit,
    )


@dataclass(frozen=True)
class Stored:
    """An upload checked and put in the blob store: what its row records."""

    filename: str
    content_type: str
    size: int
    storage_key: str


def store_upload(store: BlobStore, name: str | None, data: IO[bytes], limit: int) -> Stored:
    """Check an upload (size, a PDF or an image by its bytes, a clean name) and put it in
    the store. ``data``: a seekable stream (the upload's spooled file), stored in chunks.
    Shared by work instructions and maintenance orders' files."""
    filename = clean_name(name)
    data.seek(0, os.SEEK_END)
    size = data.tell()
    data.seek(0)
    if size > limit:
        raise too_large(limit)
    if not size:
        raise ValidationProblem("empty file", errors=[FieldError("file", "the file is empty")])
    media = sniff(data.read(16))
    if media not in ALLOWED:
        raise UnsupportedMediaType(
            "only PDF files and images (PNG, JPEG, GIF, WebP) can be attached",
            errors=[FieldError("file", "not a PDF or an image, by its content")],
        )
    data.seek(0)
    key = new_key()
    try:
        store.put(key, data, size, media)
    except StoreUnavailable as e:
        raise store_unavailable(e) from e
    return Stored(filename, media, size, key)


def attach(
    db: Session, store: BlobStore, step_id: int, name: str | None, data: IO[bytes], limit: int,
    who: str,
) -> StepDocument:  # fmt: skip
    if db.get(RoutingStep, step_id) is None:
        raise NotFound(f"routing step {step_id} not found")
    up = store_upload(store, name, data, limit)
    row = StepDocument(
        step_id=step_id, filename=up.filename, content_type=up.content_type, size=up.size,
        storage_key=up.storage_key, uploaded_by=who,
    )  # fmt: skip
    db.add(row)
    return row


def open_stored(store: BlobStore, key: str, size: int, what: str) -> Blob:
    """A stored file's bytes, opened: a missing file or one whose size is not the size
    recorded at upload is refused before anything is sent."""
    try:
        blob = store.open(key)
    except BlobMissing as e:
        raise NotFound(f"the file of {what} is missing from the store") from e
    except StoreUnavailable as e:
        raise store_unavailable(e) from e
    if blob.size != size:
        blob.close()
        raise DamagedBlob(f"the stored file of {what} has {blob.size} bytes, {size} were uploaded")
    return blob


def open_blob(store: BlobStore, row: StepDocument) -> Blob:
    return open_stored(store, row.storage_key, row.size, f"document {row.id}")


def store_unavailable(e: StoreUnavailable) -> ServiceUnavailable:
    return ServiceUnavailable(
        f"the document store is unavailable ({e})", headers={"Retry-After": "30"}
    )


def of_steps(db: Session, step_ids: list[int]) -> dict[int, list[StepDocument]]:
    out: dict[int, list[StepDocument]] = {}
    if not step_ids:
        return out
    rows = db.scalars(
        select(StepDocument)
        .where(StepDocument.step_id.in_(step_ids))
        .order_by(StepDocument.step_id, StepDocument.id)
    )
    for row in rows:
        out.setdefault(row.step_id, []).append(row)
    return out


def remove(db: Session, row: StepDocument) -> None:
    key = row.storage_key
    enqueue(db, DELETE_BLOB_KIND, {"key": key}, idempotency_key=f"blob:{key}")
    db.delete(row)


def as_dict(row: StepDocument) -> dict[str, Any]:
    return {
        "id": row.id,
        "step_id": row.step_id,
        "filename": row.filename,
        "content_type": row.content_type,
        "size": row.size,
        "uploaded_at": row.uploaded_at,
        "uploaded_by": row.uploaded_by,
        "url": f"/api/v1/documents/{row.id}/content",
    }
