"""Data retention: raw machine data older than ``LINEWISE_RETENTION_RAW_DAYS`` is kept
as aggregates (docs/operations.md).

- telemetry: one ``telemetry_hourly`` row per machine, signal and UTC hour (count, min,
  mean, max; a late sample for an hour already aggregated is merged in);
- count events: one summed event per machine, operation, product and hour (the totals
  every KPI and order reads stay the same; at a resolution of an hour);
- state events: deleted; their ``state_intervals`` (which the KPIs and the floor read)
  stay.

Audit records are never touched. Runs as the periodic job ``retention`` on the job
queue, in one transaction per run: a crash leaves the raw rows as they were.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from linewise.ingest.models import CountEvent, StateEvent, TelemetryHourly, TelemetrySample

KIND = "retention"


@dataclass(frozen=True)
class RetentionReport:
    cutoff: datetime
    telemetry_rows: int
    hourly_rows: int
    count_rows: int
    count_rows_kept: int
    state_rows: int


def _hour(ts: datetime) -> datetime:
    return ts.replace(minute=0, second=0, microsecond=0)


def cutoff_for(now: datetime, raw_days: int) -> datetime:
    """Whole UTC hours only, so that an hour is never aggregated half."""
    return _hour(now - timedelta(days=raw_days))


def apply(db: Session, now: datetime, raw_days: int) -> RetentionReport:
    cutoff = cutoff_for(now, raw_days)
    telemetry, hourly = _telemetry(db, cutoff)
    counts, kept = _counts(db, cutoff)
    states = db.execute(delete(StateEvent).where(StateEvent.ts < cutoff))
    return RetentionReport(
        cutoff=cutoff,
        telemetry_rows=telemetry,
        hourly_rows=hourly,
        count_rows=counts,
        count_rows_kept=kept,
        state_rows=int(getattr(states, "rowcount", 0) or 0),
    )


def _telemetry(db: Session, cutoff: datetime) -> tuple[int, int]:
    # (machine, signal, hour) -> [n, min, sum, max, unit]
    acc: dict[tuple[int, str, datetime], list[Any]] = {}
    rows = 0
    for machine_id, ts, signals, units in db.execute(
        select(
            TelemetrySample.machine_id,
            TelemetrySample.ts,
            TelemetrySample.signals,
            TelemetrySample.units,
        ).where(TelemetrySample.ts < cutoff)
    ):
        rows += 1
        for name, value in (signals or {}).items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                continue  # text and flags have no mean; the raw sample goes
            key = (machine_id, str(name)[:80], _hour(ts))
            unit = (units or {}).get(name)
            a = acc.get(key)
            if a is None:
                acc[key] = [1, value, value, value, unit]
            else:
                a[0] += 1
                a[1] = min(a[1], value)
                a[2] += value
                a[3] = max(a[3], value)
                a[4] = a[4] or unit
    existing = {}
    if acc:
        first = min(hour for _, _, hour in acc)
        existing = {
            (h.machine_id, h.signal, h.hour): h
            for h in db.scalars(
                select(TelemetryHourly).where(
                    TelemetryHourly.hour >= first, TelemetryHourly.hour < cutoff
                )
            )
        }
    new = []
    for key, (n, lo, total, hi, unit) in acc.items():
        old = existing.get(key)
        if old is None:
            machine_id, signal, hour = key
            new.append(
                {
                    "machine_id": machine_id,
                    "signal": signal,
                    "hour": hour,
                    "samples": n,
                    "min": float(lo),
                    "mean": total / n,
                    "max": float(hi),
                    "unit": None if unit is None else str(unit)[:40],
                }
            )
        else:  # late samples of an hour already aggregated
            both = old.samples + n
            old.mean = (old.mean * old.samples + total) / both
            old.samples = both
            old.min = min(old.min, float(lo))
            old.max = max(old.max, float(hi))
    if new:
        db.execute(insert(TelemetryHourly), new)
    db.execute(delete(TelemetrySample).where(TelemetrySample.ts < cutoff))
    db.flush()
    return rows, len(acc)


def _counts(db: Session, cutoff: datetime) -> tuple[int, int]:
    groups: dict[tuple[int, int | None, int | None, datetime], list[Any]] = defaultdict(list)
    for row in db.execute(
        select(
            CountEvent.id,
            CountEvent.machine_id,
            CountEvent.operation_id,
            CountEvent.product_id,
            CountEvent.ts,
            CountEvent.good,
            CountEvent.reject,
            CountEvent.rework,
        ).where(CountEvent.ts < cutoff)
    ):
        groups[(row.machine_id, row.operation_id, row.product_id, _hour(row.ts))].append(row)
    gone: list[int] = []
    summed = []
    for (machine_id, operation_id, product_id, hour), rows in groups.items():
        if len(rows) == 1:
            continue
        gone.extend(r.id for r in rows)
        summed.append(
            {
                "machine_id": machine_id,
                "event_id": f"retained:{hour:%Y%m%dT%H}:{operation_id or 0}:{product_id or 0}",
                "ts": max(r.ts for r in rows),  # inside the hour, after all it sums
                "good": sum(r.good for r in rows),
                "reject": sum(r.reject for r in rows),
                "rework": sum(r.rework or 0 for r in rows),
                "operation_id": operation_id,
                "product_id": product_id,
            }
        )
    for i in range(0, len(gone), 1000):  # the summed row may reuse a deleted event id
        db.execute(delete(CountEvent).where(CountEvent.id.in_(gone[i : i + 1000])))
    if summed:
        db.execute(insert(CountEvent), summed)
    return len(gone), len(groups)
