"""Member field rules: normalisers and checks with stable error codes and bilingual messages.

Normalisers return the canonical value or raise `RuleViolation` (a ValueError, so they also work
inside Pydantic validators). Checks return a list of `RuleError`s, empty when the data is fine,
so an import can collect every problem of a row at once.
"""

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from doan3cd.domain.text import fold, nfc


@dataclass(frozen=True, slots=True)
class RuleError:
    code: str
    field: str
    message_vi: str
    message_en: str


class RuleViolation(ValueError):
    def __init__(self, error: RuleError) -> None:
        super().__init__(error.message_en)
        self.error = error


def _violation(code: str, field: str, vi: str, en: str) -> RuleViolation:
    return RuleViolation(RuleError(code, field, vi, en))


# --- phone -------------------------------------------------------------------------------

MOBILE_LEADING_DIGITS = frozenset("35789")
# Eleven-digit mobile numbers were renumbered in 2018 (prefix 01xx → 0xx); old spreadsheets still
# hold them, and the mapping is fixed by the regulator.
# fmt: off
LEGACY_MOBILE_PREFIXES = {
    "120": "70", "121": "79", "122": "77", "123": "83", "124": "84", "125": "85", "126": "76",
    "127": "81", "128": "78", "129": "82", "162": "32", "163": "33", "164": "34", "165": "35",
    "166": "36", "167": "37", "168": "38", "169": "39", "186": "56", "188": "58", "199": "59",
}
# fmt: on
_PHONE_SEPARATORS = re.compile(r"[\s.\-()]+")


def normalize_phone(raw: str, field: str = "phone") -> str:
    """A Vietnamese phone number in E.164: "(091) 234-5678" → "+84912345678".

    Mobiles have 9 national digits after the trunk 0 (03x, 05x, 07x, 08x, 09x); landlines 10
    (area code 02xx). A number typed into a numeric spreadsheet cell loses its leading 0 and is
    still understood.
    """
    digits = _PHONE_SEPARATORS.sub("", raw.strip().lstrip("'"))
    international = digits.startswith(("+", "00"))
    digits = digits.removeprefix("+").removeprefix("00")
    if digits.isdigit() and digits.isascii():
        if international:
            national = digits[2:] if digits.startswith("84") else ""
        elif digits.startswith("0"):
            national = digits[1:]
        elif len(digits) in (11, 12, 13) and digits.startswith("84"):
            national = digits[2:]
        else:
            national = digits
        if digits.startswith("84") and national.startswith("0"):  # "+84 (0)91 …"
            national = national[1:]
        if len(national) == 10 and national[:3] in LEGACY_MOBILE_PREFIXES:
            national = LEGACY_MOBILE_PREFIXES[national[:3]] + national[3:]
        if (len(national) == 9 and national[0] in MOBILE_LEADING_DIGITS) or (
            len(national) == 10 and national[0] == "2"
        ):
            return "+84" + national
    raise _violation(
        "phone_invalid",
        field,
        "Số điện thoại không hợp lệ (di động 10 số bắt đầu bằng 03, 05, 07, 08, 09 hoặc số cố "
        "định 11 số bắt đầu bằng 02).",
        "Invalid phone number (10-digit mobile starting 03, 05, 07, 08, 09, or 11-digit landline "
        "starting 02).",
    )


# --- identity ----------------------------------------------------------------------------

# fmt: off
_GENDERS = {
    "nam": "male", "male": "male", "m": "male",
    "nu": "female", "female": "female", "f": "female",
    "khac": "other", "other": "other",
}
# fmt: on
GENDERS = ("male", "female", "other")


def normalize_gender(raw: str, field: str = "gender") -> str:
    """nam/nữ/khác or male/female/other (any case, with or without accents) → canonical code."""
    code = _GENDERS.get(fold(raw))
    if code is None:
        raise _violation(
            "gender_invalid",
            field,
            "Giới tính không hợp lệ (Nam, Nữ hoặc Khác).",
            "Invalid gender (male, female or other).",
        )
    return code


def normalize_national_id(raw: str, field: str = "national_id") -> str:
    """A 12-digit citizen ID (CCCD) or a 9-digit legacy ID (CMND), digits only.

    CCCD numbers start with a province code 001–096, so they always begin with 0; an 11-digit
    number not starting with 0 is a CCCD whose leading zero a numeric spreadsheet cell dropped.
    """
    digits = "".join(raw.split())
    if digits.isascii() and digits.isdigit():
        if len(digits) == 11 and digits[0] != "0":
            digits = "0" + digits
        if len(digits) == 9 or (len(digits) == 12 and 1 <= int(digits[:3]) <= 96):
            return digits
    raise _violation(
        "national_id_invalid",
        field,
        "Số định danh không hợp lệ (CCCD 12 chữ số hoặc CMND 9 chữ số).",
        "Invalid national ID (12-digit CCCD or 9-digit CMND).",
    )


