"""Exports of scoped records as CSV (streamed) and XLSX."""
