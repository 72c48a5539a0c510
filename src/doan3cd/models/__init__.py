"""All ORM classes, imported here so Alembic's autogenerate and `alembic check` see them."""

from doan3cd.models.idempotency import IdempotencyRecord
from doan3cd.models.unit import LineageEvent, LineageEventUnit, Unit, UnitKindRule, UnitVersion

__all__ = [
    "IdempotencyRecord",
    "LineageEvent",
    "LineageEventUnit",
    "Unit",
    "UnitKindRule",
    "UnitVersion",
]
