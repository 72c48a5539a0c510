"""Member field rules, table-driven."""

from datetime import date

import pytest

from doan3cd.domain.member_rules import (
    AdmissionPolicy,
    RuleViolation,
    age_on,
    check_admission_age,
    check_member_dates,
    check_not_in_future,
    normalize_email,
    normalize_gender,
    normalize_member_code,
    normalize_name,
    normalize_national_id,
    normalize_phone,
)


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("0912345678", "+84912345678"),
        ("84912345678", "+84912345678"),
        ("+84 91 234 5678", "+84912345678"),
        ("+84 (0) 91 234 5678", "+84912345678"),
        ("0084912345678", "+84912345678"),
        ("(091) 234-5678", "+84912345678"),
        ("091.234.5678", "+84912345678"),
        ("912345678", "+84912345678"),  # a numeric cell dropped the 0
        ("'0912345678", "+84912345678"),
        ("0321234567", "+84321234567"),
        ("0559876543", "+84559876543"),
        ("0701234567", "+84701234567"),
        ("0861234567", "+84861234567"),
        ("0294 3855 123", "+842943855123"),  # Trà Vinh landline
        ("024 3825 1234", "+842438251234"),  # Hà Nội landline
        ("2943855123", "+842943855123"),
        ("+84 294 3855 123", "+842943855123"),
        ("01629123456", "+84329123456"),  # renumbered in 2018: 0162 → 032
        ("0120 123 4567", "+84701234567"),
        ("+84 1629 123 456", "+84329123456"),
    ],
)
def test_phone_numbers_become_e164(raw: str, e164: str) -> None:
    assert normalize_phone(raw) == e164


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "12345",
        "0112345678",  # no mobile range starts 01 (10 digits)
        "0412345678",
        "0612345678",
        "09123456789",  # one digit too many
        "091234567",  # one too few
        "+1 202 555 0100",
        "0912 345 678 / 0987 654 321",
        "091234567x",
        "０９１２３４５６７８",  # full-width digits
        "8412345678",
    ],
)
def test_invalid_phone_numbers(raw: str) -> None:
    with pytest.raises(RuleViolation) as caught:
        normalize_phone(raw, field="mobile")
    error = caught.value.error
    assert (error.code, error.field) == ("phone_invalid", "mobile")
    assert "03" in error.message_vi and error.message_en
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("Nam", "male"),
        ("NAM", "male"),
        ("nữ", "female"),
        ("Nữ", "female"),
        ("NỮ", "female"),
        ("nu", "female"),
        ("Khác", "other"),
        ("male", "male"),
        ("Female", "female"),
        ("other", "other"),
        (" F ", "female"),
        ("M", "male"),
    ],
)
def test_gender_codes(raw: str, code: str) -> None:
    assert normalize_gender(raw) == code


@pytest.mark.parametrize("raw", ["", "x", "nam nữ", "1"])
def test_invalid_gender(raw: str) -> None:
    with pytest.raises(RuleViolation) as caught:
        normalize_gender(raw)
    assert caught.value.error.code == "gender_invalid"


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("079203001234", "079203001234"),
        ("079 203 001 234", "079203001234"),
        ("79203001234", "079203001234"),  # numeric cell dropped the leading 0
        ("001099012345", "001099012345"),
        ("096199000001", "096199000001"),
        ("361234567", "361234567"),  # CMND
        ("023456789", "023456789"),
    ],
)
def test_national_ids(raw: str, normalized: str) -> None:
    assert normalize_national_id(raw) == normalized


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "07920300123",
        "0792030012345",
        "000203001234",
        "097203001234",
        "12345678",
        "07920300123x",
    ],
)
def test_invalid_national_ids(raw: str) -> None:
    with pytest.raises(RuleViolation) as caught:
        normalize_national_id(raw)
    assert caught.value.error.code == "national_id_invalid"


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [(" tv0001 ", "TV0001"), ("084000000001", "084000000001"), ("dv-12/2024", "DV-12/2024")],
)
def test_member_codes(raw: str, normalized: str) -> None:
    assert normalize_member_code(raw) == normalized


