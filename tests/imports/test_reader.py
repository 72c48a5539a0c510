"""Reading uploads: encodings, delimiters, formats, headers, values and row numbers."""

import codecs
import io
import json
import unicodedata
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from doan3cd.imports import ACTIVITIES, MEMBERS, ImportFileError, SourceRow, open_rows

VI_HEADER = [
    "STT",
    "Họ và tên",
    "Ngày sinh",
    "Giới tính",
    "Ngày vào Đoàn",
    "Chi đoàn",
    "Số điện thoại",
]
VI_ROWS = [
    ["1", "Nguyễn Văn Đức", "03/04/2001", "Nam", "26/03/2017", "CD01", "0912 345 678"],
    ["2", "Trần Thị Thủy", "5/9/2003", "Nữ", "09-01-2019", "CD02", ""],
    ["3", "Lê Thị Hằng", "2004-12-31", "nữ", "1/2/2020", "CD02", "+84 91 234 5678"],
]
EXPECTED = [
    {
        "full_name": "Nguyễn Văn Đức",
        "date_of_birth": date(2001, 4, 3),
        "gender": "Nam",
        "joined_on": date(2017, 3, 26),
        "branch_code": "CD01",
        "phone": "0912 345 678",
    },
    {
        "full_name": "Trần Thị Thủy",
        "date_of_birth": date(2003, 9, 5),
        "gender": "Nữ",
        "joined_on": date(2019, 1, 9),
        "branch_code": "CD02",
        "phone": None,
    },
    {
        "full_name": "Lê Thị Hằng",
        "date_of_birth": date(2004, 12, 31),
        "gender": "nữ",
        "joined_on": date(2020, 2, 1),
        "branch_code": "CD02",
        "phone": "+84 91 234 5678",
    },
]
TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def csv_text(header: list[str], rows: list[list[str]], delimiter: str = ",") -> str:
    return "\r\n".join(delimiter.join(cells) for cells in [header, *rows]) + "\r\n"


def windows_1258(text: str) -> bytes:
    """What Excel writes as plain "CSV" on Vietnamese Windows: letters with circumflex, breve or
    horn precomposed, tone marks as combining characters (the only form cp1258 can encode)."""
    clusters: list[str] = []
    for ch in unicodedata.normalize("NFD", text):
        if unicodedata.combining(ch) and clusters:
            clusters[-1] += ch
        else:
            clusters.append(ch)
    out = []
    for cluster in clusters:
        tones = "".join(ch for ch in cluster if ch in TONE_MARKS)
        base = "".join(ch for ch in cluster if ch not in TONE_MARKS)
        out.append(unicodedata.normalize("NFC", base) + tones)
    return "".join(out).encode("cp1258")


def read(data: bytes | str | Path, **kwargs: object) -> list[SourceRow]:
    with open_rows(data, kwargs.pop("resource", MEMBERS), **kwargs) as reader:  # type: ignore[arg-type]
        return list(reader)


def values(rows: list[SourceRow]) -> list[dict[str, object]]:
    return [row.values for row in rows]


def file_error(data: bytes, **kwargs: object) -> ImportFileError:
    with pytest.raises(ImportFileError) as caught:
        read(data, **kwargs)
    return caught.value


# --- encodings and delimiters -------------------------------------------------------------


def test_utf8_with_bom_vietnamese_headers() -> None:
    data = codecs.BOM_UTF8 + csv_text(VI_HEADER, VI_ROWS).encode()
    with open_rows(data, MEMBERS) as reader:
        rows = list(reader)
        assert (reader.format, reader.encoding, reader.delimiter) == ("csv", "utf-8-sig", ",")
        assert reader.labels["full_name"] == "Họ và tên"
        assert reader.header_row == 1
    assert values(rows) == EXPECTED
    assert [row.number for row in rows] == [2, 3, 4]
    assert all(row.errors == () for row in rows)


