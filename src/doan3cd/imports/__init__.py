"""Reading uploaded member and activity files: CSV, XLSX, JSON → typed, numbered rows."""

from doan3cd.imports.chunk import RowChunk, SourceRow
from doan3cd.imports.errors import ImportFileError, RowError, iter_errors_csv, render_errors_csv
from doan3cd.imports.reader import RowReader, iter_chunks, open_rows
from doan3cd.imports.resources import ACTIVITIES, MEMBERS, RESOURCES, Column, Resource
from doan3cd.imports.sniff import Format
from doan3cd.imports.values import Value

__all__ = [
    "ACTIVITIES",
    "MEMBERS",
    "RESOURCES",
    "Column",
    "Format",
    "ImportFileError",
    "Resource",
    "RowChunk",
    "RowError",
    "RowReader",
    "SourceRow",
    "Value",
    "iter_chunks",
    "iter_errors_csv",
    "open_rows",
    "render_errors_csv",
]
