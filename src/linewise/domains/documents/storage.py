"""Where attached files' bytes live: a small blob-store interface, on disk or in an
S3-compatible object store (chosen by settings: ``from_settings``).

Keys are made by the server (``new_key``: 32 hex digits), never taken from a request, and
both stores refuse any other shape, so no name a client sends can reach the file system
or the bucket. A blob is written whole or not at all: the disk store writes beside and
renames, the S3 store sends one PUT, so a reader never sees half a file. Reading
streams: ``open`` checks the blob is there and gives its size before a byte is sent,
then its chunks.
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, BinaryIO, Protocol, cast
from urllib.parse import urlsplit

from minio import Minio
from minio.error import MinioException, S3Error
from minio.helpers import MAX_PART_SIZE, MIN_PART_SIZE
from urllib3.exceptions import HTTPError

if TYPE_CHECKING:
    from linewise.config import Settings

KEY = re.compile(r"^[0-9a-f]{32}$")
CHUNK = 64 * 1024


def new_key() -> str:
    return secrets.token_hex(16)


def _checked(key: str) -> str:
    if not KEY.match(key):
        raise ValueError(f"not a blob key: {key!r}")
    return key


class BlobMissing(LookupError):
    """The store has no blob under that key."""


class StoreUnavailable(RuntimeError):
    """The store could not be reached or refused the request."""


@dataclass
class Blob:
    """An opened blob: its size, known before the first byte, and its bytes in chunks.
    ``close`` frees the file or connection; iterating to the end closes it too."""

    size: int
    _chunks: Iterator[bytes]
    _close: Callable[[], None] | None

    def __iter__(self) -> Iterator[bytes]:
        try:
            yield from self._chunks
        finally:
            self.close()

    def close(self) -> None:
        close, self._close = self._close, None
        if close is not None:
            close()

    def read(self) -> bytes:
        return b"".join(self)


class BlobStore(Protocol):
    def put(self, key: str, data: IO[bytes], size: int, content_type: str) -> None: ...

    def open(self, key: str) -> Blob: ...

    def delete(self, key: str) -> None: ...


def _read_exactly(data: IO[bytes], size: int) -> Iterator[bytes]:
    """``size`` bytes of ``data`` in chunks; a shorter stream is an error (never a
    shorter blob)."""
    left = size
    while left:
        chunk = data.read(min(CHUNK, left))
        if not chunk:
            raise OSError(f"the upload ended {left} bytes early")
        left -= len(chunk)
        yield chunk


class DiskStore:
    """Files under ``root``, spread over 256 folders by the key's first two digits."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()

    def _path(self, key: str) -> Path:
        path = (self.root / key[:2] / _checked(key)).resolve()
        if path.parent.parent != self.root:  # belt and braces: the regex already ensures it
            raise ValueError(f"blob key {key!r} leaves the store")
        return path

    def put(self, key: str, data: IO[bytes], size: int, content_type: str) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written beside and renamed: a reader never sees half a file.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in _read_exactly(data, size):
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def open(self, key: str) -> Blob:
        try:
            f = self._path(key).open("rb")
        except FileNotFoundError as e:
            raise BlobMissing(key) from e
        size = os.fstat(f.fileno()).st_size
        return Blob(size, iter(lambda: f.read(CHUNK), b""), f.close)

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def keys(self) -> list[str]:
        """Every stored key (for checks and tests)."""
        return sorted(p.name for p in self.root.glob("*/*") if KEY.match(p.name))


