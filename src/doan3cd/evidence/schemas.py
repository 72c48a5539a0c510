"""Contract of /activities and /plans: activities are a discriminated union on `kind`.

Each kind has its own fields (`BranchMeetingFields`, …); `XCreate` and `XRead` combine them with
the fields every activity has. Promoted fields (participants, value_vnd, partner, completed_on)
are columns; the other kind-specific fields live in the `details` JSON column.
"""

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

from doan3cd.domain.facts import ACTIVITY_KINDS, PLAN_KINDS

Verification = Literal["submitted", "verified", "rejected"]
PlanKind = Literal["annual_programme", "action_programme", "thematic"]
ActivityKind = Literal[
    "branch_meeting",
    "situation_report",
    "rights_protection",
    "welfare_register_review",
    "youth_project",
    "inspection",
    "self_criticism",
    "exemplary_model",
    "advisory_document",
    "dialogue",
    "resource_mobilisation",
    "other",
]
assert set(get_args(PlanKind)) == set(PLAN_KINDS)
assert set(get_args(ActivityKind)) == set(ACTIVITY_KINDS)

NonNegative = Annotated[int, Field(ge=0)]
Money = Annotated[int, Field(ge=0, description="Value in Vietnamese đồng (integer).")]
Name = Annotated[str, Field(min_length=1, max_length=300)]
PROMOTED = ("participants", "value_vnd", "partner", "completed_on")


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ActivityCommon(_In):
    unit_id: uuid.UUID = Field(description="The branch or grassroots unit that held it.")
    occurred_on: date
    title: Name
    description: str | None = Field(default=None, max_length=5000)
    participants: NonNegative | None = Field(default=None, description="People taking part.")
    plan_item_id: uuid.UUID | None = Field(
        default=None, description="The plan item this activity carried out."
    )
    attachments: list[Annotated[str, Field(min_length=1, max_length=1000)]] = Field(
        default_factory=list, max_length=20, description="References or URLs of the evidence."
    )


class ActivityState(BaseModel):
    id: uuid.UUID
    verification: Verification
    verified_by: str | None
    verified_at: datetime | None
    rejected_reason: str | None
    revision: int
    created_at: datetime
    updated_at: datetime


# Kind-specific fields ---------------------------------------------------------------------------


class BranchMeetingFields(_In):
    attendance: NonNegative = Field(description="Members present (unit must be a branch).")
    topic: str | None = Field(default=None, max_length=300)


class SituationReportFields(_In):
    reporting_period: str | None = Field(default=None, max_length=50, examples=["Q1/2023"])


class RightsProtectionFields(_In):
    cases_handled: NonNegative | None = None


class WelfareRegisterReviewFields(_In):
    cases_reviewed: NonNegative | None = None


class YouthProjectFields(_In):
    completed_on: date | None = Field(default=None, description="Null while still under way.")
    value_vnd: Money | None = None
    partner: str | None = Field(default=None, max_length=300)


class InspectionFields(_In):
    subject: str | None = Field(default=None, max_length=300)


class SelfCriticismFields(_In):
    pass


class ExemplaryModelFields(_In):
    model_name: str | None = Field(default=None, max_length=300)


class AdvisoryDocumentFields(_In):
    document_ref: str = Field(min_length=1, max_length=200, examples=["15-TTr/ĐTN"])


class DialogueFields(_In):
    leaders_present: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        min_length=1, description="Names and titles of the leaders who took part."
    )
    questions_raised: NonNegative = 0


class ResourceMobilisationFields(_In):
    partner: str = Field(min_length=1, max_length=300)
    value_vnd: Annotated[int, Field(gt=0, description="Value in Vietnamese đồng (> 0).")]


class OtherFields(_In):
    pass


def _project_dates(self: Any) -> Any:
    if self.completed_on is not None and self.completed_on < self.occurred_on:
        raise ValueError("completed_on must not be before occurred_on")
    return self


# Create (input) ---------------------------------------------------------------------------------


class BranchMeetingCreate(ActivityCommon, BranchMeetingFields):
    kind: Literal["branch_meeting"]


class SituationReportCreate(ActivityCommon, SituationReportFields):
    kind: Literal["situation_report"]


