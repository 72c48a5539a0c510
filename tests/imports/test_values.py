"""Column converters agree with the per-cell rules they speed up."""

from datetime import date

from hypothesis import example, given
from hypothesis import strategies as st

from doan3cd.domain.text import nfc
from doan3cd.imports.values import date_column, text_column

# Vietnamese letters composed and decomposed, the fast path's separator, and white space of
# every kind.
ALPHABET = st.sampled_from(
    ["a", "A", "đ", "ư", "ễ", "e\u0302\u0303", "o\u031b\u0301", "¦", " ", "  ", "\t", "\n",
     "\u00a0", "\u3000", "\x1f", "1", "-"]
)  # fmt: skip
CELL = st.lists(ALPHABET, max_size=6).map("".join)


@given(st.lists(CELL, min_size=1, max_size=40))
@example(["e\u0302\u0303¦x", "a"])  # the separator inside a cell that NFC changes
def test_text_column_equals_nfc_per_cell(cells: list[str]) -> None:
    values, problems = text_column(None)(cells)
    assert values == [nfc(cell) or None for cell in cells]
    assert problems == []


@given(st.lists(CELL, min_size=1, max_size=40))
def test_text_column_length_limit(cells: list[str]) -> None:
    values, problems = text_column(3)(cells)
    too_long = [i for i, cell in enumerate(cells) if len(nfc(cell)) > 3]
    assert [position for position, _ in problems] == too_long
    assert all(values[i] is None for i in too_long)


def test_date_column_memo_and_errors() -> None:
    convert = date_column()
    cells = ["01/02/2003", "", "31/02/2003", "01/02/2003", " 2003-02-01 "]
    for _ in range(2):  # the second pass is answered from the memo
        values, problems = convert(cells)
        assert values == [date(2003, 2, 1), None, None, date(2003, 2, 1), date(2003, 2, 1)]
        assert problems == [(2, "invalid_date")]
