"""Request and response bodies of /members and /transfers.

Inputs take raw strings: the service normalises them (names NFC, phones E.164, …) and answers
one 422 listing every field problem with a stable code, rather than stopping at the first.
"""

import uuid
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Long = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
Note = Annotated[str, StringConstraints(max_length=4000)]
MemberStatus = Literal["active", "transferring", "matured", "removed", "expelled", "deceased"]
YearMonth = Annotated[str, StringConstraints(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
SetStatus = Literal["active", "removed", "expelled", "deceased"]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ExternalId(_Input):
    source: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    external_id: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)
    ]


class Sensitive(_Input):
    """Sensitive personal data: read and written only with members:sensitive, reads audited."""

    ethnicity: Short | None = None
    religion: Short | None = None
    national_id: Short | None = Field(default=None, description="CCCD (12 digits) or CMND (9).")


class _MemberFields(_Input):
    gender: str | None = Field(default=None, description="male/female/other or nam/nữ/khác.")
    phone: str | None = Field(default=None, description="Normalised to E.164 (+84…).")
    email: str | None = None
    address: Long | None = None
    occupation: Short | None = None
    education: Short | None = None
    member_code: str | None = Field(default=None, description="Unique when present.")
    card_number: Annotated[str, StringConstraints(strip_whitespace=True, max_length=32)] | None = (
        None
    )
    joined_on: date | None = Field(default=None, description="Admission date (age 16–30).")
    party_admitted_on: date | None = None
    is_cadre: bool | None = None
    sensitive: Sensitive | None = None


class MemberCreate(_MemberFields):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "full_name": "Nguyễn Văn An",
                    "date_of_birth": "2000-05-17",
                    "gender": "nam",
                    "phone": "0912 345 678",
                    "member_code": "TV0000001",
                    "joined_on": "2017-03-26",
                    "branch_id": "6f1c2d3e-0000-4000-8000-000000000001",
                    "external_ids": [{"source": "yum", "external_id": "YUM-123"}],
                }
            ]
        }
    )

    full_name: str
    date_of_birth: date
    branch_id: uuid.UUID = Field(description="A Chi đoàn (branch or grassroots branch) open today.")
    external_ids: list[ExternalId] = Field(default_factory=list, max_length=20)


class MemberUpdate(_MemberFields):
    """Merge-patch: only the fields sent change; null clears an optional field. The branch
    changes through a transfer, the status through POST /members/{id}/status."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"phone": "0987654321", "occupation": "Giáo viên"}]}
    )

    full_name: str | None = None
    date_of_birth: date | None = None


class StatusChange(_Input):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"status": "removed", "effective_on": "2025-01-15", "reason": "Tự xin ra"}]
        }
    )

    status: SetStatus
    effective_on: date | None = Field(default=None, description="Default: today.")
    reason: Note | None = None


class ExternalIdRead(BaseModel):
    source: str
    external_id: str


class MemberRead(BaseModel):
    id: uuid.UUID
    full_name: str
    date_of_birth: date
    gender: str | None
    phone: str | None
    email: str | None
    address: str | None
    occupation: str | None
    education: str | None
    member_code: str | None
    card_number: str | None
    joined_on: date | None
    branch_id: uuid.UUID
    status: MemberStatus
    status_changed_on: date | None
    party_admitted_on: date | None
    is_cadre: bool
    external_ids: list[ExternalIdRead]
    revision: int = Field(description="Increases with every change to the member.")


class MemberSensitiveRead(MemberRead):
    """A member read by a caller holding members:sensitive over its unit (the read is audited).
    Other callers get `MemberRead`, without the `sensitive` key at all."""

    sensitive: Sensitive


MemberOut = MemberSensitiveRead | MemberRead


class MaturityRequest(_Input):
    model_config = ConfigDict(json_schema_extra={"examples": [{"as_of": "2025-12-31"}]})

    as_of: date | None = Field(default=None, description="Default: today.")
    dry_run: bool = True


class MaturityRow(BaseModel):
    id: uuid.UUID
    full_name: str
    member_code: str | None
    branch_id: uuid.UUID
    age: int
    is_cadre: bool


class MaturityReport(BaseModel):
    as_of: date
    dry_run: bool
    count: int
    items: list[MaturityRow]


class TransferCreate(_Input):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "to_branch_id": "6f1c2d3e-0000-4000-8000-000000000002",
                    "requested_on": "2025-03-01",
                    "dues_paid_until": "2025-02",
                }
            ]
        }
    )

    to_branch_id: uuid.UUID
    requested_on: date | None = Field(default=None, description="Default: today.")
    note: Note | None = None
    dues_paid_until: (
        Annotated[str, StringConstraints(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")] | None
    ) = None


class TransferStep(_Input):
    model_config = ConfigDict(json_schema_extra={"examples": [{"on": "2025-03-05"}]})

    on: date | None = Field(default=None, description="Default: today.")


class TransferReject(TransferStep):
    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": "Sai chi đoàn"}]})

    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]


TransferState = Literal["requested", "sent", "received", "rejected"]


class TransferRead(BaseModel):
    id: uuid.UUID
    member_id: uuid.UUID
    from_branch_id: uuid.UUID
    to_branch_id: uuid.UUID
    state: TransferState
    requested_on: date
    sent_on: date | None
    completed_on: date | None
    rejected_reason: str | None
    dues_paid_until: str | None
    note: str | None
    revision: int


PositionCode = Literal[
    "secretary",
    "deputy_secretary",
    "standing_committee",
    "executive_committee",
    "inspection_chair",
    "inspection_member",
]
POSITION_CODES_DOC = (
    "`secretary` Bí thư, `deputy_secretary` Phó Bí thư, `standing_committee` Ủy viên Ban "
    "Thường vụ, `executive_committee` Ủy viên Ban Chấp hành, `inspection_chair` Chủ nhiệm Ủy ban "
    "Kiểm tra, `inspection_member` Ủy viên Ủy ban Kiểm tra."
)


class PositionCreate(_Input):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "position": "secretary",
                    "unit_id": "6f1c2d3e-0000-4000-8000-000000000001",
                    "started_on": "2024-09-15",
                }
            ]
        }
    )

    position: PositionCode = Field(description=POSITION_CODES_DOC)
    unit_id: uuid.UUID = Field(description="The member's branch or a unit above it.")
    started_on: date
    ended_on: date | None = Field(
        default=None, description="First day no longer held; absent while the position is held."
    )


class PositionEnd(_Input):
    model_config = ConfigDict(json_schema_extra={"examples": [{"ended_on": "2025-10-01"}]})

    ended_on: date | None = Field(default=None, description="Default: today.")


class PositionRead(BaseModel):
    id: uuid.UUID
    member_id: uuid.UUID
    unit_id: uuid.UUID
    position: PositionCode
    label: str = Field(description="The position's Vietnamese title, e.g. Bí thư.")
    label_en: str
    started_on: date
    ended_on: date | None
