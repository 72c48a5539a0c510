"""XLSX through openpyxl's read-only mode: rows are parsed as they are read."""

from collections.abc import Callable, Iterator, Sequence
from datetime import date

from openpyxl import load_workbook
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from doan3cd.imports.chunk import is_blank
from doan3cd.imports.errors import ImportFileError
from doan3cd.imports.sniff import unreadable
from doan3cd.imports.source import Upload

RawRow = tuple[int, Sequence[object]]


def _damaged() -> ImportFileError:
    return unreadable(
        "Tệp XLSX bị hỏng hoặc không đầy đủ.", "The XLSX file is damaged or truncated."
    )


def open_xlsx(
    upload: Upload, sheet: str | None = None
) -> tuple[Iterator[RawRow], date, Callable[[], None]]:
    """Numbered rows with data of the first (or the named) worksheet, the workbook's date epoch (for
    serial numbers in cells without a date format), and a function closing the workbook."""
    try:
        workbook = load_workbook(upload.seekable(), read_only=True, data_only=True)
    except Exception:  # any parser or zip failure means a damaged file, which is the user's
        raise _damaged() from None
    try:
        worksheet = workbook[sheet] if sheet is not None else workbook.worksheets[0]
    except (KeyError, IndexError):
        workbook.close()
        raise ImportFileError(
            "import_sheet_not_found",
            f"Không có trang tính «{sheet}» trong tệp.",
            f"The workbook has no sheet named '{sheet}'.",
            (sheet or "",),
        ) from None
    if not isinstance(worksheet, ReadOnlyWorksheet):
        workbook.close()
        raise _damaged()
    # The stored dimensions can be wrong (files written by other tools); read every row.
    worksheet.reset_dimensions()
    return _numbered(worksheet), workbook.epoch.date(), workbook.close


def _numbered(worksheet: ReadOnlyWorksheet) -> Iterator[RawRow]:
    # Gaps come back as empty rows. (The stubs type iter_rows for Worksheet only.)
    rows = worksheet.iter_rows(values_only=True)  # type: ignore[misc]
    try:
        for number, cells in enumerate(rows, start=1):
            if not all(map(is_blank, cells)):
                yield number, cells
    except Exception:  # truncated sheet XML or zip member surfaces only while reading
        raise _damaged() from None
