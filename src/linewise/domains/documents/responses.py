"""A stored file as an HTTP answer: shown inline, streamed from its store, closed after.

Work instructions and maintenance order files answer the same way; one place keeps the
headers (no sniffing, a short private cache, the name in RFC 5987 form) the same.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol
from urllib.parse import quote

from fastapi.responses import StreamingResponse
from starlette.background import BackgroundTask


class Blob(Protocol):
    size: int

    def __iter__(self) -> Iterator[bytes]: ...

    def close(self) -> None: ...


def inline_file(blob: Blob, filename: str, content_type: str) -> StreamingResponse:
    """The blob streamed as ``filename``; it is closed when its last chunk is sent, or
    after the response if it was not."""
    headers = {
        "Content-Length": str(blob.size),
        "Content-Disposition": f"inline; filename*=UTF-8''{quote(filename)}",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, max-age=300",
    }
    return StreamingResponse(
        iter(blob), media_type=content_type, headers=headers, background=BackgroundTask(blob.close)
    )