@pytest.mark.parametrize("raw", ["", "  ", "TV 0001", "mã01", "-TV1", "X" * 41])
def test_invalid_member_codes(raw: str) -> None:
    with pytest.raises(RuleViolation) as caught:
        normalize_member_code(raw)
    assert caught.value.error.code == "member_code_invalid"


def test_emails_and_names() -> None:
    assert normalize_email(" An.Nguyen@Example.VN ") == "An.Nguyen@example.vn"
    for bad in ("an", "an@", "@x.vn", "an@x", "a b@x.vn", "a@b@c.vn"):
        with pytest.raises(RuleViolation):
            normalize_email(bad)
    assert normalize_name("  nguyễn   Văn An ") == "nguyễn Văn An"
    for bad in ("", "   ", "Nguyễn Văn 2"):
        with pytest.raises(RuleViolation) as caught:
            normalize_name(bad)
        assert caught.value.error.code == "name_invalid"


@pytest.mark.parametrize(
    ("born", "on", "age"),
    [
        (date(2000, 6, 15), date(2016, 6, 14), 15),
        (date(2000, 6, 15), date(2016, 6, 15), 16),
        (date(2000, 2, 29), date(2016, 2, 28), 15),
        (date(2000, 2, 29), date(2017, 2, 28), 16),
        (date(2000, 2, 29), date(2017, 3, 1), 17),
    ],
)
def test_age_in_completed_years(born: date, on: date, age: int) -> None:
    assert age_on(born, on) == age


@pytest.mark.parametrize(
    ("joined", "cadre", "code"),
    [
        (date(2016, 6, 14), False, "member_too_young_at_admission"),
        (date(2016, 6, 15), False, None),
        (date(2031, 6, 14), False, None),  # still 30
        (date(2031, 6, 15), False, "member_too_old_at_admission"),
        (date(2031, 6, 15), True, None),
        (date(2036, 6, 14), True, None),
        (date(2036, 6, 15), True, "member_too_old_at_admission"),
    ],
)
def test_admission_age(joined: date, cadre: bool, code: str | None) -> None:
    errors = check_admission_age(date(2000, 6, 15), joined, cadre=cadre)
    assert [e.code for e in errors] == ([code] if code else [])
    assert all(e.field == "joined_on" and e.message_vi and e.message_en for e in errors)


def test_admission_limits_are_parameters() -> None:
    policy = AdmissionPolicy(min_age=15, max_age=28, cadre_max_age=32)
    born = date(2000, 1, 1)
    assert check_admission_age(born, date(2015, 1, 1), policy) == []
    assert [e.code for e in check_admission_age(born, date(2029, 1, 1), policy)] == [
        "member_too_old_at_admission"
    ]
    assert check_admission_age(born, date(2032, 12, 31), policy, cadre=True) == []


def test_dates_not_in_future() -> None:
    today = date(2025, 6, 1)
    assert check_not_in_future(date(2025, 6, 1), today, "joined_on") == []
    assert check_not_in_future(None, today, "joined_on") == []
    (error,) = check_not_in_future(date(2025, 6, 2), today, "joined_on")
    assert (error.code, error.field) == ("date_in_future", "joined_on")


def test_member_dates_together() -> None:
    today = date(2025, 6, 1)
    assert (
        check_member_dates(today=today, date_of_birth=date(2000, 1, 1), joined_on=date(2016, 3, 26))
        == []
    )
    errors = check_member_dates(
        today=today,
        date_of_birth=date(2000, 1, 1),
        joined_on=date(2026, 1, 1),
        party_admitted_on=date(1999, 1, 1),
    )
    assert [(e.field, e.code) for e in errors] == [
        ("joined_on", "date_in_future"),
        ("party_admitted_on", "date_before_birth"),
    ]
    young = check_member_dates(
        today=today, date_of_birth=date(2005, 1, 1), joined_on=date(2020, 1, 1)
    )
    assert [e.code for e in young] == ["member_too_young_at_admission"]
