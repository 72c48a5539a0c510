"""A JSON array of objects, decoded one object at a time: memory stays flat."""

import io
import itertools
import json
from collections.abc import Iterator
from typing import TextIO

from doan3cd.imports.errors import ImportFileError
from doan3cd.imports.sniff import check_encoding, detect_encoding, unreadable
from doan3cd.imports.source import Upload

CHUNK = 64 * 1024
MAX_ITEM = 1024 * 1024  # one member is a few hundred bytes; anything this big is broken
_WHITESPACE = " \t\r\n"

RawItem = tuple[int, dict[str, object]]


def not_array() -> ImportFileError:
    return ImportFileError(
        "import_json_not_array",
        "Tệp JSON phải là một mảng các đối tượng: [{...}, {...}].",
        "The JSON file must be an array of objects: [{...}, {...}].",
    )


def open_json(upload: Upload, encoding: str | None = None) -> tuple[Iterator[RawItem], str]:
    """Objects numbered from 1 in array order, and the encoding."""
    encoding = (
        check_encoding(encoding) if encoding else detect_encoding(upload.head, upload.complete)
    )
    text = io.TextIOWrapper(upload.binary(), encoding=encoding)
    return _ArrayReader(text).items(), encoding


class _ArrayReader:
    def __init__(self, text: TextIO) -> None:
        self._text = text
        self._decoder = json.JSONDecoder()
        self._buffer = ""
        self._pos = 0

    def _fill(self) -> bool:
        try:
            chunk = self._text.read(CHUNK)
        except UnicodeDecodeError:
            raise unreadable("Sai bảng mã.", "Bad text encoding.") from None
        if not chunk:
            return False
        self._buffer = self._buffer[self._pos :] + chunk
        self._pos = 0
        return True

    def _peek(self) -> str:
        """The next non-blank character, not consumed; "" at the end of the file."""
        while True:
            while self._pos < len(self._buffer) and self._buffer[self._pos] in _WHITESPACE:
                self._pos += 1
            if self._pos < len(self._buffer):
                return self._buffer[self._pos]
            if not self._fill():
                return ""

    def _value(self, number: int) -> object:
        self._peek()
        while True:
            try:
                value, end = self._decoder.raw_decode(self._buffer, self._pos)
            except json.JSONDecodeError:
                value, end = None, -1
            # Incomplete: the value may continue in the next chunk (a number could too).
            if (end == -1 or end == len(self._buffer)) and self._fill():
                if len(self._buffer) > MAX_ITEM:
                    break
                continue
            if end == -1:
                break
            self._pos = end
            return value
        raise unreadable(
            f"JSON không hợp lệ ở phần tử {number}.", f"Invalid JSON at item {number}."
        )

    def items(self) -> Iterator[RawItem]:
        if self._peek() != "[":
            raise not_array()
        self._pos += 1
        if self._peek() == "]":
            self._pos += 1
        else:
            for number in itertools.count(1):
                value = self._value(number)
                if not isinstance(value, dict):
                    raise not_array()
                yield number, value
                separator = self._peek()
                self._pos += 1
                if separator == "]":
                    break
                if separator != ",":
                    raise unreadable(
                        f"JSON không hợp lệ sau phần tử {number}.",
                        f"Invalid JSON after item {number}.",
                    )
        if self._peek():
            raise unreadable("Có dữ liệu thừa sau mảng JSON.", "Data follows the JSON array.")
