"""CSV (and Excel's tab-separated "Unicode text"), decoded incrementally: memory stays flat."""

import codecs
import csv
import io
from collections.abc import Iterator

from doan3cd.imports.sniff import (
    check_encoding,
    check_text,
    detect_encoding,
    sniff_delimiter,
    unreadable,
)
from doan3cd.imports.source import Upload

RawRow = tuple[int, list[str]]


def open_csv(upload: Upload, encoding: str | None = None) -> tuple[Iterator[RawRow], str, str]:
    """Numbered records with data (numbered as a spreadsheet shows them: blank lines count, an
    Excel `sep=` line does not), the encoding and the delimiter."""
    encoding = (
        check_encoding(encoding) if encoding else detect_encoding(upload.head, upload.complete)
    )
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    sample = decoder.decode(upload.head, final=upload.complete).lstrip("\ufeff")
    check_text(sample)
    lines = sample.splitlines()[:20]
    has_sep_line = bool(lines) and len(lines[0]) == 5 and lines[0].lower().startswith("sep=")
    delimiter = lines[0][4] if has_sep_line else sniff_delimiter([x for x in lines if x.strip()])
    text = io.TextIOWrapper(upload.binary(), encoding=encoding, newline="")
    return _numbered(csv.reader(text, delimiter=delimiter), has_sep_line), encoding, delimiter


def _numbered(records: Iterator[list[str]], skip_first: bool) -> Iterator[RawRow]:
    number = 0
    try:
        if skip_first:
            next(records, None)
        for number, cells in enumerate(records, start=1):
            if any(cells) and "".join(cells).strip():
                yield number, cells
    except UnicodeDecodeError:
        raise unreadable(
            f"Sai bảng mã gần dòng {number + 1}.", f"Bad text encoding near row {number + 1}."
        ) from None
    except csv.Error as error:
        raise unreadable(
            f"Lỗi định dạng CSV ở dòng {number + 1}.", f"Malformed CSV at row {number + 1}."
        ) from error
