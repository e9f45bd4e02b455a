"""Routes of work instructions: attach to a routing step, list, read, remove."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, File, Request, Response, UploadFile
from sqlalchemy.orm import Session

from linewise.api.body_limit import limited_body_route
from linewise.api.crud import get_or_404
from linewise.api.deps import Principal, get_db, require
from linewise.config import Settings
from linewise.domains.documents import service
from linewise.domains.documents.models import StepDocument
from linewise.domains.documents.responses import inline_file
from linewise.domains.documents.schemas import DocumentOut
from linewise.domains.documents.storage import BlobStore, from_settings
from linewise.domains.production.models import RoutingStep

MULTIPART_OVERHEAD = 64 * 1024
WRITE = "documents:write"
READ = "masterdata:read"

# A body over LINEWISE_DOCUMENTS_MAX_BYTES is refused while it arrives, not after.
router = APIRouter(
    tags=["documents"],
    route_class=limited_body_route(
        lambda s: s.documents_max_bytes, service.too_large, slack=MULTIPART_OVERHEAD
    ),
)


def store_of(request: Request) -> BlobStore:
    """The app's document store (on disk or S3, by settings), made once per app."""
    state = request.app.state
    store: BlobStore | None = getattr(state, "document_store", None)
    if store is None:
        settings: Settings = state.settings
        store = state.document_store = from_settings(settings)
    return store


@router.post("/routing-steps/{step_id}/documents", response_model=DocumentOut, status_code=201)
def attach(
    request: Request,
    step_id: int,
    file: UploadFile = File(..., description="a PDF or an image (PNG, JPEG, GIF, WebP)"),
    p: Principal = Depends(require(WRITE)),
    db: Session = Depends(get_db),
) -> Any:
    """Attach a work instruction to a routing step. Refused by field: over
    LINEWISE_DOCUMENTS_MAX_BYTES (413), not a PDF or image by its bytes (415), a name
    with a path (422)."""
    limit: int = request.app.state.settings.documents_max_bytes
    row = service.attach(db, store_of(request), step_id, file.filename, file.file, limit, p.name)
    db.flush()
    return service.as_dict(row)


@router.get("/routing-steps/{step_id}/documents", response_model=list[DocumentOut])
def list_documents(
    step_id: int, _p: Principal = Depends(require(READ)), db: Session = Depends(get_db)
) -> Any:
    get_or_404(db, RoutingStep, step_id)
    return [service.as_dict(d) for d in service.of_steps(db, [step_id]).get(step_id, [])]


@router.get(
    "/documents/{doc_id}/content",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}, "image/*": {}}}},
)
def content(
    request: Request,
    doc_id: int,
    _p: Principal = Depends(require(READ)),
    db: Session = Depends(get_db),
) -> Response:
    """The file, as the type its bytes showed at upload, shown inline, streamed from the
    store (404 when its file is missing, 503 when the store cannot be reached)."""
    row = get_or_404(db, StepDocument, doc_id)
    blob = service.open_blob(store_of(request), row)
    return inline_file(blob, row.filename, row.content_type)


@router.delete("/documents/{doc_id}", status_code=204)
def remove(
    doc_id: int, _p: Principal = Depends(require(WRITE)), db: Session = Depends(get_db)
) -> Response:
    service.remove(db, get_or_404(db, StepDocument, doc_id))
    return Response(status_code=204)
