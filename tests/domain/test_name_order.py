"""Vietnamese name order: given name first, Vietnamese alphabet, tones as the tie-breaker."""

import doctest
import unicodedata
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from doan3cd.domain import name_order
from doan3cd.domain.name_order import name_sort_key


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Nguyễn Văn An", "Lê Văn Bình"),  # given name first: An < Bình
        ("Lê Văn Bình", "Trần Thị Bình"),  # same given name: Lê < Trần
        ("Trần Văn Bình", "Trần Xuân Bình"),  # then the middle name
        ("Hoàng Dũng", "Phạm Đức"),  # d < đ
        ("Lê Dũng", "Lê Dương"),  # u < ư
        ("Vũ Anh", "Vũ Ánh"),  # no tone < sắc
        ("Lê An", "Lê Anh"),  # a prefix comes first
        ("Lê Án", "Lê Anh"),  # letters decide before tones
        ("Lê Hà", "Lê Hả"),  # huyền < hỏi
        ("Lê Hả", "Lê Hã"),  # hỏi < ngã
        ("Lê Hã", "Lê Há"),  # ngã < sắc
        ("Lê Há", "Lê Hạ"),  # sắc < nặng
        ("Lê Hạ", "Lê Hai"),  # a tone never outweighs a letter
        ("Lê Ca", "Lê Că"),  # a < ă
        ("Lê Că", "Lê Câ"),  # ă < â
        ("Lê Ho", "Lê Hô"),  # o < ô
        ("Lê Hô", "Lê Hơ"),  # ô < ơ
        ("Lê Me", "Lê Mê"),  # e < ê
        ("Nguyễn Văn Yên", "Nguyễn Thị Yến"),  # the given name's tone before the family name
        ("Nguyễn Thị Yến", "Trần Yến"),  # rest compared word by word: Nguyễn < Trần
        ("Yến", "Nguyễn Yến"),  # a lone given name comes before the same name with a family
        ("Đặng Gia", "Bùi Giang"),
        ("Hồ Tú", "Đỗ Tuấn"),  # "tu" is a prefix of "tuân"
        ("Lê Thị Nhi", "Lê Thị Nhị"),
        ("Phan Uyên", "Phan Ưng"),  # u < ư before the next letter counts
    ],
)
def test_order(first: str, second: str) -> None:
    assert name_sort_key(first) < name_sort_key(second)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Nguyễn Văn An", "NGUYỄN VĂN AN"),
        ("Nguyễn Văn An", "  nguyễn   văn  an "),
        ("Nguyễn Thị Hòa", "Nguyễn Thị Hoà"),  # old and new tone placement
        ("Nguyễn Thị Hòa", unicodedata.normalize("NFD", "Nguyễn Thị Hòa")),
        ("Đặng Thị Lan", "đặng thị LAN"),
        ("Lê Thị-Lan", "Lê ThịLan"),  # punctuation inside a word is ignored
        ("Trần Văn Ba", "Trần Văn Ba -"),  # a word with no letters is dropped
    ],
)
def test_equal_keys(one: str, other: str) -> None:
    assert name_sort_key(one) == name_sort_key(other)


def test_key_is_ascii_and_empty_for_no_letters() -> None:
    assert name_sort_key("Nguyễn Ngọc Ánh Dương").isascii()
    assert name_sort_key("") == name_sort_key("  - ") == ""


def test_sorts_a_class_list() -> None:
    names = [
        "Trần Thị Bình",
        "Phạm Đức",
        "Nguyễn Văn An",
        "Lê Văn Bình",
        "Hoàng Dũng",
        "Võ Thị Ánh",
        "Đỗ Minh Anh",
    ]
    assert sorted(names, key=name_sort_key) == [
        "Nguyễn Văn An",
        "Đỗ Minh Anh",
        "Võ Thị Ánh",
        "Lê Văn Bình",
        "Trần Thị Bình",
        "Hoàng Dũng",
        "Phạm Đức",
    ]


# An independent oracle: Vietnamese letters and tones written out by hand.
LETTERS = "0123456789aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
VOWELS = "aăâeêioôơuưy"
TONE_MARKS = ["", "\u0300", "\u0309", "\u0303", "\u0301", "\u0323"]
CONSONANTS = "bcdđghklmnpqrstvx"

# Every toned vowel, upper and lower case, mapped to (base letter, tone rank).
TONED: dict[str, tuple[str, int]] = {}
for vowel in VOWELS:
    for rank, mark in enumerate(TONE_MARKS):
        for case in (vowel, vowel.upper()):
            TONED[unicodedata.normalize("NFC", case + mark)] = (vowel, rank)
for consonant in CONSONANTS:
    TONED[consonant] = TONED[consonant.upper()] = (consonant, 0)


def oracle_word(word: str) -> tuple[list[int], list[int]]:
    parts = [TONED[char] for char in word]
    return [LETTERS.index(base) for base, _ in parts], [tone for _, tone in parts if tone]


def oracle(name: str) -> tuple[tuple[list[int], list[int]], list[tuple[list[int], list[int]]]]:
    words = name.split()
    return oracle_word(words[-1]), [oracle_word(word) for word in words[:-1]]


words = st.text(alphabet=sorted(TONED), min_size=1, max_size=6)
names = st.lists(words, min_size=1, max_size=4).map(" ".join)


def sign(a: Any, b: Any) -> int:
    return int(a > b) - int(a < b)


@settings(max_examples=300, deadline=None)
@given(names, names)
def test_key_order_matches_the_oracle(a: str, b: str) -> None:
    assert sign(name_sort_key(a), name_sort_key(b)) == sign(oracle(a), oracle(b))


@settings(max_examples=100, deadline=None)
@given(st.lists(names, max_size=12))
def test_sorting_by_key_sorts_by_the_oracle(batch: list[str]) -> None:
    by_key = sorted(batch, key=name_sort_key)
    assert [oracle(name) for name in by_key] == sorted(oracle(name) for name in batch)


def test_docstring_example() -> None:
    assert doctest.testmod(name_order).failed == 0
