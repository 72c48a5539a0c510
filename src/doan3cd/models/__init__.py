"""All ORM classes, imported here so Alembic's autogenerate and `alembic check` see them."""

from doan3cd.models.idempotency import IdempotencyRecord

__all__ = ["IdempotencyRecord"]
