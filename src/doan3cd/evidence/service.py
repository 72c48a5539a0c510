"""Activity use cases: record, edit, delete, list, and the upper level's verification.

Every query is narrowed by the caller's scope over the activity's unit (its path in today's tree);
an activity outside it is missing (404). Edits send a verified or rejected activity back to
`submitted`: the upper level must look at it again.
"""

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd.api.i18n import Text
from doan3cd.api.pagination import PageParams, keyset_page
from doan3cd.api.problems import FieldError, ProblemError
from doan3cd.assessments.locks import ensure_periods_open
from doan3cd.audit.service import record
from doan3cd.auth.permissions import Permission
from doan3cd.auth.principal import Principal
from doan3cd.db.types import utcnow
from doan3cd.domain.hierarchy import is_within
from doan3cd.domain.text import nfc
from doan3cd.evidence import problems
from doan3cd.evidence.schemas import (
    ACTIVITY_CREATE,
    ACTIVITY_READ,
    PROMOTED,
    ActivityCommon,
    ActivityCreate,
    ActivityRead,
    ActivityUpdate,
)
from doan3cd.evidence.scope import (
    UnitOn,
    covers,
    covers_strictly,
    forbidden,
    scope_path,
    unit_for_write,
    visible,
    within_clause,
)
from doan3cd.models.evidence import Activity, Plan, PlanItem
from doan3cd.sync.changes import record_change

RESOURCE = "activities"
BRANCH_KINDS = frozenset({"branch", "grassroots_branch"})
COMMON = frozenset(ActivityCommon.model_fields) | {"kind"}
READ = Permission.evidence_read
WRITE = Permission.evidence_write
VERIFY = Permission.evidence_verify

ActivityPage = tuple[list[ActivityRead], str | None, int | None]


def read_model(a: Activity) -> ActivityRead:
    data: dict[str, Any] = dict(a.details or {})
    data.update(
        id=a.id,
        kind=a.kind,
        unit_id=a.unit_id,
        occurred_on=a.occurred_on,
        title=a.title,
        description=a.description,
        participants=a.participants,
        value_vnd=a.value_vnd,
        partner=a.partner,
        completed_on=a.completed_on,
        plan_item_id=a.plan_item_id,
        attachments=list(a.attachments or []),
        verification=a.verification,
        verified_by=a.verified_by,
        verified_at=a.verified_at,
        rejected_reason=a.rejected_reason,
        revision=a.row_version,
        created_at=a.created_at,
        updated_at=a.updated_at,
    )
    return ACTIVITY_READ.validate_python(data)


def column_values(body: BaseModel) -> dict[str, Any]:
    """Columns of an activity from a validated create body: promoted fields as columns, the
    remaining kind-specific ones in `details`."""
    data = body.model_dump()
    details = body.model_dump(mode="json", exclude=set(COMMON | set(PROMOTED)))
    return {
        "kind": data["kind"],
        "unit_id": data["unit_id"],
        "occurred_on": data["occurred_on"],
        "title": nfc(data["title"]),
        "description": nfc(data["description"]) if data["description"] else None,
        "participants": data["participants"],
        "plan_item_id": data["plan_item_id"],
        "attachments": data["attachments"],
        "value_vnd": data.get("value_vnd"),
        "partner": nfc(data["partner"]) if data.get("partner") else None,
        "completed_on": data.get("completed_on"),
        "details": details,
    }


async def _check_target(
    session: AsyncSession, principal: Principal, body: ActivityCreate
) -> UnitOn:
    unit = await unit_for_write(
        session, principal, body.unit_id, body.occurred_on, read=READ, write=WRITE
    )
    if body.kind == "branch_meeting" and unit.kind not in BRANCH_KINDS:
        raise problems.unit_not_branch()
    if body.plan_item_id is not None:
        plan_path = await session.scalar(
            select(scope_path(Plan.unit_id))
            .select_from(PlanItem)
            .join(Plan, Plan.id == PlanItem.plan_id)
            .where(PlanItem.id == body.plan_item_id)
        )
        if plan_path is None or not is_within(unit.path, plan_path):
            raise problems.plan_item_invalid()
    return unit


def _dates(activity: object) -> list[date]:
    """The dates whose year's verdict the activity counts in (a project counts when completed)."""
    dates: list[date] = [getattr(activity, "occurred_on")]  # noqa: B009 - any activity shape
    completed = getattr(activity, "completed_on", None)
    return [*dates, completed] if isinstance(completed, date) else dates


async def create_activity(
    session: AsyncSession, principal: Principal, body: ActivityCreate
) -> ActivityRead:
    unit = await _check_target(session, principal, body)
    await ensure_periods_open(session, body.unit_id, _dates(body))
    activity = Activity(id=uuid.uuid4(), **column_values(body))
    session.add(activity)
    await session.flush()
    await session.refresh(activity)
    record(session, principal, "create", RESOURCE, activity.id, fields=body.model_fields_set)
    record_change(
        session, RESOURCE, activity.id, "upsert", activity.row_version, unit_path=unit.path
    )
    return read_model(activity)


async def _load(
    session: AsyncSession,
    principal: Principal,
    activity_id: uuid.UUID,
    *,
    permissions: tuple[Permission, ...] = (READ,),
    lock: bool = False,
) -> tuple[Activity, str]:
    """The activity and its scope path, if the caller may see it with one of `permissions`."""
    stmt = select(Activity, scope_path(Activity.unit_id).label("path")).where(
        Activity.id == activity_id
    )
    if lock:
        stmt = stmt.with_for_update(of=Activity)
    row = (await session.execute(stmt)).first()
    if row is None or not any(covers(principal, p, row.path) for p in permissions):
        raise problems.activity_not_found(activity_id)
    return row.Activity, row.path


