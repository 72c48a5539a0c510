"""The refusals of the evidence feature, each with a stable code and a bilingual message."""

import uuid

from doan3cd.api.i18n import Text
from doan3cd.api.problems import FieldError, ProblemError


def activity_not_found(activity_id: uuid.UUID) -> ProblemError:
    return ProblemError(
        404,
        "activity_not_found",
        Text(f"Không tìm thấy hoạt động {activity_id}.", f"Activity {activity_id} not found."),
    )


def plan_not_found(plan_id: uuid.UUID) -> ProblemError:
    return ProblemError(
        404,
        "plan_not_found",
        Text(f"Không tìm thấy kế hoạch {plan_id}.", f"Plan {plan_id} not found."),
    )


def unit_not_branch() -> ProblemError:
    return ProblemError(
        422,
        "activity_unit_not_branch",
        Text(
            "Sinh hoạt chi đoàn phải được ghi cho một chi đoàn.",
            "A branch meeting must be recorded against a branch (chi đoàn).",
        ),
        errors=[
            FieldError(loc=["body", "unit_id"], code="unit_not_branch", message="not a branch")
        ],
    )


def plan_item_invalid() -> ProblemError:
    return ProblemError(
        422,
        "plan_item_not_found",
        Text(
            "Không tìm thấy mục kế hoạch này trong kế hoạch của đơn vị hoặc cấp trên.",
            "No such plan item in a plan of this unit or a unit above it.",
        ),
        errors=[
            FieldError(loc=["body", "plan_item_id"], code="plan_item_not_found", message="unknown")
        ],
    )


def kind_immutable() -> ProblemError:
    return ProblemError(
        422,
        "activity_kind_immutable",
        Text(
            "Không thể đổi loại hoạt động; hãy xoá và tạo hoạt động mới.",
            "An activity's kind cannot change; delete it and create a new one.",
        ),
    )


def already_reviewed(state: str) -> ProblemError:
    return ProblemError(
        409,
        "activity_already_reviewed",
        Text(
            "Hoạt động đã được thẩm định ({state}); chỉ thẩm định hoạt động đang chờ.",
            "The activity was already reviewed ({state}); only submitted ones can be reviewed.",
        ).format(state=state),
    )


def verify_own_unit() -> ProblemError:
    return ProblemError(
        403,
        "verify_own_unit",
        Text(
            "Chỉ cấp trên của đơn vị mới được thẩm định minh chứng của đơn vị.",
            "Only a reviewer at a level above the unit may verify its evidence.",
        ),
    )


def activity_verified() -> ProblemError:
    return ProblemError(
        409,
        "activity_verified",
        Text(
            "Không thể xoá hoạt động đã được thẩm định.",
            "A verified activity cannot be deleted.",
        ),
    )
