"""NFC storage and accent folding."""

import unicodedata

import pytest

from doan3cd.domain.text import fold, nfc


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("Nguyễn Văn An", "nguyen van an"),
        ("ĐOÀN TRƯỜNG THPT Hàm Giang", "doan truong thpt ham giang"),
        ("Xã đoàn  Hiếu   Trung", "xa doan hieu trung"),
        ("Lê Thị Thu Hằng", "le thi thu hang"),
        ("Phường đoàn Ô Môn", "phuong doan o mon"),
    ],
)
def test_fold(raw: str, folded: str) -> None:
    assert fold(raw) == folded
    assert fold(unicodedata.normalize("NFD", raw)) == folded


def test_nfc_composes_and_trims() -> None:
    decomposed = unicodedata.normalize("NFD", "  Nguyễn   Văn An ")
    assert nfc(decomposed) == "Nguyễn Văn An"
    assert unicodedata.is_normalized("NFC", nfc(decomposed))
