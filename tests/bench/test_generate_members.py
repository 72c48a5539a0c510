"""The benchmark's member file generator writes files the importer accepts without errors."""

from datetime import date
from pathlib import Path

import pytest
from bench.generate_members import main

from doan3cd.domain.member_rules import check_member_dates, normalize_gender, normalize_phone
from doan3cd.imports import MEMBERS, SourceRow, open_rows


def generate(path: Path, *options: str) -> list[SourceRow]:
    assert main([*options, str(path)]) == 0
    with open_rows(path, MEMBERS) as reader:
        return list(reader)


@pytest.mark.parametrize(("name", "style"), [("m.csv", "en"), ("m.csv", "vi"), ("m.xlsx", "vi")])
def test_generated_members_import_cleanly(tmp_path: Path, name: str, style: str) -> None:
    rows = generate(tmp_path / name, "1500", "--style", style)
    assert len(rows) == 1500
    assert len({row.values["member_code"] for row in rows}) == 1500
    for row in rows:
        values = row.values
        assert row.errors == ()
        assert normalize_phone(str(values["phone"])) == values["phone"]
        assert normalize_gender(str(values["gender"])) in ("male", "female")
        born, joined = values["date_of_birth"], values["joined_on"]
        assert isinstance(born, date) and isinstance(joined, date)
        assert (
            check_member_dates(today=date(2025, 12, 31), date_of_birth=born, joined_on=joined) == []
        )


def test_same_seed_same_file(tmp_path: Path) -> None:
    first, second, other = (tmp_path / f"{n}.csv" for n in "abc")
    main(["200", str(first), "--seed", "3"])
    main(["200", str(second), "--seed", "3"])
    main(["200", str(other), "--seed", "4"])
    assert first.read_bytes() == second.read_bytes() != other.read_bytes()


def test_branch_codes_from_a_file_and_digit_codes(tmp_path: Path) -> None:
    branches = tmp_path / "branches.txt"
    branches.write_text("CD-A\n\nCD-B\n", encoding="utf-8")
    rows = generate(tmp_path / "m.csv", "300", "--branches", str(branches), "--digit-codes")
    assert {row.values["branch_code"] for row in rows} == {"CD-A", "CD-B"}
    assert all(len(str(row.values["member_code"])) == 12 for row in rows)
