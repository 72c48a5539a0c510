"""Chunked reading for bulk loads, the errors.csv report, resource tables, flat memory."""

import csv
import io
import tracemalloc
from datetime import date
from pathlib import Path

import pytest

from doan3cd.domain.member_rules import normalize_phone
from doan3cd.imports import (
    MEMBERS,
    RESOURCES,
    Column,
    ImportFileError,
    Resource,
    RowError,
    iter_chunks,
    open_rows,
    render_errors_csv,
)
from doan3cd.imports.errors import iter_errors_csv
from doan3cd.imports.resources import header_key

HEADER = "member_code,full_name,date_of_birth,joined_on,branch_code,phone\n"


def members_csv(count: int, bad_every: int = 0) -> bytes:
    lines = [HEADER]
    for n in range(1, count + 1):
        born = "31/02/2001" if bad_every and n % bad_every == 0 else "15/06/2001"
        lines.append(f"TV{n:07d},Nguyễn Văn {n},{born},26/03/2017,CD{n % 7},09{n:08d}\n")
    return "".join(lines).encode()


def test_chunks_are_column_oriented_and_match_rows() -> None:
    data = members_csv(2500, bad_every=1000)
    with open_rows(data, MEMBERS) as reader:
        chunks = list(reader.chunks(1000))
    assert [len(chunk) for chunk in chunks] == [1000, 1000, 500]
    first = chunks[0]
    assert first.numbers[:2] == [2, 3]
    assert first.columns["date_of_birth"][0] == date(2001, 6, 15)
    names = ["member_code", "phone", "email", "date_of_birth"]
    assert next(first.tuples(names)) == ("TV0000001", "0900000001", None, date(2001, 6, 15))
    errors = [error for chunk in chunks for error in chunk.errors]
    assert [(e.row, e.column, e.code) for e in errors] == [
        (1001, "date_of_birth", "invalid_date"),
        (2001, "date_of_birth", "invalid_date"),
    ]
    with open_rows(data, MEMBERS) as reader:
        rows = list(reader)
    flat = [row for chunk in chunks for row in chunk.rows()]
    assert rows == flat
    assert rows[999].errors == (errors[0],)


def test_iter_chunks() -> None:
    assert list(iter_chunks(range(7), 3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(iter_chunks([], 3)) == []


def test_errors_csv_opens_in_excel_and_defuses_formulas() -> None:
    errors = [
        RowError(3, "date_of_birth", "invalid_date", "Ngày không hợp lệ.", "Invalid date."),
        RowError(7, None, "row_too_long", '=HYPERLINK("x")', "@SUM(1)"),
    ]
    body = render_errors_csv(errors, labels={"date_of_birth": "Ngày sinh"})
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows == [
        ["Dòng", "Cột", "Mã lỗi", "Thông báo"],
        ["3", "Ngày sinh", "invalid_date", "Ngày không hợp lệ."],
        ["7", "", "row_too_long", '\'=HYPERLINK("x")'],
    ]
    english = list(
        csv.reader(io.StringIO(render_errors_csv(errors, lang="en").decode("utf-8-sig")))
    )
    assert english[0] == ["Row", "Column", "Code", "Message"]
    assert english[1][1] == "date_of_birth" and english[2][3] == "'@SUM(1)"


def test_errors_csv_streams_in_pieces() -> None:
    errors = (RowError(n, "phone", "phone_invalid", "Sai.", "Bad.") for n in range(2, 2502))
    pieces = list(iter_errors_csv(errors))
    assert len(pieces) > 2
    assert b"".join(pieces).count(b"\r\n") == 2501


def test_row_errors_from_rules() -> None:
    with pytest.raises(ValueError) as caught:
        normalize_phone("12345")
    error = RowError.from_rule(9, caught.value.error)  # type: ignore[attr-defined]
    assert (error.row, error.column, error.code) == (9, "phone", "phone_invalid")


def test_resources_are_data() -> None:
    assert set(RESOURCES) == {"members", "activities"}
    assert header_key("Họ và tên (*)") == header_key("ho_va_ten") == "hovaten"
    assert header_key("Giá trị (VNĐ)") == header_key("Giá trị")
    assert MEMBERS.column_for("Số CCCD") is MEMBERS.column("national_id")
    assert MEMBERS.column_for("Ngày vào Đảng") is MEMBERS.column("party_admitted_on")
    assert MEMBERS.column_for("Ngày vào Đoàn") is MEMBERS.column("joined_on")
    assert MEMBERS.is_ignored("STT") and MEMBERS.column_for("Ghi chú") is None
    with pytest.raises(ValueError, match="names"):
        Resource("x", (Column("a", "Tên"), Column("b", "TÊN")), frozenset())
    with pytest.raises(ValueError, match="required"):
        Resource("x", (Column("a", "A"),), frozenset({"b"}))


def test_a_new_resource_plugs_in() -> None:
    positions = Resource(
        "positions",
        (
            Column("member_code", "Mã đoàn viên"),
            Column("title", "Chức vụ", aliases=("Chức danh",)),
            Column("started_on", "Từ ngày", "date"),
        ),
        frozenset({"member_code", "title"}),
    )
    with open_rows(
        "Mã đoàn viên;Chức danh;Từ ngày\nTV1;Bí thư;01/09/2024\n".encode(), positions
    ) as rows:
        assert [row.values for row in rows] == [
            {"member_code": "TV1", "title": "Bí thư", "started_on": date(2024, 9, 1)}
        ]
    with pytest.raises(ImportFileError):
        open_rows(b"Chi doan\nCD1\n", positions)


def test_large_file_streams_in_flat_memory(tmp_path: Path) -> None:
    """200,000 rows (~16 MB) read from disk: peak allocation stays far below the file size."""
    path = tmp_path / "members.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        out.write(HEADER)
        for n in range(1, 200_001):
            out.write(f"TV{n:07d},Nguyễn Thị Thu Hằng,15/06/2001,26/03/2017,CD{n % 97},09{n:08d}\n")
    assert path.stat().st_size > 14_000_000
    tracemalloc.start()
    try:
        count = errors = 0
        with open_rows(path, MEMBERS) as reader:
            for chunk in reader.chunks(5000):
                count += sum(1 for _ in chunk.tuples(["member_code", "full_name", "phone"]))
                errors += len(chunk.errors)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (count, errors) == (200_000, 0)
    assert peak < 20 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"
