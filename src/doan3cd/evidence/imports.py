"""Importing activities from CSV/XLSX/JSON (columns: `imports.ACTIVITIES`).

Each row becomes one activity, validated exactly like `POST /activities` (the per-kind union);
units are looked up by code a chunk at a time (one query for the units, one for duplicates).
The file's columns map onto the kinds' fields as follows: `participants` is also a branch
meeting's attendance, `reference` an advisory document's document_ref (and the attachment of any
other kind), and for a dialogue `partner` lists the leaders present, separated by ";".

- `strategy`: "skip_duplicates" (default) reports a row equal to an existing activity, or to an
  earlier row, of the same unit, kind, date and title as `unchanged`; "create_all" creates it.
- `atomic`: any row in error means nothing is written (the report still says what each row
  would have done); otherwise the good rows land and the others are reported.
- `dry_run`: validate and report, write nothing.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from pydantic import ValidationError
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd.audit.service import record
from doan3cd.auth.permissions import Permission
from doan3cd.auth.principal import Principal
from doan3cd.clock import today
from doan3cd.domain.facts import ACTIVITY_KINDS
from doan3cd.evidence.schemas import ACTIVITY_CREATE
from doan3cd.evidence.scope import covers
from doan3cd.evidence.service import BRANCH_KINDS, RESOURCE, column_values
from doan3cd.imports import ACTIVITIES, RowReader, SourceRow
from doan3cd.models.evidence import Activity
from doan3cd.models.unit import Unit, UnitVersion
from doan3cd.sync.changes import record_change

Strategy = Literal["skip_duplicates", "create_all"]
Action = Literal["create", "unchanged", "error"]
RESOURCE_NAME = ACTIVITIES.name

MESSAGES: dict[str, tuple[str, str]] = {
    "unit_not_found": (
        "Không tìm thấy đơn vị (hoặc ngoài phạm vi của bạn).",
        "Unknown unit (or outside your scope).",
    ),
    "unit_closed": ("Đơn vị đã giải thể trước ngày này.", "The unit had closed by that date."),
    "unit_not_in_force": (
        "Đơn vị chưa được thành lập vào ngày này.",
        "The unit did not exist yet on that date.",
    ),
    "activity_kind_unknown": ("Loại hoạt động không hợp lệ.", "Unknown activity kind."),
    "activity_unit_not_branch": (
        "Sinh hoạt chi đoàn phải ghi cho một chi đoàn.",
        "A branch meeting needs a branch.",
    ),
}


@dataclass(frozen=True, slots=True)
class ImportIssue:
    row: int
    column: str | None
    code: str
    message_vi: str
    message_en: str


@dataclass(slots=True)
class RowOutcome:
    row: int
    action: Action
    id: uuid.UUID | None = None
    errors: list[ImportIssue] = field(default_factory=list)


@dataclass(slots=True)
class ImportReport:
    resource: str
    dry_run: bool
    atomic: bool
    written: bool = False
    rows: list[RowOutcome] = field(default_factory=list)

    def count(self, action: Action) -> int:
        return sum(1 for row in self.rows if row.action == action)


@dataclass(frozen=True, slots=True)
class _Unit:
    id: uuid.UUID
    path: str
    versions: tuple[tuple[date, date | None, str], ...]  # valid_from, valid_to, kind


def _issue(
    row: int, column: str | None, code: str, vi: str | None = None, en: str | None = None
) -> ImportIssue:
    default_vi, default_en = MESSAGES.get(code, (code, code))
    return ImportIssue(row, column, code, vi or default_vi, en or default_en)


async def _units(session: AsyncSession, codes: Iterable[str]) -> dict[str, _Unit]:
    """Units by code with every version (one query); scope path = today's (or last) version."""
    rows = await session.execute(
        select(
            Unit.code,
            Unit.id,
            UnitVersion.path,
            UnitVersion.valid_from,
            UnitVersion.valid_to,
            UnitVersion.kind,
        )
        .join(UnitVersion, UnitVersion.unit_id == Unit.id)
        .where(Unit.code.in_(sorted(set(codes))))
        .order_by(Unit.code, UnitVersion.valid_from)
    )
    grouped: dict[str, list[Any]] = {}
    for row in rows:
        grouped.setdefault(row.code, []).append(row)
    result = {}
    for code, versions in grouped.items():
        current = [v for v in versions if v.valid_from <= today()] or versions[:1]
        result[code] = _Unit(
            versions[0].id,
            current[-1].path,
            tuple((v.valid_from, v.valid_to, v.kind) for v in versions),
        )
    return result


def _kind_on(unit: _Unit, on: date) -> tuple[str | None, str | None]:
    """(kind on `on`, refusal code) for a unit's versions."""
    for valid_from, valid_to, kind in unit.versions:
        if valid_from <= on and (valid_to is None or on < valid_to):
            return kind, None
    last_to = unit.versions[-1][1]
    return None, "unit_closed" if last_to is not None and on >= last_to else "unit_not_in_force"


