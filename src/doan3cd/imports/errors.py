"""What can go wrong with an imported file: the whole file (an exception) or one row (data)."""

import csv
import io
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Self

from doan3cd.domain.member_rules import RuleError


class ImportFileError(Exception):
    """The file as a whole cannot be imported; nothing should be written.

    `code` is stable (`import_file_unreadable`, `import_file_empty`, `import_file_no_rows`,
    `import_format_unknown`, `import_format_unsupported`, `import_json_not_array`,
    `import_sheet_not_found`, `import_unknown_column`, `import_missing_column`,
    `import_duplicate_column`); `columns` names the offending header labels or fields. Raised when
    a reader is opened, and for streamed formats also while iterating (a decoding error half-way).
    """

    def __init__(
        self, code: str, message_vi: str, message_en: str, columns: tuple[str, ...] = ()
    ) -> None:
        super().__init__(f"{code}: {message_en}")
        self.code = code
        self.message_vi = message_vi
        self.message_en = message_en
        self.columns = columns


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem in one row. `row` is the number the user sees (the header is row 1 in a sheet;
    the first object is 1 in a JSON array); `column` the field name, or None for the whole row."""

    row: int
    column: str | None
    code: str
    message_vi: str
    message_en: str

    @classmethod
    def from_rule(cls, row: int, error: RuleError) -> Self:
        return cls(row, error.field, error.code, error.message_vi, error.message_en)


ERRORS_CSV_HEADER = {
    "vi": ("Dòng", "Cột", "Mã lỗi", "Thông báo"),
    "en": ("Row", "Column", "Code", "Message"),
}


def _cell(text: str) -> str:
    """Keep spreadsheet programs from running a cell as a formula (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def iter_errors_csv(
    errors: Iterable[RowError], *, lang: str = "vi", labels: Mapping[str, str] | None = None
) -> Iterator[bytes]:
    """Row errors as CSV chunks, UTF-8 with a BOM so Excel shows Vietnamese correctly.

    `labels` maps field names to the header labels of the uploaded file, so the report names
    columns the way the user wrote them.
    """
    labels = labels or {}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(ERRORS_CSV_HEADER["en" if lang == "en" else "vi"])
    for count, error in enumerate(errors, start=1):
        column = labels.get(error.column, error.column) if error.column else ""
        message = error.message_en if lang == "en" else error.message_vi
        writer.writerow((error.row, _cell(column), error.code, _cell(message)))
        if count % 1000 == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def render_errors_csv(
    errors: Iterable[RowError], *, lang: str = "vi", labels: Mapping[str, str] | None = None
) -> bytes:
    return b"".join(iter_errors_csv(errors, lang=lang, labels=labels))
