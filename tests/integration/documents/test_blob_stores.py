"""The document stores, on disk and in a real S3-compatible server (s3rver, run by node):
a blob goes in whole, is listed, read back in chunks with its size known first, and
deleted; an upload that fails mid-way, or a stream that ends early, leaves nothing; the
S3 store reports refused credentials as unavailable, never as a missing file."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

import pytest

from linewise.config import Settings
from linewise.domains.documents.storage import (
    CHUNK,
    BlobMissing,
    DiskStore,
    S3Store,
    StoreUnavailable,
    from_settings,
    new_key,
)
from tests.s3.server import ACCESS_KEY, BUCKET, REGION, SECRET_KEY, S3Server

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 1000  # 256 kB: several chunks


@pytest.fixture(params=["disk", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> DiskStore | S3Store:
    if request.param == "disk":
        return DiskStore(tmp_path / "documents")
    server: S3Server = request.getfixturevalue("s3")
    # Each test its own prefix in the one bucket: what it lists is its own.
    prefix = f"t-{uuid.uuid4().hex}/"
    return S3Store(server.url, BUCKET, ACCESS_KEY, SECRET_KEY, REGION, prefix)


class Breaks(io.RawIOBase):
    """A stream that fails after ``after`` bytes, as a dropped upload would."""

    def __init__(self, data: bytes, after: int) -> None:
        self.data, self.after, self.pos = data, after, 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        if self.pos >= self.after:
            raise OSError("connection reset by the client")
        n = min(len(b), self.after - self.pos)
        b[:n] = self.data[self.pos : self.pos + n]
        self.pos += n
        return n


def test_put_list_read_streamed_delete(store: DiskStore | S3Store) -> None:
    a, b = new_key(), new_key()
    store.put(a, io.BytesIO(PDF), len(PDF), "application/pdf")
    store.put(b, io.BytesIO(b"GIF89a tiny"), 11, "image/gif")
    assert store.keys() == sorted([a, b])
    blob = store.open(a)
    assert blob.size == len(PDF)  # known before the first byte
    chunks = list(blob)
    assert len(chunks) > 1 and all(len(c) <= CHUNK for c in chunks)
    assert b"".join(chunks) == PDF
    assert store.open(b).read() == b"GIF89a tiny"
    store.delete(b)
    store.delete(b)  # again: no error (the deletion job may run twice)
    assert store.keys() == [a]
    with pytest.raises(BlobMissing):
        store.open(b)


def test_a_large_file_goes_in_one_piece(store: DiskStore | S3Store) -> None:
    # Over the S3 client's 5 MiB part size: still one PUT, read back whole.
    data = PDF * 25
    key = new_key()
    store.put(key, io.BytesIO(data), len(data), "application/pdf")
    blob = store.open(key)
    assert blob.size == len(data) and blob.read() == data


@pytest.mark.parametrize("size", [200_000, 7 * 1024 * 1024], ids=["small", "over-5MiB"])
def test_an_upload_failing_midway_leaves_nothing(store: DiskStore | S3Store, size: int) -> None:
    data = (PDF * (size // len(PDF) + 1))[:size]
    key = new_key()
    with pytest.raises(OSError, match="connection reset"):
        store.put(key, io.BufferedReader(Breaks(data, size // 2)), size, "application/pdf")
    assert store.keys() == []
    with pytest.raises(BlobMissing):
        store.open(key)
    if isinstance(store, DiskStore):  # not even the file written beside
        assert [p for p in store.root.rglob("*") if p.is_file()] == []


def test_a_stream_shorter_than_announced_leaves_nothing(store: DiskStore | S3Store) -> None:
    key = new_key()
    with pytest.raises(OSError, match="ended 100 bytes early"):
        store.put(key, io.BytesIO(PDF[:-100]), len(PDF), "application/pdf")
    assert store.keys() == []


def test_keys_not_made_by_the_server_are_refused(store: DiskStore | S3Store) -> None:
    for bad in ["../../etc/passwd", "A" * 32, "x", new_key() + "/"]:
        with pytest.raises(ValueError, match="not a blob key"):
            store.put(bad, io.BytesIO(b"%PDF-"), 5, "application/pdf")
        with pytest.raises(ValueError, match="not a blob key"):
            store.open(bad)


def test_s3_with_wrong_credentials_is_unavailable(s3: S3Server) -> None:
    # s3rver knows its one access key (it does not recompute SigV4 signatures, so a
    # wrong secret would pass there; a real store refuses it the same way).
    store = S3Store(s3.url, BUCKET, "NOT-A-KEY", SECRET_KEY, REGION)
    with pytest.raises(StoreUnavailable, match="InvalidAccessKeyId"):
        store.put(new_key(), io.BytesIO(b"%PDF-"), 5, "application/pdf")
    with pytest.raises(StoreUnavailable, match="InvalidAccessKeyId"):
        store.open(new_key())
    with pytest.raises(StoreUnavailable, match="InvalidAccessKeyId"):
        store.delete(new_key())


def test_settings_choose_the_store(s3: S3Server, tmp_path: Path) -> None:
    disk = from_settings(Settings(documents_dir=str(tmp_path / "d")))
    assert isinstance(disk, DiskStore) and disk.root == (tmp_path / "d").resolve()
    chosen = from_settings(Settings(**s3.settings_update(prefix="linewise/")))  # type: ignore[arg-type]
    assert isinstance(chosen, S3Store) and chosen.prefix == "linewise/"
    with pytest.raises(ValueError, match="takes no path"):
        S3Store(f"{s3.url}/{BUCKET}", BUCKET, ACCESS_KEY, SECRET_KEY)
    with pytest.raises(ValueError, match="BUCKET is required"):
        S3Store(s3.url, "", ACCESS_KEY, SECRET_KEY)