def test_utf8_without_bom_english_headers() -> None:
    header = ["full_name", "Date of birth", "JOINED_ON", "branch code", "gender", "phone"]
    rows = [[r[1], r[2], r[4], r[5], r[3], r[6]] for r in VI_ROWS]
    got = read(csv_text(header, rows).encode())
    assert values(got) == EXPECTED


def test_windows_1258_is_decoded_and_composed() -> None:
    data = windows_1258(csv_text(VI_HEADER, VI_ROWS, ";"))
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    with open_rows(data, MEMBERS) as reader:
        rows = list(reader)
        assert reader.encoding == "cp1258"
    assert values(rows) == EXPECTED
    assert all(
        unicodedata.is_normalized("NFC", str(v)) for row in rows for v in row.values.values()
    )


def test_excel_unicode_text_is_utf16_tab_separated() -> None:
    data = csv_text(VI_HEADER, VI_ROWS, "\t").encode("utf-16")  # BOM + little endian
    assert data.startswith(codecs.BOM_UTF16_LE)
    with open_rows(data, MEMBERS, filename="export.txt") as reader:
        assert (reader.encoding, reader.delimiter) == ("utf-16", "\t")
        assert values(list(reader)) == EXPECTED


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_recognised(codec: str) -> None:
    data = csv_text(VI_HEADER, VI_ROWS, "\t").encode(codec)
    with open_rows(data, MEMBERS) as reader:
        assert reader.encoding == codec
        assert values(list(reader)) == EXPECTED


def test_encoding_can_be_given() -> None:
    data = windows_1258(csv_text(VI_HEADER, VI_ROWS))
    with open_rows(data, MEMBERS, encoding="CP1258") as reader:
        assert reader.encoding == "cp1258"
        assert values(list(reader)) == EXPECTED
    for fmt in ("csv", "json"):
        error = file_error(data, encoding="no-such-codec", format=fmt)
        assert error.code == "import_file_unreadable"


def test_a_reader_streams_once() -> None:
    with open_rows(csv_text(VI_HEADER, VI_ROWS).encode(), MEMBERS) as reader:
        assert len(list(reader)) == 3
        with pytest.raises(RuntimeError):
            list(reader)


def test_semicolons_and_excel_sep_line() -> None:
    text = csv_text(VI_HEADER, VI_ROWS, ";")
    assert values(read(text.encode())) == EXPECTED
    with open_rows(("sep=;\r\n" + text).encode(), MEMBERS) as reader:
        rows = list(reader)
        assert reader.header_row == 1
    assert [row.number for row in rows] == [2, 3, 4]


def test_quoted_fields_with_delimiters_and_newlines() -> None:
    text = (
        "Họ và tên,Ngày sinh,Ngày vào Đoàn,Chi đoàn,Địa chỉ\n"
        'Nguyễn Văn An,01/01/2000,01/01/2017,CD01,"Ấp 3, xã Hiếu Trung,\nhuyện Tiểu Cần"\n'
        "Trần Văn Bình,02/02/2000,02/02/2017,CD01,\n"
    )
    rows = read(text.encode())
    assert rows[0].values["address"] == "Ấp 3, xã Hiếu Trung, huyện Tiểu Cần"
    assert [row.number for row in rows] == [2, 3]


def test_values_are_trimmed_nfc_and_empty_is_none() -> None:
    name = unicodedata.normalize("NFD", "  Nguyễn   Văn\tAn ")
    text = (
        f"Họ tên,Ngày sinh,Ngày vào Đoàn,Chi đoàn,Email\n{name},01/01/2000,01/01/2017, CD01 ,  \n"
    )
    (row,) = read(text.encode())
    assert row.values["full_name"] == "Nguyễn Văn An"
    assert row.values["branch_code"] == "CD01"
    assert row.values["email"] is None


def test_blank_lines_count_as_rows_but_are_skipped() -> None:
    text = csv_text(VI_HEADER, [VI_ROWS[0], [], [""] * 7, VI_ROWS[1]])
    assert [row.number for row in read(text.encode())] == [2, 5]


