"""Contract of /party-referrals."""

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Stage = Literal[
    "nominated_by_branch",
    "resolved_by_grassroots",
    "handed_to_party",
    "awareness_class",
    "party_candidate",
    "admitted_probationary",
    "admitted_full",
    "declined",
    "withdrawn",
]


class ReferralCreate(BaseModel):
    """A branch nominates a member (Mẫu 4_1-KNĐ); the referral belongs to the member's branch."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {
                    "member_id": "5d0c8a8e-3f7b-4b8e-9a51-7c1f2b3a4d5e",
                    "nominated_on": "2023-04-10",
                    "document_ref": "02-NQ/CĐ",
                }
            ]
        },
    )

    member_id: uuid.UUID
    nominated_on: date
    document_ref: str | None = Field(default=None, max_length=200)
    note: str | None = Field(default=None, max_length=2000)


class TransitionCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {
                    "to_stage": "resolved_by_grassroots",
                    "effective_on": "2023-05-02",
                    "document_ref": "05-NQ/ĐTN (Mẫu 4-KNĐ)",
                }
            ]
        },
    )

    to_stage: Stage
    effective_on: date
    document_ref: str | None = Field(default=None, max_length=200)
    note: str | None = Field(default=None, max_length=2000)


class TransitionRead(BaseModel):
    id: uuid.UUID
    from_stage: Stage | None
    to_stage: Stage
    effective_on: date
    document_ref: str | None
    note: str | None
    recorded_at: datetime


class ReferralRead(BaseModel):
    id: uuid.UUID
    member_id: uuid.UUID
    unit_id: uuid.UUID
    year: int
    stage: Stage
    stage_changed_on: date
    transitions: list[TransitionRead]
    revision: int
    created_at: datetime
    updated_at: datetime