async def get_activity(
    session: AsyncSession, principal: Principal, activity_id: uuid.UUID
) -> ActivityRead:
    activity, _ = await _load(session, principal, activity_id)
    return read_model(activity)


def _invalid(error: ValidationError) -> ProblemError:
    return ProblemError(
        422,
        "validation_failed",
        Text("Dữ liệu không hợp lệ.", "The data is invalid."),
        errors=[
            FieldError(
                loc=["body", *error_item["loc"][1:]],
                code=error_item["type"],
                message=error_item["msg"],
            )
            for error_item in error.errors()
        ],
    )


def _merged(current: ActivityRead, patch: ActivityUpdate) -> ActivityCreate:
    """The activity as it would be after the merge-patch, validated like a new one."""
    input_fields = set(type(current).model_fields) & (
        COMMON | set(ActivityUpdate.model_fields) | set(PROMOTED)
    )
    data = current.model_dump(include=input_fields)
    data.update(patch.model_dump(exclude_unset=True))
    data["kind"] = current.kind
    try:
        return ACTIVITY_CREATE.validate_python(data)
    except ValidationError as error:
        raise _invalid(error) from error


async def update_activity(
    session: AsyncSession,
    principal: Principal,
    activity_id: uuid.UUID,
    patch: ActivityUpdate,
    precondition: Callable[[BaseModel], None],
) -> ActivityRead:
    activity, path = await _load(session, principal, activity_id, lock=True)
    if not covers(principal, WRITE, path):
        raise forbidden(WRITE)
    current = read_model(activity)
    precondition(current)
    merged = _merged(current, patch)
    unit = await _check_target(session, principal, merged)
    await ensure_periods_open(session, activity.unit_id, _dates(current))
    await ensure_periods_open(session, merged.unit_id, _dates(merged))
    values = column_values(merged)
    changed = sorted(k for k, v in values.items() if getattr(activity, k) != v)
    if changed:
        for key in changed:
            setattr(activity, key, values[key])
        # Changed evidence goes back to the upper level for a fresh look.
        activity.verification = "submitted"
        activity.verified_by = None
        activity.verified_at = None
        activity.rejected_reason = None
        activity.row_version += 1
        await session.flush()
        await session.refresh(activity)
        record(session, principal, "update", RESOURCE, activity.id, fields=changed)
        record_change(
            session, RESOURCE, activity.id, "upsert", activity.row_version, unit_path=unit.path
        )
    return read_model(activity)


async def delete_activity(
    session: AsyncSession,
    principal: Principal,
    activity_id: uuid.UUID,
    precondition: Callable[[BaseModel], None],
) -> None:
    activity, path = await _load(session, principal, activity_id, lock=True)
    if not covers(principal, WRITE, path):
        raise forbidden(WRITE)
    precondition(read_model(activity))
    await ensure_periods_open(session, activity.unit_id, _dates(activity))
    if activity.verification == "verified":
        raise problems.activity_verified()
    await session.delete(activity)
    await session.flush()
    record(session, principal, "delete", RESOURCE, activity_id)
    record_change(
        session, RESOURCE, activity_id, "delete", activity.row_version + 1, unit_path=path
    )


async def review_activity(
    session: AsyncSession,
    principal: Principal,
    activity_id: uuid.UUID,
    *,
    verdict: str,
    reason: str | None,
) -> ActivityRead:
    """Verify or reject: only from a level strictly above the activity's unit, only once."""
    activity, path = await _load(
        session, principal, activity_id, permissions=(READ, VERIFY), lock=True
    )
    if not covers_strictly(principal, VERIFY, path):
        raise problems.verify_own_unit() if covers(principal, VERIFY, path) else forbidden(VERIFY)
    if activity.verification != "submitted":
        raise problems.already_reviewed(activity.verification)
    await ensure_periods_open(session, activity.unit_id, _dates(activity))
    activity.verification = verdict
    activity.verified_by = principal.name
    activity.verified_at = utcnow()
    activity.rejected_reason = nfc(reason) if verdict == "rejected" and reason else None
    activity.row_version += 1
    await session.flush()
    await session.refresh(activity)
    action = "verify" if verdict == "verified" else "reject"
    record(session, principal, action, RESOURCE, activity.id, fields=["verification"])
    record_change(session, RESOURCE, activity.id, "upsert", activity.row_version, unit_path=path)
    return read_model(activity)


async def list_activities(
    session: AsyncSession,
    principal: Principal,
    page: PageParams,
    *,
    unit: uuid.UUID | None = None,
    within: uuid.UUID | None = None,
    kind: str | None = None,
    year: int | None = None,
    verification: str | None = None,
) -> ActivityPage:
    """Newest first. `within` is the unit's subtree in today's tree; a unit the caller cannot
    see simply matches nothing."""
    path = scope_path(Activity.unit_id)
    stmt: Any = select(Activity, Activity.occurred_on, Activity.id).where(
        visible(principal, READ, Activity.unit_id)
    )
    if unit is not None:
        stmt = stmt.where(Activity.unit_id == unit)
    if within is not None:
        stmt = stmt.where(await within_clause(session, within, path))
    if kind is not None:
        stmt = stmt.where(Activity.kind == kind)
    if year is not None:
        stmt = stmt.where(
            Activity.occurred_on >= date(year, 1, 1), Activity.occurred_on <= date(year, 12, 31)
        )
    if verification is not None:
        stmt = stmt.where(Activity.verification == verification)
    keys = (Activity.occurred_on.expression, Activity.id.expression)
    rows, cursor, total = await keyset_page(
        session, stmt, keys, page, descending=(True, True), cursor_types=(date, uuid.UUID)
    )
    return [read_model(row.Activity) for row in rows], cursor, total
