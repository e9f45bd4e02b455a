"""What the assistant reads to understand a question: names of things, not figures."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from linewise.domains.equipment.models import Area, Line, Machine, Site
from linewise.domains.inventory.models import Material
from linewise.domains.production.models import CustomerOrder, Product, ProductionOrder


@dataclass(frozen=True)
class Named:
    """One thing a question may name: its kind, id, code, name and area (for scoping)."""

    kind: str  # site | area | line | machine | product | material | customer | order
    id: int
    code: str
    name: str
    area_id: int | None = None
    line_id: int | None = None
    timezone: str = "UTC"  # the site's, for sites, areas, lines and machines


def catalog(db: Session) -> list[Named]:
    """Sites, areas, lines, machines, products, materials and customers: small tables."""
    out: list[Named] = []
    out += [
        Named("site", i, c, n, timezone=tz)
        for i, c, n, tz in db.execute(select(Site.id, Site.code, Site.name, Site.timezone))
    ]
    out += [
        Named("area", i, c, n, area_id=i, timezone=tz)
        for i, c, n, tz in db.execute(
            select(Area.id, Area.code, Area.name, Site.timezone).join(Site, Site.id == Area.site_id)
        )
    ]
    out += [
        Named("line", i, c, n, area_id=a, line_id=i, timezone=tz)
        for i, c, n, a, tz in db.execute(
            select(Line.id, Line.code, Line.name, Line.area_id, Site.timezone)
            .join(Area, Area.id == Line.area_id)
            .join(Site, Site.id == Area.site_id)
        )
    ]
    out += [
        Named("machine", i, c, n, area_id=a, line_id=li, timezone=tz)
        for i, c, n, li, a, tz in db.execute(
            select(
                Machine.id, Machine.code, Machine.name, Machine.line_id, Line.area_id, Site.timezone
            )
            .join(Line, Line.id == Machine.line_id)
            .join(Area, Area.id == Line.area_id)
            .join(Site, Site.id == Area.site_id)
        )
    ]
    out += [
        Named("product", i, c, n)
        for i, c, n in db.execute(select(Product.id, Product.code, Product.name))
    ]
    out += [
        Named("material", i, c, n)
        for i, c, n in db.execute(select(Material.id, Material.code, Material.name))
    ]
    customers = db.scalars(select(CustomerOrder.customer).distinct())
    out += [Named("customer", 0, c, c) for c in customers if c]
    return out


def orders_numbered(db: Session, digits: list[str]) -> list[Named]:
    """Production orders whose number is one of ``digits`` or ends in ``-<digits>``."""
    if not digits:
        return []
    conditions = []
    for d in digits:
        conditions.append(func.lower(ProductionOrder.number) == d.lower())
        conditions.append(ProductionOrder.number.like(f"%-{d}"))
    rows = db.execute(
        select(ProductionOrder.id, ProductionOrder.number).where(or_(*conditions)).limit(20)
    ).all()
    return [Named("order", i, n, n) for i, n in rows]
