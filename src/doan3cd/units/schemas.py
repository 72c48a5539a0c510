"""Request and response bodies of /units."""

import uuid
from datetime import date
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from doan3cd.domain.units import UnitKind

Code = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$"
    ),
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
ShortName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
DecisionRef = Annotated[str, StringConstraints(strip_whitespace=True, max_length=255)]
Note = Annotated[str, StringConstraints(max_length=4000)]

EFFECTIVE_ON = "Date the change takes effect (default: today in Asia/Ho_Chi_Minh)."
DRY_RUN = "Report what would change without changing anything."


class UnitRead(BaseModel):
    """A unit as it stood on one date (one of its versions)."""

    id: uuid.UUID
    code: str = Field(description="Stable business code (unique, never reused).")
    name: str
    short_name: str | None
    kind: UnitKind
    parent_id: uuid.UUID | None
    depth: int = Field(description="0 for a top-level unit.")
    valid_from: date = Field(description="First day of this version.")
    valid_to: date | None = Field(description="Day this version ended (exclusive); null if open.")
    revision: int = Field(description="Increases with every change to the unit.")


class Ancestors(BaseModel):
    """A unit's ancestors on a date, from the top-level unit down to its parent."""

    items: list[UnitRead]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class UnitCreate(_Input):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "code": "TV-TIEUCAN-HIEUTRUNG",
                    "name": "Xã đoàn Hiếu Trung",
                    "kind": "grassroots",
                    "parent_id": "6f1c2d3e-0000-4000-8000-000000000001",
                    "effective_on": "2020-01-01",
                    "decision_ref": "Quyết định 12-QĐ/ĐTN",
                }
            ]
        }
    )

    code: Code
    name: Name
    short_name: ShortName | None = None
    kind: UnitKind
    parent_id: uuid.UUID | None = Field(
        default=None, description="The parent unit; null for a top-level unit (admins only)."
    )
    effective_on: date | None = Field(default=None, description="Date the unit is established.")
    decision_ref: DecisionRef | None = None
    note: Note | None = None


