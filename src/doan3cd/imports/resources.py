"""The columns each importable resource accepts, as data: names, value kinds, header aliases.

Header labels match accent-, case- and punctuation-insensitively, and a parenthesised note is
ignored: "Họ và tên (*)", "HO VA TEN", "họ_và_tên" and "full name" all name `full_name`.
Adding a resource is adding a `Resource` to `RESOURCES`.
"""

import re
from dataclasses import dataclass, field
from typing import Literal

from doan3cd.domain.text import fold

Kind = Literal["text", "date", "int"]

_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_PARENTHESISED = re.compile(r"\([^)]*\)")


def header_key(label: str) -> str:
    key = _NOT_ALNUM.sub("", fold(_PARENTHESISED.sub(" ", label)))
    return key or _NOT_ALNUM.sub("", fold(label))


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    label_vi: str
    kind: Kind = "text"
    aliases: tuple[str, ...] = ()
    max_length: int | None = 200


# Row-number columns every Vietnamese list starts with ("STT" = số thứ tự).
ROW_NUMBER_LABELS = ("STT", "TT", "Số TT", "Số thứ tự", "No", "No.", "#")


@dataclass(frozen=True)
class Resource:
    name: str
    columns: tuple[Column, ...]
    required: frozenset[str]
    ignored: tuple[str, ...] = ROW_NUMBER_LABELS
    _by_key: dict[str, Column] = field(init=False, repr=False, compare=False)
    _ignored_keys: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_key: dict[str, Column] = {}
        for column in self.columns:
            for label in (column.name, column.label_vi, *column.aliases):
                key = header_key(label)
                other = by_key.setdefault(key, column)
                if other is not column:
                    raise ValueError(f"{self.name}: {label!r} names {other.name} and {column.name}")
        if unknown := self.required - {c.name for c in self.columns}:
            raise ValueError(f"{self.name}: required columns {unknown} are not columns")
        object.__setattr__(self, "_by_key", by_key)
        object.__setattr__(self, "_ignored_keys", frozenset(map(header_key, self.ignored)))

    def column_for(self, label: str) -> Column | None:
        return self._by_key.get(header_key(label))

    def is_ignored(self, label: str) -> bool:
        key = header_key(label)
        return not key or key in self._ignored_keys

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


MEMBERS = Resource(
    "members",
    (
        Column("member_code", "Mã đoàn viên", aliases=("Mã ĐV", "Mã số đoàn viên", "Mã số ĐV"),
               max_length=40),
        Column("full_name", "Họ và tên", aliases=("Họ tên", "Họ và tên đoàn viên", "Name",
                                                  "Full name")),
        Column("date_of_birth", "Ngày sinh", "date", ("Ngày tháng năm sinh", "Sinh ngày",
                                                      "Birth date", "DOB")),
        Column("gender", "Giới tính", aliases=("Phái", "Sex"), max_length=20),
        Column("phone", "Số điện thoại", aliases=("Điện thoại", "SĐT", "ĐT", "Số ĐT", "Di động",
                                                  "Phone number", "Mobile"), max_length=40),
        Column("email", "Email", aliases=("E-mail", "Thư điện tử", "Địa chỉ email"),
               max_length=254),
        Column("joined_on", "Ngày vào Đoàn", "date", ("Ngày kết nạp", "Ngày kết nạp Đoàn",
                                                      "Ngày kết nạp vào Đoàn", "Joined",
                                                      "Admission date")),
        Column("card_number", "Số thẻ đoàn", aliases=("Số thẻ đoàn viên", "Thẻ đoàn",
                                                      "Số thẻ"), max_length=40),
        Column("branch_code", "Mã chi đoàn", aliases=("Chi đoàn", "Branch", "Branch code"),
               max_length=64),
        Column("external_id", "Mã định danh ngoài", aliases=("Mã ngoài", "Mã hệ thống ngoài",
                                                             "ID ngoài"), max_length=100),
        Column("source", "Mã nguồn", aliases=("Nguồn", "Hệ thống nguồn", "Nguồn dữ liệu"),
               max_length=64),
        Column("ethnicity", "Dân tộc", aliases=("Ethnic group",), max_length=64),
        Column("religion", "Tôn giáo", max_length=64),
        Column("national_id", "Số CCCD", aliases=("CCCD", "Số định danh", "Số định danh cá nhân",
                                                  "Căn cước công dân", "Số căn cước",
                                                  "Số căn cước công dân", "CMND", "Số CMND",
                                                  "CCCD/CMND", "Số CCCD/CMND"), max_length=20),
        Column("occupation", "Nghề nghiệp", aliases=("Công việc",)),
        Column("education", "Trình độ học vấn", aliases=("Học vấn", "Trình độ văn hóa",
                                                         "Trình độ")),
        Column("address", "Địa chỉ", aliases=("Nơi ở", "Nơi ở hiện nay", "Chỗ ở hiện nay"),
               max_length=500),
        Column("party_admitted_on", "Ngày vào Đảng", "date", ("Ngày kết nạp Đảng",
                                                              "Party admission date")),
        Column("status", "Trạng thái", aliases=("Tình trạng",), max_length=20),
    ),
    required=frozenset({"full_name", "date_of_birth", "joined_on", "branch_code"}),
)  # fmt: skip

ACTIVITIES = Resource(
    "activities",
    (
        Column("unit_code", "Mã đơn vị", aliases=("Đơn vị", "Mã tổ chức", "Unit"), max_length=64),
        Column("kind", "Loại hoạt động", aliases=("Loại", "Hình thức"), max_length=64),
        Column("occurred_on", "Ngày", "date", ("Ngày tổ chức", "Ngày thực hiện",
                                               "Ngày diễn ra", "Date")),
        Column("title", "Tên hoạt động", aliases=("Tiêu đề", "Hoạt động", "Name"),
               max_length=300),
        Column("description", "Mô tả", aliases=("Nội dung",), max_length=5000),
        Column("participants", "Số người tham gia", "int", ("Số lượng tham gia",
                                                            "Số người", "Số lượt tham gia")),
        Column("value_vnd", "Giá trị (VNĐ)", "int", ("Giá trị", "Kinh phí", "Trị giá",
                                                     "Value")),
        Column("partner", "Đối tác", aliases=("Đơn vị phối hợp", "Nhà tài trợ")),
        Column("reference", "Tài liệu", aliases=("Đường dẫn", "Minh chứng", "Link", "URL"),
               max_length=1000),
        Column("external_id", "Mã định danh ngoài", aliases=("Mã ngoài",), max_length=100),
        Column("source", "Mã nguồn", aliases=("Nguồn",), max_length=64),
    ),
    required=frozenset({"unit_code", "kind", "occurred_on", "title"}),
)  # fmt: skip

RESOURCES = {resource.name: resource for resource in (MEMBERS, ACTIVITIES)}
