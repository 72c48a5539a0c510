"""The refusals of the units feature, each with a stable code and a bilingual message."""

import uuid
from datetime import date

from doan3cd.api.i18n import Text
from doan3cd.api.problems import ProblemError
from doan3cd.domain.timeline import ChangeRefused, RefusalCode


def unit_not_found(unit_id: uuid.UUID | None = None) -> ProblemError:
    suffix = f" {unit_id}" if unit_id else ""
    return ProblemError(
        404,
        "unit_not_found",
        Text(f"Không tìm thấy tổ chức Đoàn{suffix}.", f"Unit{suffix} not found."),
    )


def unit_forbidden(code: str) -> ProblemError:
    return ProblemError(
        403,
        "forbidden",
        Text(
            "Bạn không có quyền units:write trên {code} vào ngày này.",
            "You lack units:write over {code} on that date.",
        ).format(code=code),
    )


def root_forbidden() -> ProblemError:
    return ProblemError(
        403,
        "forbidden",
        Text(
            "Chỉ quản trị toàn hệ thống mới tạo được tổ chức cấp cao nhất.",
            "Only a system-wide administrator can create a top-level unit.",
        ),
    )


def code_taken(code: str) -> ProblemError:
    return ProblemError(
        409,
        "unit_code_taken",
        Text(
            "Mã {code} đã được dùng cho một tổ chức Đoàn khác.",
            "The code {code} is already used by another unit.",
        ).format(code=code),
    )


def cycle(code: str) -> ProblemError:
    return ProblemError(
        409,
        "unit_cycle",
        Text(
            "Không thể đặt {code} dưới chính nó hoặc dưới một tổ chức trực thuộc nó.",
            "{code} cannot be placed under itself or under one of its own descendants.",
        ).format(code=code),
    )


def kind_forbidden(parent_kind: str, child_kind: str, on: date) -> ProblemError:
    return ProblemError(
        422,
        "unit_parent_kind_forbidden",
        Text(
            "Cấu hình không cho phép tổ chức loại {child} trực thuộc tổ chức loại {parent} "
            "vào ngày {on}.",
            "The configuration does not allow a {child} unit under a {parent} unit on {on}.",
        ).format(child=child_kind, parent=parent_kind, on=on.isoformat()),
    )


def has_children(code: str, count: int, on: date) -> ProblemError:
    return ProblemError(
        409,
        "unit_has_children",
        Text(
            "{code} còn {count} tổ chức trực thuộc vào ngày {on}; hãy chuyển chúng đi hoặc "
            "dùng sáp nhập thay cho giải thể.",
            "{code} still has {count} child units on {on}; move them first, or merge instead "
            "of closing.",
        ).format(code=code, count=count, on=on.isoformat()),
    )


def move_noop(code: str) -> ProblemError:
    return ProblemError(
        422,
        "unit_move_noop",
        Text(
            "{code} đã trực thuộc đơn vị này vào ngày đó.",
            "{code} is already under that parent on that date.",
        ).format(code=code),
    )


def close_on_start(code: str, on: date) -> ProblemError:
    return ProblemError(
        409,
        "unit_close_on_start",
        Text(
            "{code} bắt đầu tồn tại ngày {on}; không thể giải thể ngay trong ngày đó.",
            "{code} starts on {on}; it cannot close on its first day.",
        ).format(code=code, on=on.isoformat()),
    )


def merge_invalid(detail: Text) -> ProblemError:
    return ProblemError(422, "unit_merge_invalid", detail)


def split_invalid(detail: Text) -> ProblemError:
    return ProblemError(422, "unit_split_invalid", detail)


_REFUSALS: dict[RefusalCode, tuple[int, Text]] = {
    RefusalCode.before_start: (
        409,
        Text(
            "Ngày hiệu lực {on} trước ngày {code} bắt đầu tồn tại ({reference}).",
            "The change is dated {on}, before {code} existed (from {reference}).",
        ),
    ),
    RefusalCode.closed: (
        409,
        Text(
            "{code} đã ngừng hoạt động (giải thể hoặc sáp nhập) từ ngày {reference}.",
            "{code} was closed (dissolved or merged) on {reference}.",
        ),
    ),
    RefusalCode.overlap: (
        409,
        Text(
            "Đã có thay đổi của {code} từ ngày {reference}, sau ngày {on}; phiên bản mới sẽ chồng "
            "lên phiên bản đó. Hãy ghi các thay đổi theo thứ tự thời gian.",
            "A change of {code} from {reference}, after {on}, is already recorded; a new version "
            "would overlap it. Record changes in date order.",
        ),
    ),
}


def refused(error: ChangeRefused, code: str, on: date) -> ProblemError:
    status, text = _REFUSALS[error.code]
    return ProblemError(
        status,
        error.code.value,
        text.format(code=code, on=on.isoformat(), reference=error.reference.isoformat()),
    )
