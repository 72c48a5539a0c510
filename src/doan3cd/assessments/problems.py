"""Refusals of the assessment feature, each with a stable code and a bilingual message."""

from doan3cd.api.i18n import Text
from doan3cd.api.problems import FieldError, ProblemError


def not_found(what: str, vi: str) -> ProblemError:
    return ProblemError(
        404,
        f"{what}_not_found",
        Text(f"Không tìm thấy {vi}.", f"{what.replace('_', ' ')} not found."),
    )


def period_locked() -> ProblemError:
    return ProblemError(
        409,
        "period_locked",
        Text(
            "Năm đánh giá của đơn vị đã có quyết định công nhận; số liệu bị khóa cho đến khi "
            "quản trị viên mở lại.",
            "The unit's year has been decided; its evidence is locked until an admin reopens it.",
        ),
    )


def framework_locked() -> ProblemError:
    return ProblemError(
        409,
        "framework_locked",
        Text(
            "Phiên bản bảng tiêu chí đã được dùng cho quyết định, không thể sửa; "
            "hãy tạo phiên bản mới.",
            "A decision used this framework version; it cannot change. Create a new version.",
        ),
    )


def framework_missing(year: int) -> ProblemError:
    return ProblemError(
        422,
        "framework_missing",
        Text("Chưa có bảng tiêu chí áp dụng cho năm {year}.", "No framework covers {year}.").format(
            year=year
        ),
    )


def invalid(code: str, vi: str, en: str, errors: list[FieldError] | None = None) -> ProblemError:
    return ProblemError(422, code, Text(vi, en), errors=errors)


def conflict(code: str, vi: str, en: str) -> ProblemError:
    return ProblemError(409, code, Text(vi, en))


def forbidden(vi: str, en: str) -> ProblemError:
    return ProblemError(403, "forbidden", Text(vi, en))
