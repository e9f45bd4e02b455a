"""The audit chain's head, kept apart from the table: what makes truncation detectable.

A hash chain shows that a record was edited or removed from its middle, but whoever can
write the table can also delete its last records, or edit one and compute every hash
after it again, and the chain still holds. The checkpoint remembers the head (the last
record's number and hash, and the hash of record 1, which names the chain) in a file the
database's users cannot write; ``verify`` then also demands that the table still reaches
that head, unchanged.

The server moves the checkpoint forward after every commit that appended records. It only
ever moves forward on the same chain: a checkpoint of another chain (a rewritten log, or
another database) is left alone and reported, and only ``linewise audit checkpoint
--reset`` replaces it. A lagging checkpoint (a crash between commit and write) is never a
false alarm: records after it are checked by the chain alone.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from linewise.core.time import utcnow

log = logging.getLogger("linewise.audit")
_lock = threading.Lock()  # threads of one process; a file lock orders processes


@dataclass(frozen=True)
class Checkpoint:
    genesis: str  # hash of record 1: which chain this is
    seq: int  # the head's record number ...
    hash: str  # ... and its hash
    written_at: str = ""


class CheckpointUnreadable(Exception):
    """The file exists but is not a checkpoint (damaged, or not ours)."""


def load(path: Path) -> Checkpoint | None:
    """The checkpoint at ``path``; None when there is none."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Checkpoint(
            genesis=str(data["genesis"]),
            seq=int(data["seq"]),
            hash=str(data["hash"]),
            written_at=str(data.get("written_at", "")),
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CheckpointUnreadable(f"{path}: {exc}") from exc


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with _lock, open(path.with_name(path.name + ".lock"), "a") as handle:
        try:
            import fcntl
        except ImportError:  # not POSIX: the thread lock is all there is
            yield
            return
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write(path: Path, checkpoint: Checkpoint) -> None:
    # Write aside and rename: a reader never sees half a file, a crash leaves the old one.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(asdict(checkpoint), out, indent=2)
            out.write("\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def advance(path: Path, genesis: str, seq: int, head: str, *, reset: bool = False) -> bool:
    """Move the checkpoint at ``path`` to record ``seq`` (True if written).

    Without ``reset`` it only moves forward on the same chain; ``reset`` replaces
    whatever is there (after an operator has verified the log and decided to trust it).
    """
    checkpoint = Checkpoint(genesis, seq, head, utcnow().isoformat())
    with _locked(path):
        if not reset:
            try:
                current = load(path)
            except CheckpointUnreadable as exc:
                log.error("audit checkpoint not moved: %s", exc)
                return False
            if current is not None and current.genesis != genesis:
                log.error(
                    "audit checkpoint %s belongs to another audit chain; not moved. Run "
                    "`linewise audit verify`, then `linewise audit checkpoint --reset` "
                    "if this log is to be trusted",
                    path,
                )
                return False
            if current is not None and current.seq >= seq:
                return False
        _write(path, checkpoint)
        return True