def test_title_rows_above_the_header_are_skipped() -> None:
    text = "DANH SÁCH ĐOÀN VIÊN CHI ĐOÀN ẤP 3;;;;;;\n;;;;;;\n" + csv_text(VI_HEADER, VI_ROWS, ";")
    with open_rows(text.encode(), MEMBERS) as reader:
        rows = list(reader)
        assert reader.header_row == 3
    assert [row.number for row in rows] == [4, 5, 6]
    assert values(rows) == EXPECTED


class Pipe(io.RawIOBase):
    """A non-seekable stream with short reads, like a socket or a request body."""

    def __init__(self, data: bytes, max_read: int = 7) -> None:
        self._data = io.BytesIO(data)
        self._max_read = max_read

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        chunk = self._data.read(min(len(buffer), self._max_read))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def test_streaming_from_a_non_seekable_file_object() -> None:
    data = codecs.BOM_UTF8 + csv_text(VI_HEADER, VI_ROWS * 50).encode()
    assert len(read(io.BufferedReader(Pipe(data), 16))) == 150  # type: ignore[arg-type]


# --- dates and numbers ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("03/04/2001", date(2001, 4, 3)),
        ("3/4/2001", date(2001, 4, 3)),
        ("03-04-2001", date(2001, 4, 3)),
        ("03.04.2001", date(2001, 4, 3)),
        ("2001-04-03", date(2001, 4, 3)),
        ("2001-04-03T00:00:00", date(2001, 4, 3)),
        ("03/04/2001 00:00:00", date(2001, 4, 3)),
        ("36984", date(2001, 4, 3)),  # an Excel serial number that lost its date format
        ("29/02/2004", date(2004, 2, 29)),
    ],
)
def test_dates(text: str, expected: date) -> None:
    (row,) = read(f"Họ tên,Ngày sinh,Ngày vào Đoàn,Chi đoàn\nA B,{text},{text},CD\n".encode())
    assert row.values["date_of_birth"] == expected
    assert row.errors == ()


@pytest.mark.parametrize(
    "text",
    ["31/02/2001", "4/15/2001", "2001/04/03", "03/04/01", "hôm qua", "01/01/0201", "0", "2001"],
)
def test_invalid_dates_are_row_errors(text: str) -> None:
    header = "Họ tên,Ngày sinh,Ngày vào Đoàn,Chi đoàn\n"
    data = f"{header}A B,01/01/2000,01/01/2017,CD\nC D,{text},01/01/2017,CD\n"
    ok, bad = read(data.encode())
    assert ok.errors == ()
    (error,) = bad.errors
    assert (error.row, error.column, error.code) == (3, "date_of_birth", "invalid_date")
    assert "dd/mm/yyyy" in error.message_vi and error.message_en
    assert bad.values["date_of_birth"] is None


def test_activity_headers_and_numbers() -> None:
    text = (
        "Mã đơn vị;Loại hoạt động;Ngày;Tên hoạt động;Số người tham gia;Giá trị (VNĐ);Đối tác\n"
        "CD01;youth_project;15/03/2025;Thắp sáng đường quê;1.200;1.500.000 đ;Công ty A\n"
        "CD01;dialogue;16/03/2025;Đối thoại;45;2,000,000;\n"
        "CD02;other;17/03/2025;Khác;1,5;abc;\n"
    )
    first, second, third = read(text.encode(), resource=ACTIVITIES)
    assert first.values == {
        "unit_code": "CD01",
        "kind": "youth_project",
        "occurred_on": date(2025, 3, 15),
        "title": "Thắp sáng đường quê",
        "participants": 1200,
        "value_vnd": 1_500_000,
        "partner": "Công ty A",
    }
    assert (second.values["value_vnd"], second.values["partner"]) == (2_000_000, None)
    assert [(e.column, e.code) for e in third.errors] == [
        ("participants", "invalid_number"),
        ("value_vnd", "invalid_number"),
    ]


