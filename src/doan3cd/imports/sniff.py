"""Guessing what an upload is from its first bytes: format, text encoding, CSV delimiter."""

import codecs
import unicodedata
from pathlib import PurePath
from typing import Literal

from doan3cd.imports.errors import ImportFileError

Format = Literal["csv", "xlsx", "json"]
FORMATS: tuple[Format, ...] = ("csv", "xlsx", "json")

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97-2003 .xls

_EXTENSIONS: dict[str, Format] = {
    ".csv": "csv", ".txt": "csv", ".tsv": "csv", ".tab": "csv",
    ".xlsx": "xlsx", ".xlsm": "xlsx", ".json": "json",
}  # fmt: skip
_CONTENT_TYPES: dict[str, Format] = {
    "text/csv": "csv", "text/plain": "csv", "text/tab-separated-values": "csv",
    "application/csv": "csv", "application/json": "json", "text/json": "json",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
}  # fmt: skip
_UNSUPPORTED_EXTENSIONS = (".xls", ".ods", ".numbers")
_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def unsupported_format() -> ImportFileError:
    return ImportFileError(
        "import_format_unsupported",
        "Định dạng tệp không được hỗ trợ; hãy lưu thành XLSX hoặc CSV UTF-8.",
        "This file format is not supported; save it as XLSX or CSV UTF-8.",
    )


def is_empty_content(head: bytes) -> bool:
    for bom in _BOMS:
        head = head.removeprefix(bom)
    return not head.replace(b"\x00", b"").strip()


def detect_format(head: bytes, filename: str | None, content_type: str | None) -> Format:
    """Magic bytes first (an XLSX renamed .csv is still an XLSX), then the file name, then the
    declared content type, then the content: "[" opens JSON, readable text is CSV."""
    if head.startswith(ZIP_MAGIC):
        return "xlsx"
    suffix = PurePath(filename).suffix.lower() if filename else ""
    if head.startswith(OLE_MAGIC) or suffix in _UNSUPPORTED_EXTENSIONS:
        raise unsupported_format()
    if suffix in _EXTENSIONS:
        return _EXTENSIONS[suffix]
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type in _CONTENT_TYPES:
        return _CONTENT_TYPES[media_type]
    text = head.removeprefix(codecs.BOM_UTF8).lstrip()
    if text.startswith((b"[", b"{")):
        return "json"
    if b"\x00" not in head or _utf16_without_bom(head):
        return "csv"
    raise ImportFileError(
        "import_format_unknown",
        "Không nhận ra định dạng tệp; hãy dùng CSV, XLSX hoặc JSON.",
        "Unrecognised file format; use CSV, XLSX or JSON.",
    )


def _utf16_without_bom(head: bytes) -> str | None:
    """UTF-16 text that is mostly ASCII has a NUL in every other byte."""
    sample = head[: len(head) // 2 * 2]
    pairs = len(sample) // 2
    if pairs < 2:
        return None
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    if odd_nuls > pairs * 0.3 and even_nuls < pairs * 0.05:
        return "utf-16-le"
    if even_nuls > pairs * 0.3 and odd_nuls < pairs * 0.05:
        return "utf-16-be"
    return None


def unreadable(detail_vi: str = "", detail_en: str = "") -> ImportFileError:
    return ImportFileError(
        "import_file_unreadable",
        ("Không đọc được tệp. " + detail_vi).strip(),
        ("The file cannot be read. " + detail_en).strip(),
    )


def check_encoding(encoding: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise unreadable("Bảng mã không xác định.", "Unknown text encoding.") from None


def detect_encoding(head: bytes, complete: bool) -> str:
    """The codec of a text file from its first bytes (`complete` when `head` is the whole file).

    A BOM decides; BOM-less UTF-16 shows as NUL bytes; otherwise UTF-8 if the bytes are valid
    UTF-8, else Windows-1258 (what Excel's plain "CSV" writes on Vietnamese Windows), else
    Windows-1252. Windows-1258 text carries tone marks as combining characters: values are
    NFC-normalised after decoding.
    """
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if utf16 := _utf16_without_bom(head):
        return utf16
    for encoding in ("utf-8", "cp1258", "cp1252"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(head, final=complete)
        except UnicodeDecodeError:
            continue
        return encoding
    raise unreadable("Bảng mã không xác định.", "Unknown text encoding.")


def check_text(sample: str) -> None:
    """Reject binary content that happens to decode: real CSV has (almost) no control chars."""
    controls = sum(
        1 for ch in sample if ch not in "\t\r\n" and unicodedata.category(ch) in ("Cc", "Cs")
    )
    if "\x00" in sample or controls > len(sample) / 100:
        raise unreadable("Tệp không phải văn bản.", "The file is not text.")


DELIMITERS = (",", ";", "\t", "|")


def sniff_delimiter(lines: list[str]) -> str:
    """The delimiter of the first line that has any (title rows may have none), counting only
    outside quotes; ties go to the earlier of , ; tab |. "sep=;" (Excel's hint) is honoured by
    the caller."""
    for line in lines:
        counts = dict.fromkeys(DELIMITERS, 0)
        quoted = False
        for ch in line:
            if ch == '"':
                quoted = not quoted
            elif not quoted and ch in counts:
                counts[ch] += 1
        best = max(DELIMITERS, key=lambda d: counts[d])
        if counts[best]:
            return best
    return ","
