"""The refusals of the members feature, each with a stable code and a bilingual message."""

import uuid

from doan3cd.api.i18n import Text
from doan3cd.api.problems import ProblemError


def member_not_found(member_id: uuid.UUID) -> ProblemError:
    return ProblemError(
        404,
        "member_not_found",
        Text(f"Không tìm thấy đoàn viên {member_id}.", f"Member {member_id} not found."),
    )


def transfer_not_found(transfer_id: uuid.UUID) -> ProblemError:
    return ProblemError(
        404,
        "transfer_not_found",
        Text(f"Không tìm thấy yêu cầu chuyển sinh hoạt {transfer_id}.", "Transfer not found."),
    )


def branch_invalid(pointer: str = "/branch_id") -> ProblemError:
    return ProblemError(
        422,
        "member_branch_invalid",
        Text(
            "Đơn vị phải là một chi đoàn (chi đoàn hoặc chi đoàn cơ sở) đang hoạt động.",
            "The unit must be a branch (chi đoàn or chi đoàn cơ sở) open today.",
        ),
    )


def forbidden(permission: str) -> ProblemError:
    return ProblemError(
        403,
        "forbidden",
        Text("Bạn không có quyền {p} trên đơn vị này.", "You lack {p} over this unit.").format(
            p=permission
        ),
    )


def sensitive_forbidden() -> ProblemError:
    return ProblemError(
        403,
        "sensitive_forbidden",
        Text(
            "Bạn không có quyền members:sensitive để xem hoặc ghi dữ liệu nhạy cảm.",
            "You lack members:sensitive to read or write sensitive data.",
        ),
    )


def member_code_taken(code: str) -> ProblemError:
    return ProblemError(
        409,
        "member_code_taken",
        Text(f"Mã đoàn viên {code} đã được dùng.", f"Member code {code} is already in use."),
    )


def external_id_taken(source: str, external_id: str) -> ProblemError:
    return ProblemError(
        409,
        "external_id_taken",
        Text(
            f"Mã {source}:{external_id} đã gắn với đoàn viên khác.",
            f"{source}:{external_id} already belongs to another member.",
        ),
    )


def status_invalid(current: str, wanted: str) -> ProblemError:
    return ProblemError(
        409,
        "member_status_invalid",
        Text(
            f"Không thể chuyển trạng thái từ {current} sang {wanted}.",
            f"Cannot change status from {current} to {wanted}.",
        ),
    )


def transfer_state_invalid(state: str, action: str) -> ProblemError:
    return ProblemError(
        409,
        "transfer_state_invalid",
        Text(
            f"Không thể {action} yêu cầu chuyển sinh hoạt đang ở trạng thái {state}.",
            f"Cannot {action} a transfer in state {state}.",
        ),
    )


def erase_blocked() -> ProblemError:
    return ProblemError(
        409,
        "member_erase_blocked",
        Text(
            "Đoàn viên đang có hồ sơ giới thiệu kết nạp Đảng; không thể xoá.",
            "The member has party referrals on record and cannot be erased.",
        ),
    )


def position_not_found(position_id: uuid.UUID) -> ProblemError:
    return ProblemError(
        404,
        "position_not_found",
        Text(f"Không tìm thấy chức vụ {position_id}.", f"Position {position_id} not found."),
    )


def position_unit_invalid() -> ProblemError:
    return ProblemError(
        422,
        "position_unit_invalid",
        Text(
            "Đơn vị của chức vụ phải là chi đoàn của đoàn viên hoặc một đơn vị cấp trên của chi "
            "đoàn đó.",
            "The position's unit must be the member's branch or a unit above it.",
        ),
    )


def position_overlap(label: str) -> ProblemError:
    return ProblemError(
        409,
        "position_overlap",
        Text(
            f"Chức vụ {label} ở đơn vị này đã có người giữ trong khoảng thời gian đó.",
            f"The position {label} in this unit is already held over those dates.",
        ),
    )


def position_already_ended(ended_on: str) -> ProblemError:
    return ProblemError(
        409,
        "position_already_ended",
        Text(f"Chức vụ đã kết thúc ngày {ended_on}.", f"The position already ended on {ended_on}."),
    )
