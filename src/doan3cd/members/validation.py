"""Turning a member body into column values: every field problem at once, with stable codes."""

from collections.abc import Callable
from datetime import date
from typing import Any

from doan3cd.api.i18n import Text
from doan3cd.api.problems import FieldError, ProblemError
from doan3cd.domain.member_rules import (
    AdmissionPolicy,
    RuleError,
    RuleViolation,
    check_member_dates,
    normalize_email,
    normalize_gender,
    normalize_member_code,
    normalize_name,
    normalize_national_id,
    normalize_phone,
)
from doan3cd.domain.name_order import name_sort_key
from doan3cd.domain.text import fold, nfc

NORMALISERS: dict[str, Callable[[str, str], str]] = {
    "full_name": normalize_name,
    "gender": normalize_gender,
    "phone": normalize_phone,
    "email": normalize_email,
    "member_code": normalize_member_code,
    "national_id": normalize_national_id,
}
TEXT_FIELDS = ("address", "occupation", "education", "card_number", "ethnicity", "religion")
SENSITIVE_FIELDS = ("ethnicity", "religion", "national_id")


def pointer(field: str) -> str:
    return f"/sensitive/{field}" if field in SENSITIVE_FIELDS else f"/{field}"


MEMBER_INVALID = Text("Dữ liệu đoàn viên không hợp lệ.", "The member data is invalid.")


def invalid(
    errors: list[RuleError], code: str = "member_invalid", text: Text = MEMBER_INVALID
) -> ProblemError:
    return ProblemError(
        422,
        code,
        text,
        errors=[
            FieldError(
                loc=["body", *pointer(e.field).strip("/").split("/")],
                pointer=pointer(e.field),
                code=e.code,
                message=e.message_en,
            )
            for e in errors
        ],
    )


def flatten(body: dict[str, Any]) -> dict[str, Any]:
    """The sent fields with the nested `sensitive` object flattened into columns."""
    values = dict(body)
    sensitive = values.pop("sensitive", None)
    if sensitive is not None:
        values.update(sensitive)
    values.pop("external_ids", None)
    return values


def normalise(values: dict[str, Any]) -> tuple[dict[str, Any], list[RuleError]]:
    """Normalised column values (blank strings become null) and the rule errors found."""
    result: dict[str, Any] = {}
    errors: list[RuleError] = []
    for field, value in values.items():
        if isinstance(value, str):
            value = nfc(value) or None
            if value is not None and field in NORMALISERS:
                try:
                    value = NORMALISERS[field](value, field)
                except RuleViolation as violation:
                    errors.append(violation.error)
                    continue
        if field == "full_name" and value is None:
            errors.append(
                RuleError("name_invalid", field, "Họ và tên không được để trống.", "Name is empty.")
            )
            continue
        result[field] = value
    if "full_name" in result:
        result["name_folded"] = fold(result["full_name"])
        result["name_sort_key"] = name_sort_key(result["full_name"])
    return result, errors


def check_dates(
    merged: dict[str, Any], policy: AdmissionPolicy, today: date, changed: set[str]
) -> list[RuleError]:
    """Date rules over the member as it will be; only re-checked when a date field changes."""
    if not changed & {"date_of_birth", "joined_on", "party_admitted_on", "is_cadre"}:
        return []
    return check_member_dates(
        today=today,
        date_of_birth=merged.get("date_of_birth"),
        joined_on=merged.get("joined_on"),
        party_admitted_on=merged.get("party_admitted_on"),
        policy=policy,
        cadre=bool(merged.get("is_cadre")),
    )
