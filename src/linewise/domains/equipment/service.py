"""Equipment rules shared by other domains."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from linewise.core.errors import FieldError, ValidationProblem
from linewise.domains.equipment.models import Area


def areas_by_ids(db: Session, ids: Sequence[int], field: str = "area_ids") -> list[Area]:
    """The areas with these ids, or a 422 naming the ones that do not exist."""
    wanted = list(dict.fromkeys(ids))
    found = {a.id: a for a in db.scalars(select(Area).where(Area.id.in_(wanted)))}
    missing = [i for i in wanted if i not in found]
    if missing:
        raise ValidationProblem(
            "unknown area", errors=[FieldError(field, f"areas {missing} do not exist")]
        )
    return [found[i] for i in wanted]
