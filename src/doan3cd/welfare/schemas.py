"""Contract of /welfare-cases, their support actions and consent, and /welfare-stats."""

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from doan3cd.welfare.codes import CATEGORIES, SUPPORT_KINDS

State = Literal["open", "supported", "closed"]
ConsentBy = Literal["subject", "guardian", "both"]


def _category(code: str) -> str:
    if code not in CATEGORIES:
        raise ValueError(f"unknown category {code!r}; known: {', '.join(CATEGORIES)}")
    return code


def _support_kind(code: str) -> str:
    if code not in SUPPORT_KINDS:
        raise ValueError(f"unknown support kind {code!r}; known: {', '.join(SUPPORT_KINDS)}")
    return code


Category = Annotated[str, AfterValidator(_category)]
Categories = Annotated[list[Category], Field(min_length=1, max_length=11)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Person(_In):
    """Minimal identity of a young person who is not a member."""

    name: str = Field(min_length=1, max_length=200)
    birth_year: int = Field(ge=1900, le=2100)
    gender: Literal["male", "female", "other"] | None = None


class Consent(_In):
    given_on: date
    by: ConsentBy
    guardian_name: str | None = Field(default=None, max_length=200)

    @model_validator(mode="after")
    def _guardian_named(self) -> "Consent":
        if self.by in ("guardian", "both") and not self.guardian_name:
            raise ValueError("guardian_name is required when a guardian consents")
        return self


class WelfareCaseCreate(_In):
    """Either `member_id` or `person`. Under-18s need their guardian's consent."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {
                    "unit_id": "0b6f3c1e-8d0a-4c55-9a4e-2f6f2b0d9c11",
                    "person": {"name": "Thạch Thị Sa", "birth_year": 2008, "gender": "female"},
                    "categories": ["poor_household", "orphan"],
                    "identified_on": "2023-02-14",
                    "support_plan": "Học bổng và kèm cặp học tập.",
                    "consent": {
                        "given_on": "2023-02-14",
                        "by": "both",
                        "guardian_name": "Thạch Văn Út",
                    },
                }
            ]
        },
    )

    unit_id: uuid.UUID
    member_id: uuid.UUID | None = None
    person: Person | None = None
    categories: Categories
    identified_on: date
    support_plan: str | None = Field(default=None, max_length=5000)
    consent: Consent

    @model_validator(mode="after")
    def _one_person(self) -> "WelfareCaseCreate":
        if (self.member_id is None) == (self.person is None):
            raise ValueError("give either member_id or person")
        return self


class WelfareCaseUpdate(_In):
    """Merge-patch. State moves open → supported → closed (closing needs `state_reason`)."""

    categories: Categories | None = None
    support_plan: str | None = Field(default=None, max_length=5000)
    state: State | None = None
    state_reason: str | None = Field(default=None, max_length=2000)
    closed_on: date | None = None


class ConsentWithdrawal(_In):
    withdrawn_on: date


class SupportActionCreate(_In):
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {
                    "acted_on": "2023-09-05",
                    "kind": "scholarship",
                    "value_vnd": 2000000,
                    "partner": "Quỹ Vừ A Dính",
                }
            ]
        },
    )

    acted_on: date
    kind: Annotated[str, AfterValidator(_support_kind)]
    value_vnd: int | None = Field(default=None, ge=0)
    partner: str | None = Field(default=None, max_length=300)
    description: str | None = Field(default=None, max_length=5000)


class SupportActionRead(BaseModel):
    id: uuid.UUID
    case_id: uuid.UUID
    acted_on: date
    kind: str
    value_vnd: int | None
    partner: str | None
    description: str | None
    created_at: datetime


class PersonRead(BaseModel):
    member_id: uuid.UUID | None
    name: str | None
    birth_year: int | None
    gender: str | None


class ConsentRead(BaseModel):
    given_on: date | None
    by: str | None
    guardian_name: str | None
    withdrawn_on: date | None


class WelfareCaseRead(BaseModel):
    id: uuid.UUID
    unit_id: uuid.UUID
    person: PersonRead
    categories: list[str]
    identified_on: date
    support_plan: str | None
    state: State
    state_reason: str | None
    closed_on: date | None
    consent: ConsentRead
    revision: int
    created_at: datetime
    updated_at: datetime


class Count(BaseModel):
    key: str
    count: int | None = Field(description="Null when fewer than 3 (withheld).")


class WelfareStats(BaseModel):
    """Cases open at some time in the year, in your scope. Counts under 3 are withheld (null) so
    that no individual can be singled out; a case counts once per category it has."""

    year: int
    total: int | None
    by_category: list[Count]
    by_unit: list[Count]