class RightsProtectionCreate(ActivityCommon, RightsProtectionFields):
    kind: Literal["rights_protection"]


class WelfareRegisterReviewCreate(ActivityCommon, WelfareRegisterReviewFields):
    kind: Literal["welfare_register_review"]


class YouthProjectCreate(ActivityCommon, YouthProjectFields):
    kind: Literal["youth_project"]
    _dates = model_validator(mode="after")(_project_dates)


class InspectionCreate(ActivityCommon, InspectionFields):
    kind: Literal["inspection"]


class SelfCriticismCreate(ActivityCommon, SelfCriticismFields):
    kind: Literal["self_criticism"]


class ExemplaryModelCreate(ActivityCommon, ExemplaryModelFields):
    kind: Literal["exemplary_model"]


class AdvisoryDocumentCreate(ActivityCommon, AdvisoryDocumentFields):
    kind: Literal["advisory_document"]


class DialogueCreate(ActivityCommon, DialogueFields):
    kind: Literal["dialogue"]


class ResourceMobilisationCreate(ActivityCommon, ResourceMobilisationFields):
    kind: Literal["resource_mobilisation"]


class OtherCreate(ActivityCommon, OtherFields):
    kind: Literal["other"]


ActivityCreate = Annotated[
    BranchMeetingCreate
    | SituationReportCreate
    | RightsProtectionCreate
    | WelfareRegisterReviewCreate
    | YouthProjectCreate
    | InspectionCreate
    | SelfCriticismCreate
    | ExemplaryModelCreate
    | AdvisoryDocumentCreate
    | DialogueCreate
    | ResourceMobilisationCreate
    | OtherCreate,
    Field(discriminator="kind"),
]
ACTIVITY_CREATE: TypeAdapter[ActivityCreate] = TypeAdapter(ActivityCreate)

ACTIVITY_EXAMPLE = {
    "kind": "resource_mobilisation",
    "unit_id": "0b6f3c1e-8d0a-4c55-9a4e-2f6f2b0d9c11",
    "occurred_on": "2023-11-20",
    "title": "Vận động xây nhà nhân ái",
    "partner": "Công ty TNHH Mekong",
    "value_vnd": 50000000,
    "participants": 25,
}


# Read (output) ----------------------------------------------------------------------------------


class _ReadBase(ActivityState):
    model_config = ConfigDict(extra="ignore")
    unit_id: uuid.UUID
    occurred_on: date
    title: str
    description: str | None
    participants: int | None
    plan_item_id: uuid.UUID | None
    attachments: list[str]


class BranchMeetingRead(_ReadBase, BranchMeetingFields):
    model_config = ConfigDict(extra="ignore")
    kind: Literal["branch_meeting"]


class SituationReportRead(_ReadBase, SituationReportFields):
    model_config = ConfigDict(extra="ignore")
    kind: Literal["situation_report"]


class RightsProtectionRead(_ReadBase, RightsProtectionFields):
    model_config = ConfigDict(extra="ignore")
    kind: Literal["rights_protection"]


class WelfareRegisterReviewRead(_ReadBase, WelfareRegisterReviewFields):
    model_config = ConfigDict(extra="ignore")
    kind: Literal["welfare_register_review"]


class YouthProjectRead(_ReadBase, YouthProjectFields):
    model_config = ConfigDict(extra="ignore")
    kind: Literal["youth_project"]


class InspectionRead(_ReadBase, InspectionFields):
    model_config = ConfigDict(extra="ignore")
    kind: Literal["inspection"]


class SelfCriticismRead(_ReadBase, SelfCriticismFields):
    model_config = ConfigDict(extra="ignore")
    kind: Literal["self_criticism"]


class ExemplaryModelRead(_ReadBase, ExemplaryModelFields):
    model_config = ConfigDict(extra="ignore")
    kind: Literal["exemplary_model"]


class AdvisoryDocumentRead(_ReadBase, AdvisoryDocumentFields):
    model_config = ConfigDict(extra="ignore")
    kind: Literal["advisory_document"]


class DialogueRead(_ReadBase, DialogueFields):
    model_config = ConfigDict(extra="ignore")
    kind: Literal["dialogue"]


