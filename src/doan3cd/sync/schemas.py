"""Sync request and response bodies."""

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, HttpUrl, UrlConstraints

from doan3cd.api.problems import FieldError


class ExternalId(BaseModel):
    source: str
    external_id: str


class ChangeItem(BaseModel):
    """One change. `data` is the record's CURRENT non-sensitive representation (absent for
    tombstones and for records no longer readable by the caller); apply it when `data.version`
    is newer than your copy. `left_scope`: the record moved (a member changed branch) from
    inside your scope to outside it; like a tombstone it carries no data — drop your copy."""

    seq: int
    resource: str
    id: uuid.UUID
    external_ids: list[ExternalId] = Field(default_factory=list)
    op: Literal["upsert", "delete", "left_scope"] = Field(
        description="`upsert`, `delete` (tombstone) or `left_scope` (moved out of your scope: "
        "drop it as for a tombstone; it may come back later as an upsert)."
    )
    version: int
    changed_at: datetime
    data: dict[str, Any] | None = None


class ChangePage(BaseModel):
    items: list[ChangeItem]
    next_cursor: str = Field(description="Persist it; pass it as `cursor` to continue.")
    has_more: bool = Field(description="More changes are waiting right now.")


class SnapshotPage(BaseModel):
    resource: str
    items: list[dict[str, Any]]
    next_cursor: str | None = Field(default=None, description="Next snapshot page, or null.")
    resume_cursor: str | None = Field(
        default=None,
        description="First page only: the feed cursor to follow once every page is read.",
    )


SYNC_MEMBER_FIELDS = (
    "full_name",
    "date_of_birth",
    "gender",
    "member_code",
    "joined_on",
    "card_number",
    "phone",
    "email",
    "address",
    "occupation",
    "education",
    "branch_code",
)


class MemberSyncItem(BaseModel):
    """A member as the source holds it. Fields left out are not touched; fields our side owns
    (see DOAN3CD_SYNC_FIELD_OWNERS) are only used when the member is created."""

    model_config = ConfigDict(extra="forbid")

    external_id: str = Field(min_length=1, max_length=100)
    updated_at: datetime = Field(description="The source's last-modified time of the record.")
    full_name: str | None = Field(default=None, max_length=200)
    date_of_birth: date | None = None
    gender: str | None = None
    member_code: str | None = None
    joined_on: date | None = None
    card_number: str | None = Field(default=None, max_length=32)
    phone: str | None = None
    email: str | None = Field(default=None, max_length=254)
    address: str | None = Field(default=None, max_length=500)
    occupation: str | None = Field(default=None, max_length=200)
    education: str | None = Field(default=None, max_length=200)
    branch_code: str | None = Field(default=None, description="Our unit code of the branch.")


class MemberBatch(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "source": "yum",
                "items": [
                    {
                        "external_id": "YUM-0001",
                        "updated_at": "2026-11-20T08:00:00Z",
                        "full_name": "Nguyễn Thị Mai",
                        "date_of_birth": "2004-05-01",
                        "gender": "female",
                        "joined_on": "2021-03-26",
                        "branch_code": "CD-XA-01",
                    }
                ],
            }
        },
    )

    source: str = Field(min_length=1, max_length=40, description='e.g. "yum"')
    items: list[MemberSyncItem]


class ItemProblem(BaseModel):
    status: int
    code: str
    detail: str
    errors: list[FieldError] = Field(default_factory=list)


class BatchResult(BaseModel):
    index: int
    external_id: str
    status: Literal["created", "updated", "unchanged", "stale", "error"]
    id: uuid.UUID | None = None
    version: int | None = None
    problem: ItemProblem | None = None


class BatchResponse(BaseModel):
    results: list[BatchResult]


URL_MAX = 2000  # the column's length


def _fits_the_column(url: HttpUrl) -> HttpUrl:
    # The input's limit is not enough: percent-encoding can make the stored form longer.
    if len(str(url)) > URL_MAX:
        raise ValueError(f"URL should have at most {URL_MAX} characters once encoded")
    return url


StoredUrl = Annotated[HttpUrl, UrlConstraints(max_length=URL_MAX), AfterValidator(_fits_the_column)]


class WebhookCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {"url": "https://example.org/doan3cd-hook", "resources": ["members"]}
        },
    )

    url: StoredUrl
    resources: list[Literal["members", "units"]] = Field(min_length=1)
    secret: str | None = Field(
        default=None, min_length=16, max_length=200, description="Generated when left out."
    )
    active: bool = True


class WebhookRead(BaseModel):
    id: uuid.UUID
    url: str
    resources: list[str]
    active: bool
    cursor: int = Field(description="The last change seq turned into deliveries.")
    created_at: datetime


class WebhookCreated(WebhookRead):
    secret: str = Field(description="Shown only now: verify X-Doan3cd-Signature with it.")


class DeliveryRead(BaseModel):
    id: uuid.UUID
    seq: int
    status: Literal["pending", "delivered", "failed"]
    attempts: int
    next_attempt_at: datetime
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
