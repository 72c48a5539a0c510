"""Cell values to typed values: text (trimmed, NFC), dates (Vietnamese or ISO), whole numbers.

Scalar converters take whatever a format yields (str from CSV and JSON; int, float, datetime,
bool from XLSX and JSON) and raise `InvalidValue(code)` for what cannot be understood. Column
converters do a whole column of a batch of rows at once, which keeps per-cell Python work low:
a million-row file goes through them, not through a loop over cells.
"""

import re
import sys
import unicodedata
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from functools import partial
from itertools import repeat
from typing import cast

from doan3cd.domain.text import nfc

Value = str | date | int | None
# A column's values converted, and (position, error code) for each cell that could not be.
Converted = tuple[list[Value], list[tuple[int, str]]]
ColumnConverter = Callable[[Sequence[object]], Converted]
Scalar = Callable[[object], Value]

_NFC = partial(unicodedata.normalize, "NFC")
EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 is 1900-01-01 in Excel's 1900 date system
MIN_YEAR, MAX_YEAR = 1900, 2100
MIN_SERIAL = 10_000


class InvalidValue(ValueError):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


MESSAGES = {
    "invalid_date": (
        "Ngày không hợp lệ (dùng dạng dd/mm/yyyy hoặc yyyy-mm-dd).",
        "Invalid date (use dd/mm/yyyy or yyyy-mm-dd).",
    ),
    "invalid_number": ("Cần một số nguyên.", "A whole number is expected."),
    "invalid_value": ("Giá trị không hợp lệ.", "Invalid value."),
    "value_too_long": (
        "Giá trị dài quá {max_length} ký tự.",
        "The value is longer than {max_length} characters.",
    ),
    "value_required": ("Thiếu giá trị bắt buộc.", "A value is required."),
    "row_too_long": (
        "Dòng có dữ liệu nằm ngoài các cột có tiêu đề.",
        "The row has data beyond the columns with a header.",
    ),
}


def to_text(raw: object) -> str | None:
    if isinstance(raw, str):
        # ="0912345678" is how CSV writers keep Excel from dropping leading zeros.
        if raw.startswith('="') and raw.endswith('"') and len(raw) > 2:
            raw = raw[2:-1]
        return nfc(raw) or None
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise InvalidValue("invalid_value")
    if isinstance(raw, int):
        return str(raw)
    if isinstance(raw, float):
        # Identifiers typed into numeric cells (phone numbers, codes) come back as floats.
        if raw.is_integer():
            return str(int(raw))
        if raw == raw and abs(raw) != float("inf"):
            return repr(raw)
        raise InvalidValue("invalid_value")
    if isinstance(raw, datetime):
        return raw.isoformat(sep=" ") if raw.time() else raw.date().isoformat()
    if isinstance(raw, date):
        return raw.isoformat()
    raise InvalidValue("invalid_value")


_DATE = re.compile(
    r"(?:(?P<d>[0-9]{1,2})[/.-](?P<m>[0-9]{1,2})[/.-](?P<y>[0-9]{4})"
    r"|(?P<Y>[0-9]{4})-(?P<M>[0-9]{1,2})-(?P<D>[0-9]{1,2}))"
    r"(?:[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?"
)


def parse_date(text: str) -> date:
    """dd/mm/yyyy, d/m/yyyy, dd-mm-yyyy, dd.mm.yyyy or yyyy-mm-dd, optionally with a time.

    Day first, as Vietnamese spreadsheets write it: 03/04/2001 is 3 April. A month-first date
    like 4/15/2001 is rejected rather than guessed.
    """
    match = _DATE.fullmatch(text.strip())
    if match is None:
        raise InvalidValue("invalid_date")
    if match["y"]:
        year, month, day = int(match["y"]), int(match["m"]), int(match["d"])
    else:
        year, month, day = int(match["Y"]), int(match["M"]), int(match["D"])
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidValue("invalid_date")
    try:
        return date(year, month, day)
    except ValueError:
        raise InvalidValue("invalid_date") from None


def from_serial(serial: float, epoch: date = EXCEL_EPOCH) -> date:
    """An Excel serial day number (a date cell that lost its date format). Numbers below
    MIN_SERIAL (dates before 1927) are rejected: they are far likelier a year typed alone
    ("2001") or a typo than a date this register holds."""
    if serial < MIN_SERIAL:
        raise InvalidValue("invalid_date")
    try:
        value = epoch + timedelta(days=int(serial))
    except (OverflowError, ValueError):
        raise InvalidValue("invalid_date") from None
    if value.year > MAX_YEAR:
        raise InvalidValue("invalid_date")
    return value


def date_converter(epoch: date = EXCEL_EPOCH) -> Scalar:
    def to_date(raw: object) -> date | None:
        if isinstance(raw, str):
            text = raw.strip()
            if not text:
                return None
            if len(text) == 5 and text.isascii() and text.isdigit():
                return from_serial(int(text), epoch)
            return parse_date(text)
        if raw is None:
            return None
        if isinstance(raw, datetime):
            return raw.date()
        if isinstance(raw, date):
            return raw
        if isinstance(raw, int | float) and not isinstance(raw, bool) and raw == raw:
            return from_serial(raw, epoch)
        raise InvalidValue("invalid_date")

    return to_date


