"""Bodies of frameworks, criterion scores, verdicts, assessments and dashboards."""

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from doan3cd.domain.assessment_flow import RETURN_REASONS
from doan3cd.domain.framework import DEFAULT_FRAMEWORK, framework_to_dict

Year = Field(ge=2000, le=2100, description="The assessment year.")
ReturnReason = Literal[RETURN_REASONS]  # type: ignore[valid-type]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


# Frameworks ---------------------------------------------------------------------------------


class FrameworkVersionSummary(BaseModel):
    version: int
    created_at: datetime
    locked_at: datetime | None


class FrameworkRead(BaseModel):
    code: str
    version: int
    first_year: int
    last_year: int
    created_at: datetime
    locked_at: datetime | None = Field(description="When a decision first used this version.")
    data: dict[str, Any] = Field(description="The framework document (criteria → indicators).")
    versions: list[FrameworkVersionSummary] | None = None


_EXAMPLE = {**framework_to_dict(DEFAULT_FRAMEWORK), "code": "3CD-TRAVINH"}
_EXAMPLE.pop("version")


class FrameworkCreate(Input):
    """A framework document; its version number is assigned (the next free one for its code)."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [_EXAMPLE]})

    code: str = Field(min_length=1, max_length=40)


class FrameworkList(BaseModel):
    items: list[FrameworkRead]


# Criterion scores ---------------------------------------------------------------------------


class CriterionScoreCreate(Input):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "unit_id": "0b9f4c1e-8f53-4c1b-9e55-3f7c0a9d1e21",
                    "year": 2023,
                    "indicator_key": "C1.7",
                    "self_score": 8,
                    "comment": "Khảo sát tư tưởng đoàn viên qua Zalo và Facebook hằng quý.",
                }
            ]
        },
    )

    unit_id: uuid.UUID
    year: int = Year
    indicator_key: str = Field(min_length=1, max_length=20)
    self_score: float | None = Field(default=None, ge=0)
    review_score: float | None = Field(default=None, ge=0)
    comment: str | None = Field(default=None, max_length=4000)
    evidence_ids: list[uuid.UUID] = Field(default_factory=list, max_length=100)


class CriterionScoreUpdate(Input):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"review_score": 7}]})

    self_score: float | None = Field(default=None, ge=0)
    review_score: float | None = Field(default=None, ge=0)
    comment: str | None = Field(default=None, max_length=4000)
    evidence_ids: list[uuid.UUID] | None = Field(default=None, max_length=100)


class CriterionScoreRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    unit_id: uuid.UUID
    year: int
    indicator_key: str
    self_score: float | None
    review_score: float | None
    comment: str | None
    evidence_ids: list[uuid.UUID]
    # Read from the row's `row_version`; the contract (and its schema) call it `revision`.
    revision: int = Field(validation_alias=AliasChoices("revision", "row_version"))
    updated_at: datetime


# Verdicts -----------------------------------------------------------------------------------


class DecisionRead(BaseModel):
    assessment_id: uuid.UUID
    recognised: bool | None
    decision_number: str | None
    decided_on: date | None
    issuing_unit_id: uuid.UUID | None
    reason: str | None
    framework_code: str | None
    framework_version: int | None
    inputs_hash: str | None


class VerdictRead(BaseModel):
    """The live, explained verdict: eligibility, then each criterion and indicator with value,
    target, pass, points, the evidence counted and excluded (with why), and what is missing."""

    unit_id: uuid.UUID
    year: int
    status: Literal["achieved", "not_achieved", "not_eligible"]
    eligibility: dict[str, Any]
    framework_code: str
    framework_version: int
    inputs_hash: str
    criteria: list[dict[str, Any]]
    computed_at: datetime
    decision: DecisionRead | None = Field(description="The upper level's decision, if any.")


# Assessments --------------------------------------------------------------------------------


class AssessmentCreate(Input):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "unit_id": "0b9f4c1e-8f53-4c1b-9e55-3f7c0a9d1e21",
                    "year": 2023,
                    "registered_on": "2022-10-25",
                    "targets": {"new_members": 5, "party_referrals": 2},
                }
            ]
        },
    )

    class Targets(Input):
        new_members: int | None = Field(default=None, ge=0, le=100000)
        party_referrals: int | None = Field(default=None, ge=0, le=100000)

    unit_id: uuid.UUID
    year: int = Year
    registered_on: date
    targets: Targets = Field(default_factory=Targets)


class AssessmentReturn(Input):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"reasons": ["evidence_missing"], "comment": "Thiếu biên bản đối thoại."}]
        },
    )

    reasons: list[ReturnReason] = Field(min_length=1, max_length=len(RETURN_REASONS))
    comment: str | None = Field(default=None, max_length=4000)


class AssessmentDecide(Input):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "recognised": True,
                    "decision_number": "123/QĐ-ĐTN",
                    "decided_on": "2024-01-15",
                    "issuing_unit_id": "5a0f4c1e-8f53-4c1b-9e55-3f7c0a9d1e21",
                }
            ]
        },
    )

    recognised: bool
    decision_number: str = Field(min_length=1, max_length=60)
    decided_on: date
    issuing_unit_id: uuid.UUID
    reason: str | None = Field(
        default=None,
        max_length=4000,
        description="Required when the decision differs from the computed proposal.",
    )


class AssessmentReopen(Input):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reason": "Sai sót số liệu đoàn viên kết nạp."}]},
    )

    reason: str = Field(min_length=1, max_length=4000)


class TargetsRead(BaseModel):
    new_members: int | None
    party_referrals: int | None


class AssessmentRead(BaseModel):
    id: uuid.UUID
    unit_id: uuid.UUID
    year: int
    state: Literal["registered", "submitted", "returned", "decided"]
    registered_on: date
    targets: TargetsRead
    submitted_at: datetime | None
    returned_at: datetime | None
    return_reasons: list[str]
    return_comment: str | None
    decision: DecisionRead | None
    frozen_verdict: dict[str, Any] | None = Field(
        description="The verdict as computed when the decision was recorded."
    )
    locked: bool
    revision: int
    updated_at: datetime


# Dashboards ---------------------------------------------------------------------------------


class CriterionCounts(BaseModel):
    achieved: int = Field(0, description="Units whose computed verdict passes the criterion.")
    recognised: int = Field(
        0, description="Recognised units whose frozen verdict passed the criterion."
    )


class Counts(BaseModel):
    units: int = 0
    eligible: int = 0
    registered: int = 0
    submitted: int = 0
    achieved: int = 0
    recognised: int = 0
    criteria: dict[str, CriterionCounts] = Field(default_factory=dict)


class DashboardGroup(Counts):
    unit_id: uuid.UUID
    code: str
    name: str
    kind: str


class DashboardRead(BaseModel):
    root_id: uuid.UUID
    year: int
    as_of: date
    computed_at: datetime
    framework_code: str
    framework_version: int
    totals: Counts
    groups: list[DashboardGroup]