def test_required_values_too_long_values_and_extra_cells() -> None:
    long_name = "A" * 201
    text = (
        "Họ tên,Ngày sinh,Ngày vào Đoàn,Chi đoàn\n"
        f"{long_name},01/01/2000,01/01/2017,CD01\n"
        ",01/01/2000,,CD01\n"
        "B C,01/01/2000,01/01/2017,CD01,surprise\n"
        "D E,01/01/2000,01/01/2017,CD01,,\n"
    )
    long, empty, extra, trailing = read(text.encode())
    assert [(e.row, e.column, e.code) for e in long.errors] == [(2, "full_name", "value_too_long")]
    assert "200" in long.errors[0].message_vi
    assert [(e.column, e.code) for e in empty.errors] == [
        ("full_name", "value_required"),
        ("joined_on", "value_required"),
    ]
    assert [(e.column, e.code) for e in extra.errors] == [(None, "row_too_long")]
    assert trailing.errors == ()


def test_excel_formula_text_keeps_leading_zeros() -> None:
    text = (
        'Họ tên,Ngày sinh,Ngày vào Đoàn,Chi đoàn,SĐT\nA B,01/01/2000,01/01/2017,CD,="0912345678"\n'
    )
    assert read(text.encode())[0].values["phone"] == "0912345678"


def test_required_columns_can_be_narrowed() -> None:
    rows = read(b"member_code,phone\nTV1,0912345678\n", required={"member_code"})
    assert rows[0].values == {"member_code": "TV1", "phone": "0912345678"}


# --- headers ----------------------------------------------------------------------------------


def test_unknown_columns_are_named() -> None:
    error = file_error(csv_text([*VI_HEADER, "Ghi chú", "Sở thích"], []).encode() + b"x\n")
    assert error.code == "import_unknown_column"
    assert error.columns == ("Ghi chú", "Sở thích")
    assert "«Ghi chú»" in error.message_vi


def test_missing_required_columns_are_named() -> None:
    error = file_error(b"Ho va ten,Ngay sinh\nA,01/01/2000\n")
    assert error.code == "import_missing_column"
    assert error.columns == ("branch_code", "joined_on")
    assert "«Mã chi đoàn»" in error.message_vi and "«Ngày vào Đoàn»" in error.message_vi


def test_duplicate_columns_are_rejected() -> None:
    error = file_error(
        b"Ho ten,Ho va ten,Ngay sinh,Ngay vao Doan,Chi doan\nA,A,1/1/2000,1/1/2017,C\n"
    )
    assert error.code == "import_duplicate_column"
    assert error.columns == ("Ho ten", "Ho va ten")


def test_headers_match_without_accents_case_or_punctuation() -> None:
    header = [
        "HỌ VÀ TÊN (*)",
        "ngay_sinh",
        "Ngày vào đoàn:",
        "MÃ CHI ĐOÀN",
        "Số CCCD",
        "Số thẻ Đoàn",
    ]
    rows = read(
        csv_text(header, [["A B", "1/1/2000", "1/1/2017", "CD", "079203001234", "T1"]]).encode()
    )
    assert set(rows[0].values) == {
        "full_name",
        "date_of_birth",
        "joined_on",
        "branch_code",
        "national_id",
        "card_number",
    }


# --- XLSX -----------------------------------------------------------------------------------


def xlsx(rows: list[list[object]], title: str = "Đoàn viên") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


XLSX_ROWS: list[list[object]] = [
    ["DANH SÁCH ĐOÀN VIÊN"],
    [],
    ["STT", "Mã đoàn viên", "Họ và tên", "Ngày sinh", "Ngày vào Đoàn", "Chi đoàn", "Số điện thoại"],
    [1, 84000000001, "Nguyễn Văn Đức", date(2001, 4, 3), datetime(2017, 3, 26), "CD01", 912345678],
    [],
    [2, "TV02", "Trần Thị Thủy", "05/09/2003", 43474, "CD02", 84912345678.0],
    [3, "TV03", "Lê Văn Tám", 2003, date(2019, 1, 9), "CD02", None],
]