_MEMBER_CODE = re.compile(r"[A-Z0-9][A-Z0-9._/-]{0,39}")


def normalize_member_code(raw: str, field: str = "member_code") -> str:
    code = unicodedata.normalize("NFC", raw).strip().upper()
    if not _MEMBER_CODE.fullmatch(code):
        raise _violation(
            "member_code_invalid",
            field,
            "Mã đoàn viên không hợp lệ (chữ cái, chữ số và . _ / -, tối đa 40 ký tự).",
            "Invalid member code (letters, digits and . _ / -, at most 40 characters).",
        )
    return code


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")


def normalize_email(raw: str, field: str = "email") -> str:
    """Trimmed, with the domain lowercased (the local part is case-sensitive in principle)."""
    local, _, domain = raw.strip().rpartition("@")
    email = f"{local}@{domain.lower()}"
    if len(email) > 254 or not _EMAIL.fullmatch(email):
        raise _violation(
            "email_invalid", field, "Địa chỉ email không hợp lệ.", "Invalid email address."
        )
    return email


def normalize_name(raw: str, field: str = "full_name") -> str:
    name = nfc(raw)
    if not name or len(name) > 200 or any(ch.isdigit() for ch in name):
        raise _violation(
            "name_invalid",
            field,
            "Họ và tên không hợp lệ (không để trống, không chứa chữ số, tối đa 200 ký tự).",
            "Invalid name (not empty, no digits, at most 200 characters).",
        )
    return name


# --- dates -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AdmissionPolicy:
    """Age limits at admission, in completed years (Điều lệ Đoàn: from 16 to 30).

    Cadres may be admitted or kept up to `cadre_max_age`; the numbers are configuration.
    """

    min_age: int = 16
    max_age: int = 30
    cadre_max_age: int = 35


def age_on(date_of_birth: date, on: date) -> int:
    """Completed years of age on a date (a 29 February birthday counts on 1 March)."""
    before_birthday = (on.month, on.day) < (date_of_birth.month, date_of_birth.day)
    return on.year - date_of_birth.year - before_birthday


def check_not_in_future(value: date | None, today: date, field: str) -> list[RuleError]:
    if value is None or value <= today:
        return []
    return [
        RuleError(
            "date_in_future",
            field,
            "Ngày không được sau ngày hôm nay.",
            "The date cannot be later than today.",
        )
    ]


def check_admission_age(
    date_of_birth: date,
    joined_on: date,
    policy: AdmissionPolicy = AdmissionPolicy(),
    *,
    cadre: bool = False,
) -> list[RuleError]:
    age = age_on(date_of_birth, joined_on)
    max_age = policy.cadre_max_age if cadre else policy.max_age
    if age < policy.min_age:
        return [
            RuleError(
                "member_too_young_at_admission",
                "joined_on",
                f"Tuổi khi vào Đoàn ({age}) nhỏ hơn {policy.min_age}.",
                f"Age at admission ({age}) is under {policy.min_age}.",
            )
        ]
    if age > max_age:
        return [
            RuleError(
                "member_too_old_at_admission",
                "joined_on",
                f"Tuổi khi vào Đoàn ({age}) lớn hơn {max_age}.",
                f"Age at admission ({age}) is over {max_age}.",
            )
        ]
    return []


def check_member_dates(
    *,
    today: date,
    date_of_birth: date | None = None,
    joined_on: date | None = None,
    party_admitted_on: date | None = None,
    policy: AdmissionPolicy = AdmissionPolicy(),
    cadre: bool = False,
) -> list[RuleError]:
    """Every date rule of a member at once: none in the future, admission age, order of events."""
    errors = [
        *check_not_in_future(date_of_birth, today, "date_of_birth"),
        *check_not_in_future(joined_on, today, "joined_on"),
        *check_not_in_future(party_admitted_on, today, "party_admitted_on"),
    ]
    if date_of_birth is not None and joined_on is not None:
        errors += check_admission_age(date_of_birth, joined_on, policy, cadre=cadre)
    if date_of_birth and party_admitted_on and party_admitted_on <= date_of_birth:
        errors.append(
            RuleError(
                "date_before_birth",
                "party_admitted_on",
                "Ngày vào Đảng phải sau ngày sinh.",
                "The party admission date must be after the date of birth.",
            )
        )
    return errors
