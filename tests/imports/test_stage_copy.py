"""The stage's COPY text: what PostgreSQL reads back must be exactly the checked values."""

from datetime import date

from doan3cd.imports.member_merge import copy_text


def test_copy_text_escapes_only_what_copy_would_misread() -> None:
    columns = [
        [1, 2],
        ["tab\there", "plain"],
        [None, None],  # a column the file lacks
        [date(2001, 2, 3), None],
        ["\\N", "back\\slash\r\nline"],  # a literal \N is text, not NULL
    ]
    assert copy_text(columns) == (
        b"1\ttab\\there\t\\N\t2001-02-03\t\\\\N\n2\tplain\t\\N\t\\N\tback\\\\slash\\r\\nline\n"
    )


def test_copy_text_of_no_rows_is_empty() -> None:
    assert copy_text([[], []]) == b""