def test_xlsx_dates_numbers_and_row_numbers() -> None:
    with open_rows(xlsx(XLSX_ROWS), MEMBERS) as reader:
        rows = list(reader)
        assert (reader.format, reader.header_row) == ("xlsx", 3)
    assert [row.number for row in rows] == [4, 6, 7]
    assert rows[0].values == {
        "member_code": "84000000001",
        "full_name": "Nguyễn Văn Đức",
        "date_of_birth": date(2001, 4, 3),
        "joined_on": date(2017, 3, 26),
        "branch_code": "CD01",
        "phone": "912345678",
    }
    assert rows[1].values["phone"] == "84912345678"  # not 8.4912345678e10
    assert rows[1].values["date_of_birth"] == date(2003, 9, 5)
    assert rows[1].values["joined_on"] == date(2019, 1, 9)  # serial number without date format
    assert [(e.row, e.column, e.code) for e in rows[2].errors] == [  # a year, not a date
        (7, "date_of_birth", "invalid_date")
    ]


def test_xlsx_named_sheet_and_missing_sheet() -> None:
    workbook = Workbook()
    first = workbook.active
    assert first is not None
    first.append(["Ghi chú"])
    members = workbook.create_sheet("Đoàn viên")
    for row in XLSX_ROWS:
        members.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert len(read(buffer.getvalue(), sheet="Đoàn viên")) == 3
    error = file_error(buffer.getvalue(), sheet="Không có")
    assert (error.code, error.columns) == ("import_sheet_not_found", ("Không có",))


def test_xlsx_is_recognised_by_content_whatever_the_name(tmp_path: Path) -> None:
    path = tmp_path / "danh-sach.csv"
    path.write_bytes(xlsx(XLSX_ROWS))
    with open_rows(path, MEMBERS, filename=path.name) as reader:
        assert reader.format == "xlsx"
        assert len(list(reader)) == 3


def test_xlsx_from_a_non_seekable_stream() -> None:
    assert len(read(Pipe(xlsx(XLSX_ROWS), 1000))) == 3  # type: ignore[arg-type]


# --- JSON -----------------------------------------------------------------------------------


def test_json_array_of_objects() -> None:
    items = [
        {"Họ và tên": "Nguyễn Văn Đức", "Ngày sinh": "03/04/2001", "joined_on": "2017-03-26",
         "branch_code": "CD01", "phone": 912345678},
        {"Họ và tên": "Trần Thị Thủy", "Ngày sinh": "2003-09-05", "joined_on": "09/01/2019",
         "branch_code": "CD02"},
        {"Họ và tên": "Lê Hằng", "Ngày sinh": "2004-12-31", "branch_code": None, "phone": None,
         "joined_on": {"nested": True}},
    ]  # fmt: skip
    with open_rows(json.dumps(items, ensure_ascii=False).encode(), MEMBERS) as reader:
        rows = list(reader)
        assert (reader.format, reader.header_row) == ("json", None)
    assert [row.number for row in rows] == [1, 2, 3]
    assert rows[0].values["phone"] == "912345678"
    assert rows[0].values["date_of_birth"] == date(2001, 4, 3)
    assert "phone" not in rows[1].values  # not given, unlike an explicit null
    assert rows[2].values["phone"] is None
    assert [(e.column, e.code) for e in rows[2].errors] == [  # in the object's key order
        ("branch_code", "value_required"),
        ("joined_on", "invalid_date"),
    ]


