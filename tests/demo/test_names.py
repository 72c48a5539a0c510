"""Synthetic names and member facts: deterministic, realistic, valid."""

import random
import unicodedata
from collections import Counter
from datetime import date

from doan3cd.demo.names import FAMILY_NAMES, GIVEN_NAMES, MIDDLE_NAMES, random_person
from doan3cd.demo.people import random_member_dates, random_mobile
from doan3cd.domain.member_rules import check_admission_age, normalize_phone


def people(seed: int, count: int) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    return [random_person(rng) for _ in range(count)]


def test_same_seed_same_people() -> None:
    assert people(7, 500) == people(7, 500)
    assert people(7, 500) != people(8, 500)


def test_names_are_nfc_and_well_formed() -> None:
    lists = [*FAMILY_NAMES, *(n for g in GIVEN_NAMES.values() for n in g)]
    lists += [n for weights in MIDDLE_NAMES.values() for n in weights]
    assert all(unicodedata.is_normalized("NFC", name) for name in lists)
    assert all(len(GIVEN_NAMES[gender]) >= 60 for gender in ("male", "female"))
    for full_name, gender in people(1, 2000):
        parts = full_name.split(" ")
        assert 3 <= len(parts) <= 4
        assert parts[0] in FAMILY_NAMES and parts[-1] in GIVEN_NAMES[gender]
        assert all(part in MIDDLE_NAMES[gender] for part in parts[1:-1])
        assert gender != "male" or "Thị" not in parts
        assert gender != "female" or "Văn" not in parts


def test_family_names_follow_frequencies() -> None:
    sample = people(3, 20_000)
    counts = Counter(name.split(" ")[0] for name, _ in sample)
    share = {name: counts[name] / len(sample) for name in counts}
    assert 0.36 < share["Nguyễn"] < 0.43
    assert 0.09 < share["Trần"] < 0.13
    assert share["Nguyễn"] > share["Trần"] > share["Phạm"] > share["Lý"]
    assert {"Thạch", "Kim", "Sơn", "Danh", "Lâm"} <= counts.keys()
    genders = Counter(gender for _, gender in sample)
    assert 0.47 < genders["female"] / len(sample) < 0.53


def test_member_facts_pass_the_member_rules() -> None:
    rng = random.Random(5)
    as_of = date(2025, 12, 31)
    for _ in range(5000):
        born, joined = random_member_dates(rng, as_of)
        assert joined <= as_of
        assert check_admission_age(born, joined) == []
        phone = random_mobile(rng)
        assert normalize_phone(phone) == phone
