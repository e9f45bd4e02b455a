"""The streaming anomaly detector in the live ingest path: an ingest projection
(registered in ``server/projections.py``) that feeds every newly stored telemetry sample
to its machine's detector and stores the alarms as early warnings.

State: one row per machine (``maintenance_detector_state``) holding the detector as plain
data, read and written in the recorder's transaction. Kept in the database rather than
in memory because (1) a restart then needs no replay of recent telemetry, (2) a batch
the recorder rolls back and retries (a deadlock) rolls the detector back with it, so
no sample is counted twice and no alarm is lost, and (3) on PostgreSQL several
processes may ingest for the same machine (HTTP and MQTT); the machine's advisory lock
makes them take turns on one state instead of each keeping half a stream.

Cache: the state is still written in every batch (so nothing is lost on a crash or a
roll-back), but rebuilding the detector from it cost about as much as running it. Each
written state gets a random tag (``etag``); the process keeps the detector it wrote
under that tag and, while the stored tag is still that one, goes on from it without
reading the state. Any other tag (another process wrote since, the batch was rolled
back, a trained baseline replaced the state with NULL) makes it rebuild from the
stored state, as before.

Baselines: the ``maintenance.train`` job (``training.py``) replaces a machine's state
with its trained baseline; the detector then goes on from it, and warnings carry its
version.

Episodes: an alarm joins the machine's latest unresolved warning when it comes within
``EPISODE_GAP`` of that warning's last alarm (its score, signals and count grow);
otherwise it opens a new warning. Resolving a warning closes its episode.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from linewise.analytics.anomaly import (
    ART,
    MachineDetector,
    as_kind,
    machine_detector,
    machine_from_state,
    machine_state,
)
from linewise.core.time import utcnow
from linewise.domains.maintenance.models import AnomalyWarning, DetectorState, WarningStatus
from linewise.ingest.projections import StoredBatch, StoredSample, lock_machines

# Alarms closer than this to the last one of an unresolved warning belong to it.
EPISODE_GAP = timedelta(hours=12)


def numeric(signals: Mapping[str, Any]) -> dict[str, float]:
    return {
        str(k): float(v)
        for k, v in signals.items()
        if isinstance(v, int | float) and not isinstance(v, bool)
    }


class AnomalyWatch:
    """``kind``: the site's ``LINEWISE_ANOMALY_DETECTOR`` (``art`` or ``novelty``)."""

    name = "maintenance-anomaly"

    def __init__(self, kind: str = ART) -> None:
        machine_detector(kind)  # an unknown kind fails here, at start-up
        self.kind = kind

    def apply(self, conn: Connection, batch: StoredBatch) -> None:
        if not batch.samples:
            return
        by_machine: dict[int, list[StoredSample]] = {}
        for s in batch.samples:
            by_machine.setdefault(s.machine_id, []).append(s)
        lock_machines(conn, by_machine)
        for machine_id, samples in sorted(by_machine.items()):
            feed(conn, machine_id, sorted(samples, key=lambda s: s.ts), kind=self.kind)


# Built once: statements built per batch cost more than running them (as in ingest's
# interval projection).
_HEAD = select(
    DetectorState.etag, DetectorState.samples, DetectorState.model_version, DetectorState.last_ts
).where(DetectorState.machine_id == bindparam("m"))
_STATE = select(DetectorState.state).where(DetectorState.machine_id == bindparam("m"))
_SAVE = (
    update(DetectorState)
    .where(DetectorState.machine_id == bindparam("m"))
    .values(
        state=bindparam("s_state"),
        samples=bindparam("s_samples"),
        last_ts=bindparam("s_last"),
        model_version=bindparam("s_version"),
        updated_at=bindparam("s_at"),
        etag=bindparam("s_etag"),
    )
)
_NEW = insert(DetectorState).values(
    machine_id=bindparam("m"),
    state=bindparam("s_state"),
    samples=bindparam("s_samples"),
    last_ts=bindparam("s_last"),
    model_version=bindparam("s_version"),
    updated_at=bindparam("s_at"),
    etag=bindparam("s_etag"),
)