def test_json_objects_missing_a_required_key() -> None:
    items = [
        {
            "full_name": "A B",
            "date_of_birth": "2000-01-01",
            "joined_on": "2017-01-01",
            "branch_code": "C",
        },
        {"full_name": "C D", "date_of_birth": "2000-01-01", "joined_on": "2017-01-01"},
    ]
    _, second = read(json.dumps(items).encode())
    assert [(e.row, e.column, e.code) for e in second.errors] == [
        (2, "branch_code", "value_required")
    ]


def test_json_streams_across_read_boundaries() -> None:
    item = {"full_name": "Nguyễn Văn An " + "x" * 50, "date_of_birth": "2000-01-01",
            "joined_on": "2017-01-01", "branch_code": "CD01", "address": "Ấp " * 40}  # fmt: skip
    data = (
        b"  \n[\n"
        + b",\n".join(json.dumps(item, ensure_ascii=False).encode() for _ in range(2000))
        + b"\n]\n"
    )
    assert len(data) > 4 * 64 * 1024
    rows = read(data)
    assert len(rows) == 2000 and rows[-1].number == 2000 and rows[-1].errors == ()


MEMBER_JSON = b'{"full_name": "A", "date_of_birth": "2000-01-01", "joined_on": "2017-01-01", ' + (
    b'"branch_code": "C"}'
)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (MEMBER_JSON, "import_json_not_array"),
        (b"[" + MEMBER_JSON + b", 5]", "import_json_not_array"),
        (b"[" + MEMBER_JSON, "import_file_unreadable"),
        (b"[" + MEMBER_JSON + b"] x", "import_file_unreadable"),
        (b"[" + MEMBER_JSON + b" " + MEMBER_JSON + b"]", "import_file_unreadable"),
        (b'[{"full_name": "A" "date_of_birth": "2000-01-01"}]', "import_file_unreadable"),
        (b"[]", "import_file_no_rows"),
        (b'[{"full_name": "A", "hobby": "x"}]', "import_unknown_column"),
    ],
)
def test_malformed_json(data: bytes, code: str) -> None:
    assert file_error(data, filename="members.json").code == code


# --- malformed files ------------------------------------------------------------------------


def test_malformed_files() -> None:
    garbage = bytes(range(256)) * 64
    assert file_error(garbage).code == "import_format_unknown"
    assert file_error(garbage, filename="ds.csv").code == "import_file_unreadable"
    assert file_error(xlsx(XLSX_ROWS)[:3000]).code == "import_file_unreadable"  # truncated zip
    assert file_error(b"PK\x03\x04 not really a zip").code == "import_file_unreadable"
    assert file_error(b"").code == "import_file_empty"
    assert file_error(codecs.BOM_UTF8 + b"\r\n  \r\n").code == "import_file_empty"
    assert file_error(xlsx([])).code == "import_file_empty"
    assert file_error(csv_text(VI_HEADER, []).encode()).code == "import_file_no_rows"
    assert file_error(xlsx([VI_HEADER, [], []])).code == "import_file_no_rows"
    assert file_error(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512)).code == (
        "import_format_unsupported"
    )
    assert file_error(b"a,b\n1,2\n", filename="old.xls").code == "import_format_unsupported"


def test_file_errors_are_bilingual_and_close_the_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    error = file_error(path)  # type: ignore[arg-type]
    assert error.message_vi == "Tệp rỗng." and error.message_en == "The file is empty."
    path.unlink()  # would fail on some platforms if the reader had left it open


def test_format_from_content_type_and_content() -> None:
    body = json.dumps([{"full_name": "A", "date_of_birth": "2000-01-01", "joined_on": "2017-01-01",
                        "branch_code": "C"}]).encode()  # fmt: skip
    with open_rows(body, MEMBERS) as reader:
        assert reader.format == "json"
    with open_rows(body, MEMBERS, content_type="application/json; charset=utf-8") as reader:
        assert reader.format == "json"
    with pytest.raises(ImportFileError) as caught:
        open_rows(body, MEMBERS, content_type="text/csv")
    assert caught.value.code == "import_unknown_column"  # read as CSV, as declared
