"""Unit kinds and the configurable rules saying which kind may sit under which."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class UnitKind(StrEnum):
    central = "central"  # Trung ương Đoàn
    province = "province"  # Tỉnh đoàn / Thành đoàn
    district = "district"  # Huyện/Thị/Thành đoàn, Quận đoàn (abolished 1/7/2025)
    affiliated = "affiliated"  # Đoàn trực thuộc
    grassroots = "grassroots"  # Đoàn cơ sở
    grassroots_branch = "grassroots_branch"  # Chi đoàn cơ sở
    branch_group = "branch_group"  # Liên chi đoàn
    branch = "branch"  # Chi đoàn


@dataclass(frozen=True, slots=True)
class KindRule:
    parent_kind: str
    child_kind: str
    valid_from: date
    valid_to: date | None

    def applies_on(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on < self.valid_to)


def kind_allowed(rules: Iterable[KindRule], parent_kind: str, child_kind: str, on: date) -> bool:
    """Whether a `child_kind` unit may sit under a `parent_kind` unit on `on`."""
    return any(
        r.parent_kind == parent_kind and r.child_kind == child_kind and r.applies_on(on)
        for r in rules
    )
