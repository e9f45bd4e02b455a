"""Where attached files' bytes live: a small blob-store interface and its disk version.

Keys are made by the server (``new_key``: 32 hex digits), never taken from a request, and
the disk store refuses any other shape, so no name a client sends can reach the file
system. An S3-compatible store would implement the same three methods (put, get, delete)
with the key as the object name; it is not written yet (docs/terminal.md).
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
from pathlib import Path
from typing import Protocol

KEY = re.compile(r"^[0-9a-f]{32}$")


def new_key() -> str:
    return secrets.token_hex(16)


class BlobStore(Protocol):
    def put(self, key: str, data: bytes) -> None: ...

    def get(self, key: str) -> bytes: ...

    def delete(self, key: str) -> None: ...


class DiskStore:
    """Files under ``root``, spread over 256 folders by the key's first two digits."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()

    def _path(self, key: str) -> Path:
        if not KEY.match(key):
            raise ValueError(f"not a blob key: {key!r}")
        path = (self.root / key[:2] / key).resolve()
        if path.parent.parent != self.root:  # belt and braces: the regex already ensures it
            raise ValueError(f"blob key {key!r} leaves the store")
        return path

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written beside and renamed: a reader never sees half a file.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)