class S3Store:
    """Objects named ``prefix + key`` in a bucket of an S3-compatible store (AWS S3,
    MinIO, Ceph, Garage...), through the MinIO client. The bucket must exist."""

    def __init__(
        self, url: str, bucket: str, access_key: str, secret_key: str, region: str = "",
        prefix: str = "",
    ) -> None:  # fmt: skip
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"LINEWISE_DOCUMENTS_S3_URL must be http(s)://host[:port]: {url!r}")
        if parts.path.strip("/") or parts.query:
            raise ValueError(
                "LINEWISE_DOCUMENTS_S3_URL takes no path: the bucket is "
                f"LINEWISE_DOCUMENTS_S3_BUCKET ({url!r})"
            )
        if not bucket:
            raise ValueError("LINEWISE_DOCUMENTS_S3_BUCKET is required with an S3 URL")
        self.bucket = bucket
        self.prefix = prefix
        self.client = Minio(
            parts.netloc,
            access_key=access_key or None,
            secret_key=secret_key or None,
            region=region or None,
            secure=parts.scheme == "https",
        )

    def _name(self, key: str) -> str:
        return self.prefix + _checked(key)

    def put(self, key: str, data: IO[bytes], size: int, content_type: str) -> None:
        name = self._name(key)
        # One PUT (up to 5 GiB; an attachment is far smaller): S3 makes the object visible
        # only once all of it has arrived, so an upload cut short leaves nothing, not even
        # the parts a multipart upload would leave where aborting it fails. The client
        # reads the part into memory before sending (like the upload's own buffer).
        part_size = size if MIN_PART_SIZE <= size <= MAX_PART_SIZE else 0
        try:
            self.client.put_object(
                self.bucket,
                name,
                cast(BinaryIO, _Exact(data, size)),
                size,
                content_type=content_type,
                part_size=part_size,
            )
        except _failures() as e:
            raise StoreUnavailable(f"S3 store: {e}") from e

    def open(self, key: str) -> Blob:
        try:
            response = self.client.get_object(self.bucket, self._name(key))
        except S3Error as e:
            if e.code in ("NoSuchKey", "NotFound"):
                raise BlobMissing(key) from e
            raise StoreUnavailable(f"S3 store: {e}") from e
        except _failures() as e:
            raise StoreUnavailable(f"S3 store: {e}") from e

        def close() -> None:
            response.close()
            response.release_conn()

        size = int(response.headers.get("Content-Length", "-1"))
        return Blob(size, response.stream(CHUNK), close)

    def delete(self, key: str) -> None:  # deleting a missing object is no error in S3
        try:
            self.client.remove_object(self.bucket, self._name(key))
        except _failures() as e:
            raise StoreUnavailable(f"S3 store: {e}") from e

    def keys(self) -> list[str]:
        """Every stored key (for checks and tests)."""
        found = self.client.list_objects(self.bucket, prefix=self.prefix, recursive=True)
        names = (o.object_name or "" for o in found)
        return sorted(n[len(self.prefix) :] for n in names if KEY.match(n[len(self.prefix) :]))


def _failures() -> tuple[type[Exception], ...]:
    # What the S3 client raises when the store cannot be reached or refuses: the client's
    # own errors and the HTTP library's (connection refused, timeouts after its retries).
    return (MinioException, HTTPError)


class _Exact:  # the client only calls read()
    """A stream that gives exactly ``size`` bytes of another, or raises: an upload cut
    short never becomes a shorter object."""

    def __init__(self, data: IO[bytes], size: int) -> None:
        self.data, self.left = data, size

    def read(self, n: int = -1) -> bytes:
        want = self.left if n < 0 else min(n, self.left)
        out = bytearray()
        while len(out) < want:
            chunk = self.data.read(want - len(out))
            if not chunk:
                raise OSError(f"the upload ended {self.left - len(out)} bytes early")
            out += chunk
        self.left -= len(out)
        return bytes(out)


def from_settings(settings: Settings) -> DiskStore | S3Store:
    """The S3 store when LINEWISE_DOCUMENTS_S3_URL is set, else the disk store."""
    if settings.documents_s3_url:
        return S3Store(
            settings.documents_s3_url,
            settings.documents_s3_bucket,
            settings.documents_s3_access_key,
            settings.documents_s3_secret_key,
            settings.documents_s3_region,
            settings.documents_s3_prefix,
        )
    return DiskStore(settings.documents_dir)