def _body(values: dict[str, Any], unit: _Unit) -> dict[str, Any]:
    """The file's row as a create body for its kind."""
    kind = values.get("kind")
    reference = values.get("reference")
    body: dict[str, Any] = {
        "kind": kind,
        "unit_id": unit.id,
        "occurred_on": values.get("occurred_on"),
        "title": values.get("title"),
        "description": values.get("description"),
        "participants": values.get("participants"),
    }
    partner, value = values.get("partner"), values.get("value_vnd")
    if kind == "branch_meeting":
        body["attendance"] = values.get("participants")
    elif kind == "advisory_document":
        body["document_ref"] = reference
        reference = None
    elif kind == "dialogue":
        body["leaders_present"] = [p.strip() for p in str(partner or "").split(";") if p.strip()]
    elif kind in ("youth_project", "resource_mobilisation"):
        body["partner"], body["value_vnd"] = partner, value
    body["attachments"] = [reference] if reference else []
    return body


def _validate(
    row: SourceRow, units: dict[str, _Unit], principal: Principal
) -> tuple[list[ImportIssue], Any, _Unit | None]:
    issues = [ImportIssue(e.row, e.column, e.code, e.message_vi, e.message_en) for e in row.errors]
    values = row.values
    unit = units.get(str(values.get("unit_code") or "").strip().upper()) or units.get(
        str(values.get("unit_code") or "").strip()
    )
    if values.get("unit_code") and (
        unit is None
        or not covers(principal, Permission.evidence_read, unit.path)
        or not covers(principal, Permission.evidence_write, unit.path)
    ):
        issues.append(_issue(row.number, "unit_code", "unit_not_found"))
        unit = None
    kind = values.get("kind")
    if kind is not None and kind not in ACTIVITY_KINDS:
        issues.append(_issue(row.number, "kind", "activity_kind_unknown"))
    if issues or unit is None:
        return issues, None, None
    occurred_on = values.get("occurred_on")
    if isinstance(occurred_on, date):
        unit_kind, refusal = _kind_on(unit, occurred_on)
        if refusal:
            issues.append(_issue(row.number, "occurred_on", refusal))
        elif kind == "branch_meeting" and unit_kind not in BRANCH_KINDS:
            issues.append(_issue(row.number, "unit_code", "activity_unit_not_branch"))
    try:
        body = ACTIVITY_CREATE.validate_python(_body(values, unit))
    except ValidationError as error:
        for item in error.errors():
            column = next((str(part) for part in item["loc"][1:] if isinstance(part, str)), None)
            issues.append(_issue(row.number, column, "invalid_value", item["msg"], item["msg"]))
        return issues, None, None
    return issues, body, unit


async def import_activities(
    session: AsyncSession,
    principal: Principal,
    reader: RowReader,
    *,
    strategy: Strategy = "skip_duplicates",
    atomic: bool = True,
    dry_run: bool = False,
) -> ImportReport:
    """Validate every row, then (unless refused) insert the new activities in bulk."""
    report = ImportReport(RESOURCE_NAME, dry_run=dry_run, atomic=atomic)
    pending: list[tuple[dict[str, Any], str, list[str]]] = []
    seen: set[tuple[Any, ...]] = set()
    for chunk in reader.chunks():
        rows = chunk.rows()
        codes = {str(c).strip() for c in chunk.columns.get("unit_code", []) if c}
        units = await _units(session, codes | {c.upper() for c in codes})
        checked = [(row, *_validate(row, units, principal)) for row in rows]
        keys = [
            (b.unit_id, b.kind, b.occurred_on, b.title)
            for _, issues, b, _ in checked
            if b and not issues
        ]
        existing: set[tuple[Any, ...]] = set()
        if keys and strategy == "skip_duplicates":
            found = await session.execute(
                select(Activity.unit_id, Activity.kind, Activity.occurred_on, Activity.title).where(
                    Activity.unit_id.in_({k[0] for k in keys}),
                    Activity.occurred_on.between(min(k[2] for k in keys), max(k[2] for k in keys)),
                )
            )
            existing = {tuple(r) for r in found}
        for row, issues, body, unit in checked:
            if issues or body is None or unit is None:
                report.rows.append(RowOutcome(row.number, "error", errors=issues))
                continue
            values = column_values(body)
            key = (values["unit_id"], values["kind"], values["occurred_on"], values["title"])
            if strategy == "skip_duplicates" and (key in existing or key in seen):
                report.rows.append(RowOutcome(row.number, "unchanged"))
                continue
            seen.add(key)
            values["id"] = uuid.uuid4()
            pending.append((values, unit.path, sorted(body.model_fields_set)))
            report.rows.append(RowOutcome(row.number, "create", id=values["id"]))
    refused = atomic and any(row.action == "error" for row in report.rows)
    if dry_run or refused or not pending:
        return report
    await session.execute(insert(Activity.__table__), [values for values, _, _ in pending])  # type: ignore[arg-type]
    for values, path, fields in pending:
        record(session, principal, "create", RESOURCE, values["id"], fields=fields)
        record_change(session, RESOURCE, values["id"], "upsert", 1, unit_path=path)
    report.written = True
    return report
