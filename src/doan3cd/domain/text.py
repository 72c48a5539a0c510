"""Vietnamese text: NFC storage and accent-insensitive search keys."""

import unicodedata
from dataclasses import dataclass

_D_MAP = str.maketrans({"đ": "d", "Đ": "d"})


def nfc(text: str) -> str:
    """Canonical composed form, with runs of white space collapsed and the ends trimmed."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def fold(text: str) -> str:
    """Search key: lowercase, accents and tone marks removed, đ → d, white space collapsed.

    "Nguyễn Văn  Đức" → "nguyen van duc"; matching `fold(query)` as a substring of `fold(name)`
    makes search insensitive to accents and case on any database.
    """
    decomposed = unicodedata.normalize("NFD", text.translate(_D_MAP))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.lower().split())


@dataclass(frozen=True)
class Label:
    """A short text in Vietnamese and English (domain code cannot use the API's `Text`)."""

    vi: str
    en: str