class ResourceMobilisationRead(_ReadBase, ResourceMobilisationFields):
    model_config = ConfigDict(extra="ignore")
    kind: Literal["resource_mobilisation"]


class OtherRead(_ReadBase, OtherFields):
    model_config = ConfigDict(extra="ignore")
    kind: Literal["other"]


ActivityRead = Annotated[
    BranchMeetingRead
    | SituationReportRead
    | RightsProtectionRead
    | WelfareRegisterReviewRead
    | YouthProjectRead
    | InspectionRead
    | SelfCriticismRead
    | ExemplaryModelRead
    | AdvisoryDocumentRead
    | DialogueRead
    | ResourceMobilisationRead
    | OtherRead,
    Field(discriminator="kind"),
]
ACTIVITY_READ: TypeAdapter[ActivityRead] = TypeAdapter(ActivityRead)


class ActivityUpdate(_In):
    """Merge-patch: only the fields sent change; `null` clears an optional field. The kind
    cannot change; the result is validated like a new activity of that kind."""

    unit_id: uuid.UUID | None = None
    occurred_on: date | None = None
    title: Name | None = None
    description: str | None = Field(default=None, max_length=5000)
    participants: NonNegative | None = None
    plan_item_id: uuid.UUID | None = None
    attachments: list[str] | None = None
    attendance: NonNegative | None = None
    topic: str | None = None
    reporting_period: str | None = None
    cases_handled: NonNegative | None = None
    cases_reviewed: NonNegative | None = None
    completed_on: date | None = None
    value_vnd: int | None = None
    partner: str | None = None
    subject: str | None = None
    model_name: str | None = None
    document_ref: str | None = None
    leaders_present: list[str] | None = None
    questions_raised: NonNegative | None = None

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"title": "Sinh hoạt chi đoàn tháng 3", "attendance": 21}]},
    )


class Review(_In):
    reason: str | None = Field(default=None, max_length=2000)


class Rejection(_In):
    reason: str = Field(min_length=1, max_length=2000, examples=["Thiếu biên bản sinh hoạt."])


# Plans ------------------------------------------------------------------------------------------


class PlanItemIn(_In):
    id: uuid.UUID | None = Field(default=None, description="Keep (and edit) an existing item.")
    title: Name
    activity_kind: str | None = Field(default=None, description="The activity kind planned.")
    planned_on: date | None = None


class PlanCreate(_In):
    unit_id: uuid.UUID
    year: int = Field(ge=2000, le=2100)
    kind: PlanKind
    title: Name
    adopted_on: date | None = Field(default=None, description="Null while it is a draft.")
    document_ref: str | None = Field(default=None, max_length=200)
    items: list[PlanItemIn] = Field(default_factory=list, max_length=500)

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "unit_id": "0b6f3c1e-8d0a-4c55-9a4e-2f6f2b0d9c11",
                    "year": 2023,
                    "kind": "annual_programme",
                    "title": "Chương trình công tác Đoàn năm 2023",
                    "adopted_on": "2023-01-15",
                    "document_ref": "01-CTr/ĐTN",
                    "items": [{"title": "Sinh hoạt chủ điểm 26/3", "planned_on": "2023-03-26"}],
                }
            ]
        },
    )


class PlanUpdate(_In):
    """Merge-patch; `items`, when sent, replaces the list (items sent with an `id` are kept)."""

    year: int | None = Field(default=None, ge=2000, le=2100)
    kind: PlanKind | None = None
    title: Name | None = None
    adopted_on: date | None = None
    document_ref: str | None = Field(default=None, max_length=200)
    items: list[PlanItemIn] | None = Field(default=None, max_length=500)


class PlanItemRead(BaseModel):
    id: uuid.UUID
    title: str
    activity_kind: str | None
    planned_on: date | None
    activity_ids: list[uuid.UUID]


class PlanRead(BaseModel):
    id: uuid.UUID
    unit_id: uuid.UUID
    year: int
    kind: PlanKind
    title: str
    adopted_on: date | None
    document_ref: str | None
    items: list[PlanItemRead]
    revision: int
    created_at: datetime
    updated_at: datetime
