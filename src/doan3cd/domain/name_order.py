"""Vietnamese name order (thứ tự tên người Việt) as a plain, bytewise-sortable key.

Vietnamese lists sort people by given name (tên, the last word) first, then by the rest of the
name (họ and tên đệm, in order). Words compare letter by letter in the Vietnamese alphabet
(a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y; the Latin letters f j w z sit in their
Latin places and digits come first), and only when the letters are equal does the tone decide, in
dictionary order: none < huyền < hỏi < ngã < sắc < nặng. Case does not matter.

`name_sort_key` encodes this order into ASCII so that a stored key sorts identically under
SQLite's BINARY and PostgreSQL's "C" collation. Each word becomes

    <two-digit code per letter> "," <tone digits> "."

The comma is below every letter code (so "An" sorts before "Anh") and the period below every tone
digit (so a toneless word sorts before the same letters with a tone). The given name's word comes
first, then the other words in order. Hyphens, apostrophes and other punctuation inside a word are
ignored; a letter outside the table sorts after "z" by its code point.
"""

import unicodedata
from functools import lru_cache

ALPHABET = tuple("0123456789") + tuple("aăâbcdđeêfghijklmnoôơpqrstuưvwxyz")

# NFD combining marks that make a distinct letter rather than a tone.
_LETTER_MARKS = {"\u0306": "breve", "\u0302": "circumflex", "\u031b": "horn"}
_MARKED_LETTERS = {
    ("a", "breve"): "ă",
    ("a", "circumflex"): "â",
    ("e", "circumflex"): "ê",
    ("o", "circumflex"): "ô",
    ("o", "horn"): "ơ",
    ("u", "horn"): "ư",
}

# Tones in dictionary order; no tone has no digit at all.
TONES = {
    "\u0300": "1",  # huyền (grave)
    "\u0309": "2",  # hỏi (hook above)
    "\u0303": "3",  # ngã (tilde)
    "\u0301": "4",  # sắc (acute)
    "\u0323": "5",  # nặng (dot below)
}

_LETTER_CODES = {letter: f"{index + 10:02d}" for index, letter in enumerate(ALPHABET)}
_LETTERS_END = ","
_WORD_END = "."
_UNKNOWN_PREFIX = "~"


def _letter_code(letter: str) -> str:
    code = _LETTER_CODES.get(letter)
    if code is not None:
        return code
    return f"{_UNKNOWN_PREFIX}{ord(letter):06x}"


def word_parts(word: str) -> tuple[list[str], str]:
    """The word's letters (lowercase, marks resolved: "Ướ" → ["ư", "o"]) and its tone digits."""
    letters: list[str] = []
    tones = ""
    for char in unicodedata.normalize("NFD", word.lower()):
        if char in TONES:
            tones += TONES[char]
        elif char in _LETTER_MARKS and letters:
            letters[-1] = _MARKED_LETTERS.get((letters[-1], _LETTER_MARKS[char]), letters[-1])
        elif char.isalnum():
            letters.append(char)
    return letters, tones


@lru_cache(maxsize=1 << 14)
def _word_key(word: str) -> str:
    """Cached: a population's names reuse a few thousand words, and a million-row import keys
    every name."""
    letters, tones = word_parts(word)
    return "".join(_letter_code(letter) for letter in letters) + _LETTERS_END + tones + _WORD_END


def name_words(full_name: str) -> list[str]:
    """Words in sort order: the given name, then family and middle names as written."""
    words = [word for word in full_name.split() if word_parts(word)[0]]
    return words[-1:] + words[:-1]


def name_sort_key(full_name: str) -> str:
    """ASCII key whose bytewise order is Vietnamese name order.

    >>> sorted(["Trần Thị Bình", "Lê Văn Bình", "Nguyễn Văn An"], key=name_sort_key)
    ['Nguyễn Văn An', 'Lê Văn Bình', 'Trần Thị Bình']
    """
    keys = [key for key in map(_word_key, full_name.split()) if key[0] != _LETTERS_END]
    return "".join(keys[-1:] + keys[:-1])  # as name_words: the given name first
