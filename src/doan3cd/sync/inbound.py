"""Inbound member batches from another system (the national membership system, YUM).

Each item is upserted by (source, external_id) in its own savepoint, so one bad item spoils only
itself. The source's `updated_at` orders its writes: an item older than what we stored is `stale`
and ignored, so replayed or out-of-order batches never overwrite newer data. Fields our side owns
(settings.sync_field_owners) are written when the member is created and never overwritten later.
"""

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from doan3cd.api.i18n import Text
from doan3cd.api.problems import FieldError, ProblemError
from doan3cd.audit.service import record
from doan3cd.auth.permissions import Permission
from doan3cd.auth.principal import Principal
from doan3cd.clock import today
from doan3cd.config import Settings
from doan3cd.domain import member_rules
from doan3cd.domain.name_order import name_sort_key
from doan3cd.domain.text import fold
from doan3cd.models.member import Member, MemberExternalId, MembershipPeriod
from doan3cd.models.unit import Unit, UnitVersion
from doan3cd.sync.changes import record_change
from doan3cd.sync.records import current_version, scope_filter
from doan3cd.sync.schemas import (
    SYNC_MEMBER_FIELDS,
    BatchResponse,
    BatchResult,
    ItemProblem,
    MemberBatch,
    MemberSyncItem,
)

NORMALIZERS: dict[str, Callable[[str, str], str]] = {
    "full_name": member_rules.normalize_name,
    "gender": member_rules.normalize_gender,
    "member_code": member_rules.normalize_member_code,
    "phone": member_rules.normalize_phone,
    "email": member_rules.normalize_email,
}
REQUIRED_ON_CREATE = ("full_name", "date_of_birth", "branch_code")


class ItemRefused(Exception):
    def __init__(self, status: int, code: str, detail: Text, errors: list[FieldError]) -> None:
        super().__init__(code)
        self.problem = (status, code, detail, errors)


def batch_too_large(limit: int) -> ProblemError:
    return ProblemError(
        413,
        "batch_too_large",
        Text(
            "Mỗi lô tối đa {limit} bản ghi; hãy chia nhỏ lô.",
            "A batch holds at most {limit} items; split it.",
        ).format(limit=limit),
    )


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _field_error(index: int, error: member_rules.RuleError, lang: str) -> FieldError:
    return FieldError(
        loc=["body", "items", index, error.field],
        pointer=f"/items/{index}/{error.field}",
        code=error.code,
        message=error.message_en if lang == "en" else error.message_vi,
    )


def _invalid(errors: list[FieldError]) -> ItemRefused:
    return ItemRefused(
        422,
        "member_invalid",
        Text("Bản ghi đoàn viên không hợp lệ.", "The member record is invalid."),
        errors,
    )


