"""Realistic synthetic Vietnamese names, deterministic for a given `random.Random`.

Family names follow national frequencies (Nguyễn ≈ 38 %, Trần ≈ 11 %, Lê ≈ 9.5 %, …) with a tail
that includes the Khmer family names common in Trà Vinh (Thạch, Kim, Sơn, Danh, Lâm). Middle and
given names depend on gender. Every name is NFC.
"""

import itertools
import random
from collections.abc import Sequence

# Percent of the population; the tail is what remains of the 100 %.
FAMILY_NAMES: dict[str, float] = {
    "Nguyễn": 38.0, "Trần": 11.0, "Lê": 9.5, "Phạm": 7.0, "Huỳnh": 2.7, "Hoàng": 2.3,
    "Phan": 4.5, "Võ": 2.1, "Vũ": 1.8, "Đặng": 2.1, "Bùi": 2.0, "Đỗ": 1.4, "Hồ": 1.3,
    "Ngô": 1.3, "Dương": 1.0, "Lý": 0.5, "Thạch": 0.9, "Kim": 0.7, "Sơn": 0.7, "Danh": 0.5,
    "Lâm": 0.6, "Trương": 0.6, "Đinh": 0.5, "Mai": 0.4, "Tô": 0.3, "Lưu": 0.3, "Châu": 0.4,
    "Cao": 0.4, "Tạ": 0.2, "Triệu": 0.2, "Lương": 0.3, "Đoàn": 0.4, "Trịnh": 0.3, "La": 0.2,
}  # fmt: skip

# (name, weight): Văn and Thị dominate older generations, the rest are common today.
MIDDLE_NAMES: dict[str, dict[str, float]] = {
    "male": {
        "Văn": 30, "Hữu": 5, "Đức": 5, "Minh": 6, "Quốc": 4, "Gia": 3, "Hoàng": 4, "Thanh": 4,
        "Công": 3, "Quang": 3, "Xuân": 2, "Tấn": 3, "Trọng": 2, "Bảo": 3, "Khánh": 2, "Anh": 2,
        "Duy": 2, "Thành": 2, "Ngọc": 2, "Chí": 2, "Thế": 2, "Đình": 2, "Nhật": 2, "Trung": 1,
    },
    "female": {
        "Thị": 35, "Ngọc": 7, "Thanh": 4, "Thu": 4, "Phương": 3, "Khánh": 3, "Bảo": 3, "Minh": 3,
        "Hoài": 2, "Mỹ": 3, "Kim": 3, "Thùy": 3, "Hồng": 3, "Diệu": 2, "Quỳnh": 2, "Hải": 2,
        "Cẩm": 2, "Bích": 2, "Tuyết": 1, "Như": 2, "Yến": 1, "Hoàng": 2, "Tường": 1, "Huyền": 1,
    },
}  # fmt: skip

GIVEN_NAMES: dict[str, tuple[str, ...]] = {
    "male": (
        "An", "Anh", "Bảo", "Bình", "Cường", "Chiến", "Công", "Danh", "Dũng", "Duy", "Dương",
        "Đạt", "Đăng", "Định", "Đông", "Đức", "Giang", "Hải", "Hào", "Hậu", "Hiếu", "Hiển",
        "Hiệp", "Hòa", "Hoàng", "Huy", "Hùng", "Hưng", "Khang", "Khải", "Khánh", "Khoa", "Khôi",
        "Kiên", "Lâm", "Lộc", "Long", "Luân", "Minh", "Nam", "Nghĩa", "Nguyên", "Nhân", "Nhật",
        "Phát", "Phong", "Phúc", "Phước", "Quân", "Quang", "Quý", "Sang", "Sơn", "Tài", "Tâm",
        "Tân", "Thái", "Thắng", "Thành", "Thịnh", "Thông", "Tiến", "Toàn", "Trí", "Trung",
        "Trường", "Tuấn", "Tùng", "Việt", "Vinh", "Vũ", "Vương",
    ),
    "female": (
        "An", "Anh", "Ánh", "Bích", "Châu", "Chi", "Diễm", "Diệp", "Dung", "Duyên", "Giang",
        "Hà", "Hạnh", "Hằng", "Hân", "Hiền", "Hoa", "Hồng", "Huệ", "Hương", "Huyền", "Kiều",
        "Lan", "Liên", "Linh", "Loan", "Ly", "Mai", "My", "Nga", "Ngân", "Ngọc", "Nguyệt",
        "Nhàn", "Nhi", "Nhung", "Như", "Oanh", "Phượng", "Phương", "Quyên", "Quỳnh", "Tâm",
        "Thảo", "Thanh", "Thơ", "Thu", "Thúy", "Thủy", "Thư", "Tiên", "Trâm", "Trang", "Trinh",
        "Trân", "Tú", "Tuyết", "Uyên", "Vân", "Vy", "Xuân", "Yến", "Diệu", "Hậu", "Khuê",
    ),
}  # fmt: skip

GENDERS = ("male", "female")
SECOND_MIDDLE_NAME_SHARE = 0.3  # of women with "Thị": "Nguyễn Thị Ngọc Anh"


class _Weighted:
    """rng.choices with precomputed cumulative weights (the hot path of the bench generator)."""

    def __init__(self, weights: dict[str, float]) -> None:
        self.names = tuple(weights)
        self.cumulative = tuple(itertools.accumulate(weights.values()))

    def pick(self, rng: random.Random) -> str:
        return rng.choices(self.names, cum_weights=self.cumulative)[0]


_FAMILY = _Weighted(FAMILY_NAMES)
_MIDDLE = {gender: _Weighted(weights) for gender, weights in MIDDLE_NAMES.items()}
_MODERN_MIDDLE: dict[str, Sequence[str]] = {
    gender: [name for name in weights if name not in ("Văn", "Thị")]
    for gender, weights in MIDDLE_NAMES.items()
}


def random_person(rng: random.Random, gender: str | None = None) -> tuple[str, str]:
    """(full_name, gender) with gender "male" or "female" (random when not given)."""
    gender = gender or GENDERS[rng.random() < 0.5]
    middle = [_MIDDLE[gender].pick(rng)]
    if middle[0] == "Thị" and rng.random() < SECOND_MIDDLE_NAME_SHARE:
        middle.append(rng.choice(_MODERN_MIDDLE[gender]))
    given = rng.choice(GIVEN_NAMES[gender])
    while given == middle[-1]:
        given = rng.choice(GIVEN_NAMES[gender])
    return " ".join((_FAMILY.pick(rng), *middle, given)), gender
