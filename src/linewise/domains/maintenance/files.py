"""Files and photos on maintenance orders: a PDF or an image per upload, checked and
stored by the same rules and in the same blob store as work instructions
(``domains/documents``); the order keeps the list."""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from linewise.core.errors import Conflict
from linewise.domains.documents import service as documents
from linewise.domains.documents.storage import Blob, BlobStore
from linewise.domains.maintenance.models import (
    MaintenanceDocument,
    MaintenanceOrder,
    MaintenanceStatus,
)


def attach(
    db: Session,
    store: BlobStore,
    order: MaintenanceOrder,
    name: str | None,
    data: IO[bytes],
    limit: int,
    who: str,
) -> MaintenanceDocument:
    if order.status == MaintenanceStatus.CANCELLED.value:
        raise Conflict("no files on a cancelled order")
    up = documents.store_upload(store, name, data, limit)
    row = MaintenanceDocument(
        order_id=order.id,
        filename=up.filename,
        content_type=up.content_type,
        size=up.size,
        storage_key=up.storage_key,
        uploaded_by=who,
    )
    db.add(row)
    return row


def of_order(db: Session, order_id: int) -> Sequence[MaintenanceDocument]:
    return db.scalars(
        select(MaintenanceDocument)
        .where(MaintenanceDocument.order_id == order_id)
        .order_by(MaintenanceDocument.id)
    ).all()


def open_file(store: BlobStore, row: MaintenanceDocument) -> Blob:
    return documents.open_stored(store, row.storage_key, row.size, f"file {row.id}")


def as_dict(row: MaintenanceDocument) -> dict[str, Any]:
    return {
        "id": row.id,
        "order_id": row.order_id,
        "filename": row.filename,
        "content_type": row.content_type,
        "size": row.size,
        "uploaded_at": row.uploaded_at,
        "uploaded_by": row.uploaded_by,
        "url": f"/api/v1/maintenance/files/{row.id}/content",
    }
