"""Frozen dataclasses ↔ JSON-able data, and the canonical JSON that hashes and verdicts use.

Supported field types: str, int, float, bool, `uuid.UUID`, `datetime.date`, `Literal[...]`,
`X | None`, `tuple[X, ...]` and nested frozen dataclasses. Encoding turns UUIDs and dates into
strings and integral floats into ints, so equal values always give the same bytes.
"""

import dataclasses
import datetime
import json
import math
import types
import typing
import uuid
from typing import Any, TypeVar

from doan3cd.domain.text import Label

T = TypeVar("T")


class DecodeError(ValueError):
    """The data does not have the shape of the dataclass; `pointer` is a JSON Pointer to it."""

    def __init__(self, pointer: str, code: str, message: Label) -> None:
        super().__init__(f"{pointer or '/'}: {message.en}")
        self.pointer = pointer
        self.code = code
        self.message = message


def canonical_json(data: Any) -> str:
    """One spelling per value: sorted keys, no spaces, UTF-8 text kept as is."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def to_jsonable(value: Any, *, sort_collections: bool = False) -> Any:
    """Encode a dataclass tree. With `sort_collections`, every tuple is sorted (objects by their
    "id" when they have one, else by canonical JSON), so load order never shows."""
    return _encode(value, sort_collections)


_PLAIN = frozenset({str, int, bool, type(None)})
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _encode(value: Any, sort: bool) -> Any:
    # Dispatch on the exact type first: hashing facts encodes every value of every unit-year.
    cls = type(value)
    if cls in _PLAIN:
        return value
    if cls is uuid.UUID:
        return str(value)
    if cls is tuple or cls is list:
        items = [_encode(item, sort) for item in value]
        return sorted(items, key=_sort_key) if sort else items
    if cls is datetime.date:
        return value.isoformat()
    if cls is float:
        return int(value) if value.is_integer() else value
    names = _FIELD_NAMES.get(cls)
    if names is None:
        if not dataclasses.is_dataclass(value):
            raise TypeError(f"cannot encode {cls.__name__}")
        names = _FIELD_NAMES[cls] = tuple(field.name for field in dataclasses.fields(value))
    return {name: _encode(getattr(value, name), sort) for name in names}


def _sort_key(item: Any) -> str:
    if isinstance(item, str):
        return item
    if isinstance(item, dict) and isinstance(item.get("id"), str):
        return str(item["id"])
    return canonical_json(item)


def from_jsonable(cls: type[T], data: Any, pointer: str = "") -> T:
    """Decode data shaped like `to_jsonable(cls(...))`; missing fields take their defaults."""
    return typing.cast(T, _decode(cls, data, pointer))


def _error(pointer: str, code: str, vi: str, en: str) -> DecodeError:
    return DecodeError(pointer, code, Label(vi, en))


def _decode(hint: Any, data: Any, pointer: str) -> Any:
    origin = typing.get_origin(hint)
    if origin is typing.Literal:
        if data not in typing.get_args(hint):
            allowed = ", ".join(repr(arg) for arg in typing.get_args(hint))
            raise _error(
                pointer,
                "invalid_value",
                f"Giá trị phải là một trong: {allowed}",
                f"must be one of {allowed}",
            )
        return data
    if origin is types.UnionType or origin is typing.Union:
        options = typing.get_args(hint)
        if data is None and type(None) in options:
            return None
        (inner,) = [option for option in options if option is not type(None)]
        return _decode(inner, data, pointer)
    if origin is tuple:
        if not isinstance(data, list | tuple):
            raise _error(pointer, "invalid_type", "Phải là một danh sách", "must be a list")
        item_hint = typing.get_args(hint)[0]
        return tuple(_decode(item_hint, item, f"{pointer}/{i}") for i, item in enumerate(data))
    if dataclasses.is_dataclass(hint):
        return _decode_dataclass(typing.cast(type, hint), data, pointer)
    return _decode_scalar(hint, data, pointer)


def _decode_dataclass(cls: type, data: Any, pointer: str) -> Any:
    if not isinstance(data, dict):
        raise _error(pointer, "invalid_type", "Phải là một đối tượng", "must be an object")
    hints = typing.get_type_hints(cls)
    fields = {field.name: field for field in dataclasses.fields(cls)}
    unknown = sorted(str(name) for name in set(data) - set(fields))
    if unknown:
        raise _error(
            f"{pointer}/{unknown[0]}", "unknown_field", "Trường không hỗ trợ", "unknown field"
        )
    values: dict[str, Any] = {}
    for name, field in fields.items():
        if name in data:
            values[name] = _decode(hints[name], data[name], f"{pointer}/{name}")
        elif field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
            raise _error(f"{pointer}/{name}", "missing", "Thiếu trường bắt buộc", "field required")
    try:
        return cls(**values)
    except ValueError as exc:
        raise _error(pointer, "invalid_value", str(exc), str(exc)) from exc


def _decode_scalar(hint: Any, data: Any, pointer: str) -> Any:
    if hint is bool:
        if isinstance(data, bool):
            return data
        raise _error(pointer, "invalid_type", "Phải là true hoặc false", "must be a boolean")
    if hint is int:
        if isinstance(data, int) and not isinstance(data, bool):
            return data
        raise _error(pointer, "invalid_type", "Phải là số nguyên", "must be an integer")
    if hint is float:
        if isinstance(data, int | float) and not isinstance(data, bool) and _finite(data):
            return data
        raise _error(pointer, "invalid_type", "Phải là một số", "must be a number")
    if hint is str:
        if isinstance(data, str):
            return data
        raise _error(pointer, "invalid_type", "Phải là chuỗi ký tự", "must be a string")
    if hint is uuid.UUID:
        try:
            return uuid.UUID(data) if isinstance(data, str) else _invalid()
        except ValueError:
            raise _error(pointer, "invalid_type", "Phải là UUID", "must be a UUID") from None
    if hint is datetime.date:
        try:
            return datetime.date.fromisoformat(data) if isinstance(data, str) else _invalid()
        except ValueError:
            raise _error(
                pointer, "invalid_type", "Phải là ngày dạng YYYY-MM-DD", "must be a YYYY-MM-DD date"
            ) from None
    raise TypeError(f"unsupported field type {hint!r}")


def _finite(number: float) -> bool:
    return isinstance(number, int) or math.isfinite(number)


def _invalid() -> typing.NoReturn:
    raise ValueError
