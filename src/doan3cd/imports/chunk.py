"""Rows converted a batch at a time, column by column, into column-oriented chunks.

Per-cell Python work is what makes a million-row import slow, so a batch of raw rows is
transposed and each column goes through one column converter (mostly C-level `map`s). Bulk
loading reads `RowChunk.tuples(...)`; everything else can use `SourceRow`s.
"""

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from doan3cd.imports.errors import RowError
from doan3cd.imports.resources import Column
from doan3cd.imports.values import MESSAGES, ColumnConverter, Value, column_converter

RawRow = tuple[int, Sequence[object]]


@dataclass(slots=True)
class SourceRow:
    """A data row. `values` holds every mapped column of the file (None when the cell is empty,
    or when it held an invalid value, then reported in `errors`); columns the file does not have
    are absent, so an update can tell "not given" from "emptied"."""

    number: int
    values: dict[str, Value]
    errors: tuple[RowError, ...] = ()


@dataclass(slots=True)
class RowChunk:
    """Consecutive data rows: `columns[name][i]` is the value of row `numbers[i]`; `errors` of
    these rows in row order. Columns the file does not have are absent, as in `SourceRow`."""

    numbers: list[int]
    columns: dict[str, list[Value]]
    errors: list[RowError]

    def __len__(self) -> int:
        return len(self.numbers)

    def tuples(self, names: Sequence[str]) -> Iterator[tuple[Value, ...]]:
        """The rows as tuples in the order of `names` (None for a column the file lacks), ready
        for COPY."""
        blank: list[Value] = [None] * len(self.numbers)
        return zip(*(self.columns.get(name, blank) for name in names), strict=True)

    def rows(self) -> list[SourceRow]:
        by_row: dict[int, list[RowError]] = {}
        for error in self.errors:
            by_row.setdefault(error.row, []).append(error)
        names = list(self.columns)
        values = zip(*self.columns.values(), strict=True) if names else itertools.repeat(())
        return [
            SourceRow(number, dict(zip(names, row, strict=True)), tuple(by_row.get(number, ())))
            for number, row in zip(self.numbers, values, strict=False)
        ]


@dataclass(frozen=True, slots=True)
class MappedColumn:
    """A file column (by position) feeding a resource column."""

    index: int
    column: Column
    convert: ColumnConverter


@dataclass(frozen=True, slots=True)
class TableBatch:
    """Raw rows of a table file (CSV, XLSX) with what converting them needs. `mapped` holds the
    reading process's converters (and their memos, for the whole file); it is not pickled, so a
    worker process converts with its own, built once per process (`_worker_converters`)."""

    rows: list[RawRow]
    mapped: list["MappedColumn"]
    required: frozenset[str]
    width: int
    epoch: date

    def __len__(self) -> int:
        return len(self.rows)

    def convert(self) -> "RowChunk":
        return convert_batch(self.rows, self.mapped, self.required, width=self.width)

    def __reduce__(self) -> tuple[object, ...]:
        plan = tuple((m.index, m.column) for m in self.mapped)
        return _unpickle_table_batch, (self.rows, plan, self.required, self.width, self.epoch)


def _unpickle_table_batch(
    rows: list[RawRow],
    plan: tuple[tuple[int, Column], ...],
    required: frozenset[str],
    width: int,
    epoch: date,
) -> TableBatch:
    return TableBatch(rows, _worker_converters(plan, epoch), required, width, epoch)


@dataclass(frozen=True, slots=True)
class ConvertedBatch:
    """Rows already converted where they were read (JSON, whose parsing is the reading)."""

    chunk: RowChunk

    def __len__(self) -> int:
        return len(self.chunk)

    def convert(self) -> RowChunk:
        return self.chunk


RawBatch = TableBatch | ConvertedBatch


@lru_cache(maxsize=1)  # a worker serves one import
def _worker_converters(plan: tuple[tuple[int, Column], ...], epoch: date) -> list["MappedColumn"]:
    return [MappedColumn(i, c, column_converter(c.kind, c.max_length, epoch)) for i, c in plan]


def row_error(number: int, column: Column | None, code: str) -> RowError:
    vi, en = MESSAGES[code]
    max_length = column.max_length if column else None
    return RowError(
        number,
        column.name if column else None,
        code,
        vi.format(max_length=max_length),
        en.format(max_length=max_length),
    )


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def convert_batch(
    batch: list[RawRow],
    mapped: Sequence[MappedColumn],
    required: frozenset[str],
    *,
    width: int | None = None,
    absent: Sequence[Column] = (),
) -> RowChunk:
    """Convert raw rows. `width`: cells past it must be blank (the header's width); `absent`:
    required columns these rows lack entirely (a JSON object without the key)."""
    numbers = [number for number, _ in batch]
    errors: dict[int, list[RowError]] = {}

    def report(position: int, column: Column | None, code: str) -> None:
        errors.setdefault(position, []).append(row_error(numbers[position], column, code))

    need = max((m.index for m in mapped), default=-1) + 1
    padded = [c if len(c) >= need else [*c, *[None] * (need - len(c))] for _, c in batch]
    cells_by_column = list(zip(*padded, strict=False))
    columns: dict[str, list[Value]] = {}
    for m in mapped:
        values, problems = m.convert(cells_by_column[m.index])
        for position, code in problems:
            report(position, m.column, code)
        if m.column.name in required and None in values:
            invalid = {position for position, _ in problems}
            for position, value in enumerate(values):
                if value is None and position not in invalid:
                    report(position, m.column, "value_required")
        columns[m.column.name] = values
    for column in absent:
        for position in range(len(batch)):
            report(position, column, "value_required")
    if width is not None:
        for position, (_, cells) in enumerate(batch):
            if len(cells) > width and not all(map(is_blank, cells[width:])):
                report(position, None, "row_too_long")
    return RowChunk(numbers, columns, [error for p in sorted(errors) for error in errors[p]])
