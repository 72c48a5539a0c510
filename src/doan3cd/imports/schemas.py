"""Import and job representations."""

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

Action = Literal["create", "update", "unchanged", "error"]
JobState = Literal["queued", "running", "succeeded", "failed"]


class RowProblem(BaseModel):
    row: int = Field(description="Row number as the user sees it (the header is row 1).")
    column: str | None = Field(description="Field name, or null for the whole row.")
    code: str
    message: str


class RowResult(BaseModel):
    row: int
    action: Action
    changed: list[str] = Field(default_factory=list, description="Fields an update would change.")
    member_id: uuid.UUID | None = None
    errors: list[RowProblem] = Field(default_factory=list)


class JobRead(BaseModel):
    id: uuid.UUID
    resource: str
    strategy: Literal["create", "update", "upsert"]
    atomic: bool
    dry_run: bool
    state: JobState
    rows_total: int | None = Field(description="Known once the whole file has been read.")
    rows_done: int
    created: int
    updated: int
    unchanged: int
    errors: int = Field(description="Rows with at least one error.")
    error_code: str | None = Field(description="Why the job failed as a whole.")
    error_message: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    attempts: int = Field(
        description="How many times a worker started the job: above 1 when a worker stopped "
        "midway and another re-ran the job from scratch (0 for imports run in the request)."
    )
    heartbeat_at: datetime | None = Field(
        description="When the running worker last showed it is alive."
    )
    errors_csv: str = Field(description="Link to the row errors as CSV.")


class ImportReport(JobRead):
    """An import run inside the request: the job, its row errors and (dry run) per-row results."""

    problems: list[RowProblem]
    rows: list[RowResult] | None = Field(
        default=None, description="Dry run only: what would happen to each row."
    )


class RowResultPage(BaseModel):
    items: list[RowResult]
    next_after: int | None = Field(description="Pass as `after` for the next page.")
