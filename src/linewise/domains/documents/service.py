"""Attach a file to a routing step, list, read and remove it.

Hostile uploads are refused by field before anything is written: too large (413), not a
PDF or image by its bytes (415), a name with a path in it (422). The blob is written
before its row; if the transaction then fails, an unreferenced blob stays behind (never
a row without its file). Removing a row enqueues the blob's deletion in the same
transaction, so the file goes only if the removal commits.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from linewise.core.errors import FieldError, NotFound, PayloadTooLarge, Problem, ValidationProblem
from linewise.domains.documents.models import StepDocument
from linewise.domains.documents.sniff import ALLOWED, sniff
from linewise.domains.documents.storage import BlobStore, new_key
from linewise.domains.production.models import RoutingStep
from linewise.jobs import enqueue

DELETE_BLOB_KIND = "documents.delete_blob"
MAX_NAME = 200
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\]")


class UnsupportedMediaType(Problem):
    status = 415
    title = "Unsupported media type"
    type_suffix = "unsupported-media-type"


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


def attach(
    db: Session, store: BlobStore, step_id: int, name: str | None, data: bytes, limit: int,
    who: str,
) -> StepDocument:  # fmt: skip
    if db.get(RoutingStep, step_id) is None:
        raise NotFound(f"routing step {step_id} not found")
    filename = clean_name(name)
    if len(data) > limit:
        raise too_large(limit)
    if not data:
        raise ValidationProblem("empty file", errors=[FieldError("file", "the file is empty")])
    media = sniff(data[:16])
    if media not in ALLOWED:
        raise UnsupportedMediaType(
            "only PDF files and images (PNG, JPEG, GIF, WebP) can be attached",
            errors=[FieldError("file", "not a PDF or an image, by its content")],
        )
    key = new_key()
    store.put(key, data)
    row = StepDocument(
        step_id=step_id, filename=filename, content_type=media, size=len(data),
        storage_key=key, uploaded_by=who,
    )  # fmt: skip
    db.add(row)
    return row


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
