"""The compact canonical JSON of a unit-year's facts, which the inputs hash covers.

Hashing runs for every unit of a national recompute (hundreds of evidence items each), so the
form is positional, not keyed: the facts are a JSON array of their fields in declaration order,
each fact object an array of its fields in order, each collection sorted by id. Attribute tuples
come from `operator.attrgetter` and the text from the json module's C encoder, so little runs as
Python code: required UUIDs are written as their 128-bit integer value (`id.int`, read in C),
optional ones and dates as strings, and integral floats as ints (as `codec.to_jsonable` does), so
facts that round-trip through `facts_to_dict` hash the same.
"""

import dataclasses
import datetime
import json
import operator
import typing
import uuid
from collections.abc import Callable
from typing import Any

from doan3cd.domain.facts import UnitYearFacts

Row = tuple[Any, ...]


def compact_json(facts: UnitYearFacts) -> str:
    """One spelling per set of facts, whatever the order of its collections."""
    return json.dumps(
        [_canonical(value) for value in _FACT_FIELDS(facts)],
        default=_plain,
        separators=(",", ":"),
        ensure_ascii=False,
    )


def _canonical(value: Any) -> Any:
    """Collections sorted by id (ids are unique per collection, so no ties); fact objects as
    rows; everything else as is, for the encoder."""
    if type(value) is not tuple:
        return _row(value) if dataclasses.is_dataclass(value) else value
    if not value:
        return value
    if type(value[0]) is uuid.UUID:
        return sorted(i.int for i in value)
    return sorted(map(_row_maker(type(value[0])), value), key=_ID)


def _plain(value: Any) -> Any:
    """What the C encoder cannot write itself."""
    if type(value) is uuid.UUID:
        return str(value)
    if type(value) is datetime.date:
        return value.isoformat()
    if dataclasses.is_dataclass(value):
        return _row(value)
    raise TypeError(f"cannot encode {type(value).__name__}")


def _row(value: Any) -> Row:
    return _row_maker(type(value))(value)


def _fields_of(cls: type) -> Callable[[Any], Row]:
    """The fields in order; a required UUID as its integer value."""
    hints = typing.get_type_hints(cls)
    return operator.attrgetter(
        *(
            f"{field.name}.int" if hints[field.name] is uuid.UUID else field.name
            for field in dataclasses.fields(cls)
        )
    )


_ROW_MAKERS: dict[type, Callable[[Any], Row]] = {}


def _row_maker(cls: type) -> Callable[[Any], Row]:
    """A fact object's fields as a tuple; classes with float fields spell integral floats as ints
    (the codec does), the others go straight from `attrgetter`. Made once per class."""
    maker = _ROW_MAKERS.get(cls)
    if maker is None:
        fields = _fields_of(cls)
        floats = any(float in _types(hint) for hint in typing.get_type_hints(cls).values())
        maker = _ROW_MAKERS[cls] = _integral_floats_as_ints(fields) if floats else fields
    return maker


def _integral_floats_as_ints(fields: Callable[[Any], Row]) -> Callable[[Any], Row]:
    def row(value: Any) -> Row:
        return tuple(map(_integral_as_int, fields(value)))

    return row


def _types(hint: Any) -> tuple[Any, ...]:
    return typing.get_args(hint) or (hint,)


def _integral_as_int(value: Any) -> Any:
    return int(value) if type(value) is float and value.is_integer() else value


_FACT_FIELDS = _fields_of(UnitYearFacts)
_ID = operator.itemgetter(0)  # every fact object's first field is its id
