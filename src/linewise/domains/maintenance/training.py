"""The anomaly detector's per-machine baseline, trained as a background job
(``maintenance.train``) from the factory's own history, versioned, with its evaluation.

Per machine: its raw telemetry of the last ``SPAN`` (at most ``MAX_SAMPLES``), split in
time. The first ``TRAIN_PERCENT`` % trains the baseline (each signal's range and every
context it contains, ``analytics.anomaly.primed``); the held-out rest is replayed
through it and its warnings (episodes, as the live path forms them) are compared with
the machine's down stops there (at least its minor-stop threshold long, as the figures
count failures):

- a stop is **warned** when a warning's first alarm falls in the ``WARN_BEFORE`` before
  it starts;
- a warning that warns of no stop and does not start inside a stop or the hour after
  one is **false**; reported per machine-week of held-out history.

Less history than ``MIN_SAMPLES`` on either side: the version is stored as
``insufficient`` with the reason, nothing is activated, nothing guessed. A trained
version becomes the machine's active one and replaces its live detector state (in the
same transaction, under the machine's lock), so the live path starts from it.

A planner may go back to an older trained version (``activate``) or switch the baseline
off (``deactivate``: the live detector learns the machine afresh). Such a choice is a
**pin**: the weekly scheduled retraining (``scheduled=True``) still stores and evaluates
a new version, but does not activate it over the planner's choice. Nor over an active
version that does better on the new version's own held-out history (replayed there: more
down stops warned with no more false warnings, or as many with fewer). Training on
request always activates the new version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from linewise.analytics.anomaly import ART, machine_from_state, machine_state, primed
from linewise.domains.equipment.models import Machine
from linewise.domains.maintenance import repository as repo
from linewise.domains.maintenance.live import EPISODE_GAP, numeric
from linewise.domains.maintenance.models import (
    AnomalyModel,
    AnomalyModelStatus,
    DetectorState,
)
from linewise.ingest.projections import lock_machines

TRAIN_KIND = "maintenance.train"
SPAN = timedelta(days=60)
MAX_SAMPLES = 200_000
TRAIN_PERCENT = 70  # integers: 0.7 * 5760 is 4031.99...
MIN_SAMPLES = 1440  # a day of one-a-minute samples on each side of the split
WARN_BEFORE = timedelta(hours=12)
RESTART = timedelta(hours=1)


@dataclass(frozen=True)
class Stop:
    start: datetime
    end: datetime


def episodes(alarms: list[datetime]) -> list[tuple[datetime, datetime]]:
    """Alarms (in time order) grouped as the live path groups them: (first, last)."""
    out: list[tuple[datetime, datetime]] = []
    for t in alarms:
        if out and t - out[-1][1] <= EPISODE_GAP:
            out[-1] = (out[-1][0], t)
        else:
            out.append((t, t))
    return out


def evaluate(
    warnings: list[tuple[datetime, datetime]], stops: list[Stop], weeks: float
) -> dict[str, Any]:
    """Warnings against down stops over the held-out history (see the module doc)."""
    warned = [s for s in stops if any(s.start - WARN_BEFORE <= w[0] < s.start for w in warnings)]
    false = [
        w
        for w in warnings
        if not any(s.start - WARN_BEFORE <= w[0] < s.start for s in stops)
        and not any(s.start <= w[0] < s.end + RESTART for s in stops)
    ]
    return {
        "warnings": len(warnings),
        "down_stops": len(stops),
        "warned_stops": len(warned),
        "warned_share": None if not stops else len(warned) / len(stops),
        "false_warnings": len(false),
        "false_per_week": None if weeks <= 0 else len(false) / weeks,
        "holdout_weeks": weeks,
    }


def train_machine(
    db: Session,
    machine: Machine,
    now: datetime,
    job_id: int | None,
    *,
    scheduled: bool = False,
    kind: str = ART,
) -> AnomalyModel:
    rows = [
        (ts, values)
        for ts, signals in repo.telemetry(db, machine.id, now - SPAN, now, MAX_SAMPLES)
        if isinstance(signals, dict) and (values := numeric(signals))
    ]
    version = (
        db.scalar(
            select(func.max(AnomalyModel.version)).where(AnomalyModel.machine_id == machine.id)
        )
        or 0
    ) + 1
    model = AnomalyModel(machine_id=machine.id, version=version, job_id=job_id, active=False)
    split = len(rows) * TRAIN_PERCENT // 100
    train, held = rows[:split], rows[split:]
    if rows:
        model.train_start, model.holdout_end = rows[0][0], rows[-1][0]
        model.train_end = held[0][0] if held else rows[-1][0]
    model.train_samples, model.holdout_samples = len(train), len(held)
    if len(train) < MIN_SAMPLES or len(held) < MIN_SAMPLES:
        model.status = AnomalyModelStatus.INSUFFICIENT.value
        model.note = (
            f"{len(rows)} samples in the last {SPAN.days} days; training needs at least "
            f"{MIN_SAMPLES} for the baseline and {MIN_SAMPLES} held out to evaluate it"
        )
        db.add(model)
        return model
    series: dict[str, list[float]] = {}
    for _ts, values in train:
        for name, v in values.items():
            series.setdefault(name, []).append(v)
    baseline = machine_state(primed(series, kind=kind))
    assert model.train_end is not None and model.holdout_end is not None
    threshold = timedelta(seconds=machine.minor_stop_threshold_s)
    stops = [
        Stop(iv.start, iv.end or now)
        for iv in repo.intervals(db, [machine.id], model.train_end, model.holdout_end, ["down"])
        if iv.start >= model.train_end and (iv.end or now) - iv.start >= threshold
    ]
    weeks = (model.holdout_end - model.train_end).total_seconds() / (7 * 86400)
    model.status = AnomalyModelStatus.TRAINED.value
    model.baseline = baseline
    model.evaluation = _replay(baseline, held, stops, weeks)
    model.note = f"signals: {', '.join(sorted(series))}"
    if scheduled and pinned(db, machine.id):
        model.note += "; not activated: a planner chose the active version"
        db.add(model)
    elif scheduled and (better := _active_if_better(db, machine.id, model, held, stops, weeks)):
        model.note += f"; not activated: {better}"
        db.add(model)
    else:
        activate(db, model)
    return model


def _replay(
    baseline: dict[str, Any],
    held: list[tuple[datetime, dict[str, float]]],
    stops: list[Stop],
    weeks: float,
) -> dict[str, Any]:
    """A baseline's warnings over the held-out samples, against the down stops there."""
    detector = machine_from_state(baseline)  # a copy: the evaluation must not change it
    alarms = [ts for ts, values in held if detector.update(values)[1]]
    return evaluate(episodes(alarms), stops, weeks)


