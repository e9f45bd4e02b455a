"""What a file is, from its first bytes (the name and the declared type are the
client's word; the browser is later told the type found here)."""

from __future__ import annotations

# (magic at offset 0, the type); WebP is RIFF....WEBP, checked apart.
SIGNATURES: list[tuple[bytes, str]] = [
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
]
ALLOWED = ("application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp")


def sniff(head: bytes) -> str | None:
    """The type of a PDF or image from its first bytes, else None."""
    for magic, media in SIGNATURES:
        if head.startswith(magic):
            return media
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None