_INTEGER = re.compile(r"-?[0-9]+")
_GROUPED = re.compile(r"-?[0-9]{1,3}([.,])[0-9]{3}(?:\1[0-9]{3})*")
_CURRENCY = re.compile(r"\s*(?:vnđ|vnd|đồng|đ)\s*$", re.IGNORECASE)


def to_int(raw: object) -> int | None:
    """Whole numbers, with thousands grouped by "." (Vietnamese), "," or spaces, and an optional
    currency suffix: "1.500.000 đ" → 1500000. A decimal like "1,5" is rejected, not rounded."""
    if isinstance(raw, str):
        text = "".join(_CURRENCY.sub("", nfc(raw)).split())
        if not text:
            return None
        if _GROUPED.fullmatch(text):
            text = text.replace(".", "").replace(",", "")
        if not _INTEGER.fullmatch(text):
            raise InvalidValue("invalid_number")
        return int(text)
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise InvalidValue("invalid_number")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    raise InvalidValue("invalid_number")


def _each(convert: Scalar, values: Sequence[object]) -> Converted:
    out: list[Value] = []
    problems: list[tuple[int, str]] = []
    for position, raw in enumerate(values):
        try:
            out.append(convert(raw))
        except InvalidValue as error:
            out.append(None)
            problems.append((position, error.code))
    return out, problems


def _text_checked(max_length: int | None) -> Scalar:
    def convert(raw: object) -> str | None:
        value = to_text(raw)
        if value is not None and max_length is not None and len(value) > max_length:
            raise InvalidValue("value_too_long")
        return value

    return convert


_SEP = "¦"  # any printable starter; one inside a cell only costs the slower path


def _clean_texts(texts: Sequence[str], joined: str) -> list[str]:
    """NFC with white space collapsed, for a column at once (`joined` = `_SEP.join(texts)`).
    Typical cells are already clean; checks on the joined column (all in C) prove it and skip
    per-cell work."""
    if (
        joined.isprintable()  # no white space but " ", no control characters
        and joined.count(_SEP) == len(texts) - 1
        and "  " not in joined
        and f" {_SEP}" not in joined
        and f"{_SEP} " not in joined
        and joined[:1] != " "
        and joined[-1:] != " "
    ):
        normalized = _NFC(joined)
        return list(texts) if normalized is joined else normalized.split(_SEP)
    return list(map(" ".join, map(str.split, map(_NFC, texts))))


def text_column(max_length: int | None) -> ColumnConverter:
    """Column of text, cleaned as `domain.text.nfc` does. Columns of plain strings (all of CSV)
    take a path that runs in C; anything unusual goes through `to_text` per cell."""
    checked = _text_checked(max_length)
    limit = max_length or sys.maxsize

    def convert(values: Sequence[object]) -> Converted:
        if set(map(type, values)) != {str}:
            return _each(checked, values)
        texts = cast(Sequence[str], values)
        joined = _SEP.join(texts)
        if '="' in joined:
            return _each(checked, values)
        cleaned = _clean_texts(texts, joined)
        if max(map(len, cleaned)) > limit:
            return _each(checked, values)
        if "" in cleaned:
            return [value or None for value in cleaned], []
        return cast(list[Value], cleaned), []

    return convert


_UNKNOWN = object()
MEMO_SIZE = 100_000


def date_column(epoch: date = EXCEL_EPOCH) -> ColumnConverter:
    """Column of dates. Text dates are memoised per column (a file repeats few distinct dates),
    so most cells cost one dict lookup done in C."""
    scalar = date_converter(epoch)
    memo: dict[str, date | None] = {}

    def convert(values: Sequence[object]) -> Converted:
        if set(map(type, values)) != {str}:
            return _each(scalar, values)
        texts = cast(Sequence[str], values)
        out: list[object] = list(map(memo.get, texts, repeat(_UNKNOWN)))
        if _UNKNOWN not in out:
            return cast(list[Value], out), []
        if len(memo) > MEMO_SIZE:
            memo.clear()
        problems: list[tuple[int, str]] = []
        for position, value in enumerate(out):
            if value is _UNKNOWN:
                try:
                    out[position] = memo[texts[position]] = cast(
                        date | None, scalar(texts[position])
                    )
                except InvalidValue as error:
                    out[position] = None
                    problems.append((position, error.code))
        return cast(list[Value], out), problems

    return convert


def column_converter(
    kind: str, max_length: int | None, epoch: date = EXCEL_EPOCH
) -> ColumnConverter:
    if kind == "date":
        return date_column(epoch)
    if kind == "int":
        return partial(_each, to_int)
    return text_column(max_length)