def _active_if_better(
    db: Session,
    machine_id: int,
    model: AnomalyModel,
    held: list[tuple[datetime, dict[str, float]]],
    stops: list[Stop],
    weeks: float,
) -> str | None:
    """Why the weekly run keeps the active version: replayed over the new version's
    held-out span, it warns of more down stops with no more false warnings, or of as many
    with fewer. Otherwise (a tie included) ``None``: the newer history wins."""
    active = db.scalar(
        select(AnomalyModel).where(
            AnomalyModel.machine_id == machine_id, AnomalyModel.active.is_(True)
        )
    )
    if active is None or active.baseline is None:
        return None
    old = _replay(active.baseline, held, stops, weeks)
    new = model.evaluation
    model.evaluation = {**new, "active_version": {"version": active.version, **old}}
    o = (old["warned_stops"], old["false_warnings"])
    n = (new["warned_stops"], new["false_warnings"])
    if (o[0] > n[0] and o[1] <= n[1]) or (o[0] >= n[0] and o[1] < n[1]):
        return (
            f"version {active.version} does better on the same held-out history "
            f"({o[0]} of {len(stops)} down stops warned, {o[1]} false warnings; "
            f"this one {n[0]}, {n[1]})"
        )
    return None


def pinned(db: Session, machine_id: int) -> bool:
    """A planner chose the machine's baseline: an older trained version is active, or
    trained versions exist and none is (switched off)."""
    rows = db.execute(
        select(AnomalyModel.version, AnomalyModel.active).where(
            AnomalyModel.machine_id == machine_id,
            AnomalyModel.status == AnomalyModelStatus.TRAINED.value,
        )
    ).all()
    if not rows:
        return False
    newest = max(v for v, _ in rows)
    return not any(active and v == newest for v, active in rows)


def activate(db: Session, model: AnomalyModel) -> None:
    """The version is the machine's active one; its live detector restarts from it."""
    lock_machines(db.connection(), [model.machine_id])
    db.execute(
        update(AnomalyModel)
        .where(AnomalyModel.machine_id == model.machine_id, AnomalyModel.active.is_(True))
        .values(active=False)
    )
    model.active = True
    db.add(model)
    db.execute(delete(DetectorState).where(DetectorState.machine_id == model.machine_id))
    assert model.baseline is not None
    db.add(
        DetectorState(
            machine_id=model.machine_id,
            state=model.baseline,
            samples=0,
            model_version=model.version,
            etag=None,  # no tag: a process holding the old detector rebuilds from this
        )
    )


def deactivate(db: Session, model: AnomalyModel) -> None:
    """No baseline for the machine: its live detector forgets and learns afresh (its
    first day of samples, as before any training)."""
    lock_machines(db.connection(), [model.machine_id])
    model.active = False
    db.add(model)
    db.execute(delete(DetectorState).where(DetectorState.machine_id == model.machine_id))


def train(
    db: Session,
    now: datetime,
    machine_ids: list[int] | None,
    job_id: int | None,
    *,
    scheduled: bool = False,
    kind: str = ART,
) -> int:
    """Train every machine (or the given ones) a baseline of the detector ``kind`` (the
    site's ``anomaly_detector``); returns how many versions were stored."""
    machines = repo.machines(db, machine_ids)
    for m in machines:
        train_machine(db, m, now, job_id, scheduled=scheduled, kind=kind)
        db.flush()
    return len(machines)
