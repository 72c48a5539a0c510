"""The Trà Vinh Youth Union tree as of 2023 (demo data, names only — no personal data).

Commune-level names follow Trà Vinh's administrative units before 1/7/2025; schools, agencies and
their branches are plausible, not an official register. 169 grassroots units in all:
106 commune/ward/township unions and 24 upper-secondary schools under the 9 district-level
unions, 36 under the directly affiliated unions, and 3 directly under the province union.
"""

from dataclasses import dataclass, field
from typing import Literal

BranchStyle = Literal["hamlet", "quarter", "class", "office", "police", "faculty"]


@dataclass(frozen=True, slots=True)
class Grassroots:
    slug: str
    name: str
    branches: BranchStyle


@dataclass(frozen=True, slots=True)
class Upper:
    """A district-level or directly affiliated union and its grassroots units."""

    slug: str
    name: str
    kind: Literal["district", "affiliated"]
    grassroots: tuple[Grassroots, ...] = field(default=())


def commune(name: str) -> Grassroots:
    return Grassroots(name, f"Xã đoàn {name}", "hamlet")


def township(name: str) -> Grassroots:
    return Grassroots("TT " + name, f"Đoàn thị trấn {name}", "quarter")


def ward(number: int) -> Grassroots:
    return Grassroots(f"Phường {number}", f"Đoàn Phường {number}", "quarter")


def school(name: str) -> Grassroots:
    return Grassroots("THPT " + name, f"Đoàn trường THPT {name}", "class")


def district(slug: str, name: str, *grassroots: Grassroots) -> Upper:
    return Upper(slug, name, "district", grassroots)


DISTRICTS = (
    district(
        "TP Trà Vinh",
        "Thành Đoàn Trà Vinh",
        *(ward(n) for n in range(1, 10)),
        commune("Long Đức"),
        *map(school, ("Phạm Thái Bường", "Thành phố Trà Vinh", "Lý Tự Trọng")),
    ),
    district(
        "TX Duyên Hải",
        "Thị Đoàn Duyên Hải",
        ward(1),
        ward(2),
        *map(commune, ("Long Toàn", "Long Hữu", "Dân Thành", "Trường Long Hòa", "Hiệp Thạnh")),
        school("Thị xã Duyên Hải"),
    ),
    district(
        "Càng Long",
        "Huyện Đoàn Càng Long",
        township("Càng Long"),
        *map(
            commune,
            (
                "An Trường",
                "An Trường A",
                "Bình Phú",
                "Đại Phúc",
                "Đại Phước",
                "Đức Mỹ",
                "Huyền Hội",
                "Mỹ Cẩm",
                "Nhị Long",
                "Nhị Long Phú",
                "Phương Thạnh",
                "Tân An",
                "Tân Bình",
            ),
        ),
        *map(school, ("Càng Long", "Nguyễn Đáng", "Tân An")),
    ),
    district(
        "Cầu Kè",
        "Huyện Đoàn Cầu Kè",
        township("Cầu Kè"),
        *map(
            commune,
            (
                "An Phú Tân",
                "Châu Điền",
                "Hòa Ân",
                "Hòa Tân",
                "Ninh Thới",
                "Phong Phú",
                "Phong Thạnh",
                "Tam Ngãi",
                "Thạnh Phú",
                "Thông Hòa",
            ),
        ),
        *map(school, ("Cầu Kè", "Phong Phú")),
    ),
    district(
        "Tiểu Cần",
        "Huyện Đoàn Tiểu Cần",
        township("Tiểu Cần"),
        township("Cầu Quan"),
        *map(
            commune,
            (
                "Hiếu Trung",
                "Hiếu Tử",
                "Hùng Hòa",
                "Long Thới",
                "Phú Cần",
                "Tân Hòa",
                "Tân Hùng",
                "Tập Ngãi",
                "Ngãi Hùng",
            ),
        ),
        *map(school, ("Tiểu Cần", "Cầu Quan", "Hiếu Tử")),
    ),
    district(
        "Châu Thành",
        "Huyện Đoàn Châu Thành",
        township("Châu Thành"),
        *map(
            commune,
            (
                "Đa Lộc",
                "Hòa Lợi",
                "Hòa Minh",
                "Hòa Thuận",
                "Hưng Mỹ",
                "Long Hòa",
                "Lương Hòa",
                "Lương Hòa A",
                "Mỹ Chánh",
                "Nguyệt Hóa",
                "Phước Hảo",
                "Song Lộc",
                "Thanh Mỹ",
            ),
        ),
        *map(school, ("Châu Thành", "Hòa Minh", "Vũ Đình Liệu")),
    ),
    district(
        "Cầu Ngang",
        "Huyện Đoàn Cầu Ngang",
        township("Cầu Ngang"),
        township("Mỹ Long"),
        *map(
            commune,
            (
                "Hiệp Hòa",
                "Kim Hòa",
                "Long Sơn",
                "Mỹ Hòa",
                "Mỹ Long Bắc",
                "Mỹ Long Nam",
                "Nhị Trường",
                "Thạnh Hòa Sơn",
                "Thuận Hòa",
                "Trường Thọ",
                "Vinh Kim",
                "Hiệp Mỹ Đông",
                "Hiệp Mỹ Tây",
            ),
        ),
        *map(school, ("Cầu Ngang A", "Cầu Ngang B", "Nhị Trường")),
    ),
    district(
        "Trà Cú",
        "Huyện Đoàn Trà Cú",
        township("Trà Cú"),
        township("Định An"),
        *map(
            commune,
            (
                "An Quảng Hữu",
                "Đại An",
                "Định An",
                "Hàm Giang",
                "Hàm Tân",
                "Kim Sơn",
                "Lưu Nghiệp Anh",
                "Ngãi Xuyên",
                "Ngọc Biên",
                "Phước Hưng",
                "Tân Hiệp",
                "Tân Sơn",
                "Tập Sơn",
                "Thanh Sơn",
                "Long Hiệp",
            ),
        ),
        *map(school, ("Trà Cú", "Hàm Giang", "Đại An", "Tập Sơn")),
    ),
    district(
        "Duyên Hải",
        "Huyện Đoàn Duyên Hải",
        township("Long Thành"),
        *map(commune, ("Đôn Châu", "Đôn Xuân", "Đông Hải", "Long Khánh", "Long Vĩnh", "Ngũ Lạc")),
        *map(school, ("Long Khánh", "Ngũ Lạc")),
    ),
)

