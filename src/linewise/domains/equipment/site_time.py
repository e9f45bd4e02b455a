"""Times in server messages: in the site's time zone and labelled, never UTC.

Refusals of a move, the assumptions of an adopted scenario or a refused receipt are read
next to pages that show the site's local time; a message in UTC made the same instant
look like another hour. Linewise runs one site per installation, so the zone is the site's.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from linewise.domains.equipment.models import Site

UTC_ZONE = ZoneInfo("UTC")


def site_zone(db: Session) -> ZoneInfo:
    """The (first) site's time zone; UTC only when no site is set up yet."""
    name = db.scalars(select(Site.timezone).order_by(Site.id).limit(1)).first()
    return ZoneInfo(name) if name else UTC_ZONE


def local_when(t: datetime | str | None, zone: ZoneInfo) -> str:
    """ "Mon 07 Dec 06:00 CET": weekday, day, month and clock time with the zone's name."""
    if t is None:
        return "?"
    instant = t if isinstance(t, datetime) else datetime.fromisoformat(t)
    return f"{instant.astimezone(zone):%a %d %b %H:%M %Z}"