class UnitUpdate(_Input):
    """Merge-patch: only the fields sent change. Name, short name and kind change as a new
    version from `effective_on`; the code changes for the whole life of the unit."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "Đoàn xã Hiếu Trung",
                    "effective_on": "2024-01-01",
                    "decision_ref": "Quyết định 45-QĐ/ĐTN",
                }
            ]
        }
    )

    code: Code | None = None
    name: Name | None = None
    short_name: ShortName | None = Field(default=None, description="null removes it.")
    kind: UnitKind | None = None
    effective_on: date | None = Field(default=None, description=EFFECTIVE_ON)
    decision_ref: DecisionRef | None = None
    note: Note | None = None

    @model_validator(mode="after")
    def _required_stay_set(self) -> Self:
        nulled = [
            f
            for f in ("code", "name", "kind")
            if f in self.model_fields_set and getattr(self, f) is None
        ]
        if nulled:
            raise ValueError(f"{', '.join(nulled)} cannot be null")
        return self


class _Reorganisation(_Input):
    effective_on: date | None = Field(default=None, description=EFFECTIVE_ON)
    decision_ref: DecisionRef | None = Field(default=None, description="Decision (quyết định).")
    note: Note | None = None
    dry_run: bool = Field(default=False, description=DRY_RUN)


class UnitMove(_Reorganisation):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "parent_id": "6f1c2d3e-0000-4000-8000-000000000002",
                    "effective_on": "2025-07-01",
                    "decision_ref": "Quyết định 101-QĐ/TWĐTN",
                    "dry_run": True,
                }
            ]
        }
    )

    parent_id: uuid.UUID = Field(description="The new parent; the whole subtree moves with it.")


class UnitMerge(_Reorganisation):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "source_ids": [
                        "6f1c2d3e-0000-4000-8000-000000000003",
                        "6f1c2d3e-0000-4000-8000-000000000004",
                    ],
                    "target_id": "6f1c2d3e-0000-4000-8000-000000000005",
                    "effective_on": "2025-07-01",
                    "decision_ref": "Nghị quyết 202/2025/QH15",
                    "dry_run": True,
                }
            ]
        }
    )

    source_ids: list[uuid.UUID] = Field(
        min_length=1,
        max_length=500,
        description="Units merged away: they close, their children move under the target.",
    )
    target_id: uuid.UUID = Field(description="The unit that continues.")


class UnitClose(_Reorganisation):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "effective_on": "2025-07-01",
                    "decision_ref": "Quyết định 7-QĐ/ĐTN",
                    "dry_run": True,
                }
            ]
        }
    )


class Successor(_Input):
    code: Code
    name: Name
    short_name: ShortName | None = None
    kind: UnitKind
    parent_id: uuid.UUID | None = Field(
        default=None, description="Default: the parent of the unit being split."
    )


class UnitSplit(_Reorganisation):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "successors": [
                        {
                            "code": "TV-CAUKE-A",
                            "name": "Xã đoàn An Phú Tân A",
                            "kind": "grassroots",
                        },
                        {
                            "code": "TV-CAUKE-B",
                            "name": "Xã đoàn An Phú Tân B",
                            "kind": "grassroots",
                        },
                    ],
                    "assignments": {
                        "6f1c2d3e-0000-4000-8000-000000000006": "TV-CAUKE-A",
                        "6f1c2d3e-0000-4000-8000-000000000007": "TV-CAUKE-B",
                    },
                    "effective_on": "2024-01-01",
                    "decision_ref": "Quyết định 9-QĐ/ĐTN",
                }
            ]
        }
    )

    successors: list[Successor] = Field(
        min_length=2, max_length=50, description="New units established in its place."
    )
    assignments: dict[uuid.UUID, Code] = Field(
        default_factory=dict,
        description="Every child unit of the split unit → the code of the successor it moves to.",
    )


UnitChangeKind = Literal["established", "moved", "carried", "closed"]


class UnitChange(BaseModel):
    """One unit whose versions a reorganisation changes."""

    unit_id: uuid.UUID
    code: str
    name: str
    change: UnitChangeKind = Field(
        description="`moved` changes parent; `carried` moves along with a moved ancestor."
    )
    parent_id_before: uuid.UUID | None
    parent_id_after: uuid.UUID | None


class ReorganisationRead(BaseModel):
    """What a reorganisation changed (or, with `dry_run`, would change)."""

    dry_run: bool
    event_id: uuid.UUID | None = Field(description="The lineage event recorded; null on a dry run.")
    kind: Literal["move", "merge", "close", "split"]
    effective_on: date
    decision_ref: str | None
    changes: list[UnitChange]
    followers: dict[str, int] = Field(
        description="Records that follow the change (e.g. members, open cases), by kind."
    )


class VersionRead(BaseModel):
    name: str
    short_name: str | None
    kind: UnitKind
    parent_id: uuid.UUID | None
    parent_code: str | None = Field(description="Absent when the parent is outside your scope.")
    parent_name: str | None
    depth: int
    valid_from: date
    valid_to: date | None
    event_id: uuid.UUID | None = Field(description="The lineage event that opened this version.")


class EventUnitRead(BaseModel):
    unit_id: uuid.UUID
    code: str
    name: str
    role: str


class EventRead(BaseModel):
    id: uuid.UUID
    kind: str
    effective_on: date
    decision_ref: str | None
    note: str | None
    details: dict[str, Any] = Field(description="Counts recorded with the event.")
    role: str = Field(
        description="This unit's part: subject, source, target, successor, moved, former_parent, "
        "or carried (moved along with an ancestor)."
    )
    units: list[EventUnitRead] = Field(
        description="The event's main participants that you may see (subjects, sources, targets, "
        "successors)."
    )


class UnitHistory(BaseModel):
    """Every version of a unit and the lineage events that shaped it, oldest first."""

    id: uuid.UUID
    code: str
    versions: list[VersionRead]
    events: list[EventRead]