AGENCIES = (
    "Sở Văn hóa, Thể thao và Du lịch",
    "Sở Giáo dục và Đào tạo",
    "Sở Y tế",
    "Sở Tài chính",
    "Sở Nông nghiệp và Phát triển nông thôn",
    "Sở Kế hoạch và Đầu tư",
    "Sở Tư pháp",
    "Sở Tài nguyên và Môi trường",
    "Sở Giao thông vận tải",
    "Sở Lao động - Thương binh và Xã hội",
    "Sở Khoa học và Công nghệ",
    "Sở Công Thương",
    "Sở Nội vụ",
    "Sở Thông tin và Truyền thông",
    "Sở Xây dựng",
    "Văn phòng Ủy ban nhân dân tỉnh",
    "Bệnh viện Đa khoa tỉnh Trà Vinh",
    "Đài Phát thanh và Truyền hình Trà Vinh",
    "Công ty Điện lực Trà Vinh",
    "Kho bạc Nhà nước Trà Vinh",
)

POLICE_UNITS = (
    "thành phố Trà Vinh",
    "thị xã Duyên Hải",
    "huyện Càng Long",
    "huyện Cầu Kè",
    "huyện Tiểu Cần",
    "huyện Châu Thành",
    "huyện Cầu Ngang",
    "huyện Trà Cú",
    "huyện Duyên Hải",
)

FACULTIES = (
    "Kỹ thuật và Công nghệ",
    "Kinh tế, Luật",
    "Y - Dược",
    "Nông nghiệp - Thủy sản",
    "Ngôn ngữ - Văn hóa - Nghệ thuật Khmer Nam Bộ",
    "Sư phạm",
    "Hóa học ứng dụng",
)

AFFILIATED = (
    Upper(
        "Khối",
        "Đoàn Khối Cơ quan - Doanh nghiệp tỉnh",
        "affiliated",
        tuple(Grassroots(a, f"Đoàn Thanh niên {a}", "office") for a in AGENCIES),
    ),
    Upper(
        "Công an",
        "Đoàn Thanh niên Công an tỉnh Trà Vinh",
        "affiliated",
        tuple(Grassroots(p, f"Đoàn cơ sở Công an {p}", "police") for p in POLICE_UNITS),
    ),
    Upper(
        "ĐH Trà Vinh",
        "Đoàn Trường Đại học Trà Vinh",
        "affiliated",
        tuple(Grassroots(f, f"Đoàn khoa {f}", "faculty") for f in FACULTIES),
    ),
)

DIRECT_GRASSROOTS = (
    Grassroots(
        "THPT Chuyên Nguyễn Thiện Thành", "Đoàn trường THPT Chuyên Nguyễn Thiện Thành", "class"
    ),
    Grassroots("CĐ Y tế", "Đoàn Trường Cao đẳng Y tế Trà Vinh", "faculty"),
    Grassroots("CĐ Nghề", "Đoàn Trường Cao đẳng Nghề Trà Vinh", "faculty"),
)

HAMLETS = (
    "Chợ",
    "Phố",
    "Tân Lập",
    "Tân Thành",
    "Phú Hòa",
    "An Định",
    "Trung Tín",
    "Long Trị",
    "Sóc Tre",
    "Ô Đùng",
    "Đầu Giồng",
    "Cây Da",
    "Bến Có",
    "Giồng Lớn",
    "Rạch Giồng",
    "Xoài Xiêm",
    "Ba Se",
    "Mé Rạch",
    "Ngã Tư",
    "Kinh Xáng",
    "Hòa Lạc",
    "Phú Thọ",
    "Bình Hòa",
    "Trà Mềm",
    "Ô Tre",
    "Sóc Ruộng",
    "Cầu Tre",
    "Vĩnh Hưng",
    "Nhà Thờ",
    "Bãi Vàng",
)

OFFICES = ("Văn phòng", "Phòng Nghiệp vụ", "Phòng Tổ chức - Hành chính", "Phòng Kế hoạch")
POLICE_TEAMS = (
    "Đội Cảnh sát giao thông",
    "Đội Cảnh sát điều tra",
    "Đội An ninh",
    "Đội Tổng hợp",
    "Đội Cảnh sát quản lý hành chính",
)