class DetectorCache:
    """The detectors this process wrote, by (database, machine), each with the tag it
    was stored under. One per process (``CACHE``); tests make more to play several."""

    def __init__(self, size: int = 2000) -> None:
        # at most ``size`` machines (the least recently fed goes): with ART a detector
        # is tens of kB
        self.size = size
        self._held: dict[tuple[str, int], tuple[str, MachineDetector]] = {}
        self._lock = threading.Lock()

    def take(self, conn: Connection, machine_id: int, etag: str | None) -> MachineDetector | None:
        """The detector stored under ``etag``, if this process holds it. Taken out while
        a batch runs it, so two transactions never share one."""
        with self._lock:
            hit = self._held.pop((str(conn.engine.url), machine_id), None)
        return hit[1] if hit is not None and etag is not None and hit[0] == etag else None

    def keep(self, conn: Connection, machine_id: int, etag: str, detector: MachineDetector) -> None:
        with self._lock:
            self._held[(str(conn.engine.url), machine_id)] = (etag, detector)
            while len(self._held) > self.size:
                del self._held[next(iter(self._held))]

    def clear(self) -> None:
        """Forget every detector (the stored states are unaffected)."""
        with self._lock:
            self._held.clear()


CACHE = DetectorCache()


def feed(
    conn: Connection,
    machine_id: int,
    samples: list[StoredSample],
    *,
    kind: str = ART,
    new: Callable[[], MachineDetector] | None = None,
    cache: DetectorCache = CACHE,
) -> None:
    """Run one machine's new samples (in time order) through its stored detector, as
    the detector ``kind`` runs (a stored state of the other kind is converted:
    ``anomaly.as_kind``). ``new``: the detector of a machine without one (default:
    ``machine_detector(kind)``; one of another kind is converted from its next batch
    on); ``cache``: the process's detectors, so an unchanged stored state is not
    rebuilt."""
    row = conn.execute(_HEAD, {"m": machine_id}).first()
    if row is not None:  # learned live, or a trained baseline (``training.py``) put here
        detector = cache.take(conn, machine_id, row.etag)
        if detector is None:
            detector = machine_from_state(conn.execute(_STATE, {"m": machine_id}).scalar_one())
        as_kind(detector, kind)
        fed, last, version = row.samples, row.last_ts, row.model_version
    else:  # the machine's first sample, no baseline: it learns live
        detector = new() if new is not None else machine_detector(kind)
        fed, last, version = 0, None, None
    for s in samples:
        values = numeric(s.signals)
        if not values:
            continue
        fed += 1
        last = s.ts if last is None else max(last, s.ts)
        score, names = detector.update(values)
        if names:
            _alarm(conn, machine_id, s.ts, score, names, version)
    params = {
        "m": machine_id,
        "s_state": machine_state(detector),
        "s_samples": fed,
        "s_last": last,
        "s_version": version,
        "s_at": utcnow(),
        "s_etag": uuid.uuid4().hex,
    }
    conn.execute(_NEW if row is None else _SAVE, params)
    # Kept under the new tag: if this transaction rolls back, the stored tag stays the
    # old one and the next batch rebuilds from the stored state.
    cache.keep(conn, machine_id, params["s_etag"], detector)


def _alarm(
    conn: Connection,
    machine_id: int,
    ts: datetime,
    score: float,
    names: list[str],
    version: int | None,
) -> None:
    open_ = conn.execute(
        select(
            AnomalyWarning.id,
            AnomalyWarning.last_at,
            AnomalyWarning.started_at,
            AnomalyWarning.score,
            AnomalyWarning.signals,
            AnomalyWarning.alarms,
            AnomalyWarning.version,
        )
        .where(
            AnomalyWarning.machine_id == machine_id,
            AnomalyWarning.status != WarningStatus.RESOLVED.value,
        )
        .order_by(AnomalyWarning.last_at.desc())
        .limit(1)
    ).first()
    now = utcnow()
    if open_ is not None and abs(ts - open_.last_at) <= EPISODE_GAP:
        signals = list(open_.signals) + [n for n in names if n not in open_.signals]
        conn.execute(
            update(AnomalyWarning)
            .where(AnomalyWarning.id == open_.id)
            .values(
                started_at=min(open_.started_at, ts),
                last_at=max(open_.last_at, ts),
                score=max(open_.score, score),
                signals=signals,
                alarms=open_.alarms + 1,
                version=open_.version + 1,  # the optimistic version, as the ORM would
                updated_at=now,
            )
        )
        return
    conn.execute(
        insert(AnomalyWarning).values(
            machine_id=machine_id,
            started_at=ts,
            last_at=ts,
            score=score,
            signals=list(names),
            alarms=1,
            status=WarningStatus.OPEN.value,
            model_version=version,
            version=1,
            created_at=now,
            updated_at=now,
        )
    )
