"""Audit events as the API shows them."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class AuditEventRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "id": "0b7f5f4e-8a43-4a4e-9d7e-2f0f6f1c9a11",
                "occurred_at": "2026-11-28T09:15:02.120000Z",
                "actor_key": "user:5d1c3f9e-0f7a-4a52-9d0b-9f8f3b7a2c10",
                "actor_name": "admin",
                "action": "update",
                "resource": "users",
                "resource_id": "c2a4e1d0-7b5e-4c1a-8d3f-6e2b9a0f4d21",
                "fields": ["display_name", "is_active"],
                "request_id": "3b9c0e0f6b6a4c37",
            }
        }
    )

    id: uuid.UUID
    occurred_at: datetime
    actor_key: str = Field(description='"user:<id>", "token:<id>", "system:cli" or "anonymous".')
    actor_name: str
    action: str
    resource: str
    resource_id: str | None
    fields: list[str] = Field(description="Names of the fields written or read; never values.")
    request_id: str | None


@dataclass(frozen=True, slots=True)
class AuditEventFilters:
    actor: str | None = None
    resource: str | None = None
    resource_id: str | None = None
    action: str | None = None
    occurred_from: datetime | None = None
    occurred_to: datetime | None = None
