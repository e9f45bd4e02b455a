"""ISA-18.2 alarm-system figures over a window of fired alerts.

- alerts per operator per 10 minutes: the mean over the window's 10-minute buckets,
  divided by the number of operators (consoles) the caller names; the target of
  ISA-18.2 is about 1 (manageable), 2 at most;
- share of time in flood: buckets with more than 10 alerts (fixed 10-minute buckets
  from the window's start, not a sliding window);
- top-10 share: the share of all alerts raised by the 10 most frequent (rule, subject)
  pairs (ISA-18.2 wants under 1-5 %);
- chattering: a (rule, subject) pair that fired 3 or more times within 10 minutes (the
  evaluator runs every minute, so the standard's "within a minute" would rarely show);
- stale: alerts open (not resolved) for more than 24 hours.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from linewise.domains.alerts import repository as repo
from linewise.domains.alerts.models import Alert

BUCKET = timedelta(minutes=10)
FLOOD_ABOVE = 10
CHATTER_COUNT = 3
STALE_AFTER = timedelta(hours=24)


def _pair(a: Alert) -> tuple[int, str]:
    return (a.rule_id, (a.open_key or "").split(":", 1)[-1] or a.subject_name)


def compute(
    db: Session, now: datetime, hours: int, operators: int, area_ids: frozenset[int] | None
) -> dict[str, Any]:
    start = now - timedelta(hours=hours)
    fired = repo.fired_since(db, start, area_ids)
    n_buckets = max(1, int((now - start) / BUCKET))
    counts = [0] * n_buckets
    for a in fired:
        counts[min(n_buckets - 1, int((a.fired_at - start) / BUCKET))] += 1
    total = len(fired)
    pairs = Counter(_pair(a) for a in fired)
    by_pair: dict[tuple[int, str], list[datetime]] = defaultdict(list)
    for a in fired:
        by_pair[_pair(a)].append(a.fired_at)
    chattering = []
    for (rule_id, subject), times in by_pair.items():
        if any(
            times[i + CHATTER_COUNT - 1] - times[i] <= BUCKET
            for i in range(len(times) - CHATTER_COUNT + 1)
        ):
            chattering.append({"rule_id": rule_id, "subject": subject, "count": len(times)})
    stale = repo.open_before(db, now - STALE_AFTER, area_ids)
    top = pairs.most_common(10)
    return {
        "window_start": start,
        "window_end": now,
        "operators": operators,
        "total": total,
        "per_operator_per_10min": total / n_buckets / operators,
        "max_per_10min": max(counts),
        "flood_share": sum(1 for c in counts if c > FLOOD_ABOVE) / n_buckets,
        "in_flood_now": counts[-1] > FLOOD_ABOVE,
        "top10_share": (sum(n for _, n in top) / total) if total else 0.0,
        "top10": [{"rule_id": r, "subject": s, "count": n} for (r, s), n in top],
        "chattering": chattering,
        "stale": [{"alert_id": a.id, "message": a.message, "fired_at": a.fired_at} for a in stale],
        "buckets": [{"start": start + i * BUCKET, "count": c} for i, c in enumerate(counts)],
    }