class BatchWriter:
    def __init__(
        self,
        session: AsyncSession,
        principal: Principal,
        settings: Settings,
        source: str,
        lang: str,
    ) -> None:
        self.session = session
        self.principal = principal
        self.owners = settings.sync_field_owners
        self.source = source
        self.lang = lang
        self.links: dict[str, tuple[MemberExternalId, Member]] = {}
        self.branches: dict[str, tuple[uuid.UUID, str]] = {}
        self.paths: dict[uuid.UUID, str] = {}

    async def preload(self, items: list[MemberSyncItem]) -> None:
        """Existing links and branches for the whole batch: one query each."""
        rows = await self.session.execute(
            select(MemberExternalId, Member)
            .join(Member, Member.id == MemberExternalId.member_id)
            .where(
                MemberExternalId.source == self.source,
                MemberExternalId.external_id.in_({i.external_id for i in items}),
            )
        )
        self.links = {link.external_id: (link, member) for link, member in rows}
        branch_ids = {member.branch_id for _, member in self.links.values()}
        codes = {i.branch_code for i in items if i.branch_code}
        version = aliased(UnitVersion)
        stmt = (
            select(Unit.code, Unit.id, version.path)
            .join(version, version.unit_id == Unit.id)
            .where(current_version(version, today()))
            .where(Unit.code.in_(codes) | Unit.id.in_(branch_ids))
        )
        scope = scope_filter(self.principal, Permission.sync_write, version.path.expression)
        if scope is not None:
            stmt = stmt.where(scope)
        for code, unit_id, path in await self.session.execute(stmt):
            self.branches[code] = (unit_id, path)
            self.paths[unit_id] = path

    def _values(self, index: int, item: MemberSyncItem, creating: bool) -> dict[str, Any]:
        values: dict[str, Any] = {}
        errors: list[FieldError] = []
        for name in SYNC_MEMBER_FIELDS:
            if name not in item.model_fields_set:
                continue
            if not creating and self.owners.get(name) == "local":
                continue  # ours: the source may not overwrite it
            value = getattr(item, name)
            try:
                if isinstance(value, str) and name in NORMALIZERS:
                    value = NORMALIZERS[name](value, name)
            except member_rules.RuleViolation as violation:
                errors.append(_field_error(index, violation.error, self.lang))
                continue
            if name == "branch_code" and value is not None:
                if value not in self.branches:
                    raise ItemRefused(
                        422,
                        "branch_not_found",
                        Text(
                            "Không tìm thấy chi đoàn mã {code} trong phạm vi được phép.",
                            "No branch with code {code} within your scope.",
                        ).format(code=value),
                        [],
                    )
                values["branch_id"] = self.branches[value][0]
                continue
            values[name] = value
        if errors:
            raise _invalid(errors)
        return values

    def _check(self, index: int, member: dict[str, Any]) -> None:
        errors = member_rules.check_member_dates(
            today=today(),
            date_of_birth=member.get("date_of_birth"),
            joined_on=member.get("joined_on"),
        )
        if errors:
            raise _invalid([_field_error(index, e, self.lang) for e in errors])

    async def apply(self, index: int, item: MemberSyncItem) -> BatchResult:
        updated_at = _utc(item.updated_at)
        known = self.links.get(item.external_id)
        if known is None:
            return await self._create(index, item, updated_at)
        link, member = known
        if link.source_updated_at is not None and updated_at < link.source_updated_at:
            return BatchResult(
                index=index,
                external_id=item.external_id,
                status="stale",
                id=member.id,
                version=member.row_version,
            )
        values = self._values(index, item, creating=False)
        current = {f: getattr(member, f) for f in ("date_of_birth", "joined_on")}
        self._check(index, current | values)
        changed = {k: v for k, v in values.items() if getattr(member, k) != v}
        if link.source_updated_at is None or updated_at > link.source_updated_at:
            link.source_updated_at = updated_at
        status = "unchanged"
        if changed:
            previous_path = self.paths.get(member.branch_id)
            for name, value in changed.items():
                setattr(member, name, value)
            if "full_name" in changed:
                member.name_folded = fold(member.full_name)
                member.name_sort_key = name_sort_key(member.full_name)
            member.row_version += 1
            status = "updated"
            record(self.session, self.principal, "update", "members", member.id, fields=changed)
            self._log(member, link, previous_path)
        await self.session.flush()
        return BatchResult(
            index=index,
            external_id=item.external_id,
            status=status,
            id=member.id,
            version=member.row_version,
        )

    async def _create(self, index: int, item: MemberSyncItem, updated_at: datetime) -> BatchResult:
        missing = [f for f in REQUIRED_ON_CREATE if getattr(item, f) is None]
        if missing:
            raise _invalid(
                [
                    FieldError(
                        loc=["body", "items", index, name],
                        pointer=f"/items/{index}/{name}",
                        code="field_required",
                        message=Text(
                            "Bắt buộc khi tạo đoàn viên mới.", "Required to create a member."
                        ).render(self.lang),
                    )
                    for name in missing
                ]
            )
        values = self._values(index, item, creating=True)
        self._check(index, values)
        joined_on: date | None = values.get("joined_on")
        member = Member(
            id=uuid.uuid4(),
            name_folded=fold(values["full_name"]),
            name_sort_key=name_sort_key(values["full_name"]),
            status="active",
            row_version=1,
            **values,
        )
        link = MemberExternalId(
            member_id=member.id,
            source=self.source,
            external_id=item.external_id,
            source_updated_at=updated_at,
        )
        self.session.add(member)
        await self.session.flush()
        self.session.add_all(
            [
                link,
                MembershipPeriod(
                    member_id=member.id,
                    branch_id=member.branch_id,
                    valid_from=joined_on or today(),
                    reason="import",
                ),
            ]
        )
        await self.session.flush()
        record(self.session, self.principal, "create", "members", member.id, fields=values)
        self._log(member, link)
        self.links[item.external_id] = (link, member)
        return BatchResult(
            index=index, external_id=item.external_id, status="created", id=member.id, version=1
        )

    def _log(
        self, member: Member, link: MemberExternalId, previous_path: str | None = None
    ) -> None:
        record_change(
            self.session,
            "members",
            member.id,
            "upsert",
            member.row_version,
            unit_path=self.paths.get(member.branch_id),
            external_ids=[{"source": link.source, "external_id": link.external_id}],
            previous_unit_path=previous_path,
        )


def _error(index: int, item: MemberSyncItem, refused: ItemRefused, lang: str) -> BatchResult:
    status, code, detail, errors = refused.problem
    return BatchResult(
        index=index,
        external_id=item.external_id,
        status="error",
        problem=ItemProblem(status=status, code=code, detail=detail.render(lang), errors=errors),
    )


CONFLICT = Text(
    "Bản ghi trùng với một đoàn viên khác (ví dụ mã đoàn viên đã dùng).",
    "The record conflicts with another member (e.g. a member code already in use).",
)
DUPLICATE = Text(
    "external_id này xuất hiện nhiều lần trong lô; chỉ lần đầu được xử lý.",
    "This external_id appears more than once in the batch; only the first is applied.",
)


async def upsert_members(
    session: AsyncSession, principal: Principal, settings: Settings, batch: MemberBatch, lang: str
) -> BatchResponse:
    if len(batch.items) > settings.sync_batch_max:
        raise batch_too_large(settings.sync_batch_max)
    writer = BatchWriter(session, principal, settings, batch.source, lang)
    await writer.preload(batch.items)
    results: list[BatchResult] = []
    seen: set[str] = set()
    for index, item in enumerate(batch.items):
        try:
            if item.external_id in seen:
                raise ItemRefused(409, "external_id_duplicate", DUPLICATE, [])
            seen.add(item.external_id)
            async with session.begin_nested():
                results.append(await writer.apply(index, item))
        except ItemRefused as refused:
            results.append(_error(index, item, refused, lang))
        except IntegrityError:
            conflict = ItemRefused(409, "member_conflict", CONFLICT, [])
            results.append(_error(index, item, conflict, lang))
    return BatchResponse(results=results)
