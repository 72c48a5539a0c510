"""Parent/child kind rules are data, with validity periods."""

from datetime import date

import pytest

from doan3cd.domain.units import KindRule, kind_allowed

RULES = [
    KindRule("province", "district", date(1931, 3, 26), date(2025, 7, 1)),
    KindRule("district", "grassroots", date(1931, 3, 26), date(2025, 7, 1)),
    KindRule("province", "grassroots", date(1931, 3, 26), None),
    KindRule("grassroots", "branch", date(1931, 3, 26), None),
]


@pytest.mark.parametrize(
    ("parent", "child", "on", "allowed"),
    [
        ("province", "district", "2023-12-31", True),
        ("province", "district", "2025-07-01", False),
        ("district", "grassroots", "2025-06-30", True),
        ("district", "grassroots", "2025-07-01", False),
        ("province", "grassroots", "2026-01-01", True),
        ("grassroots", "branch", "1990-01-01", True),
        ("branch", "grassroots", "2023-01-01", False),
        ("grassroots", "branch", "1900-01-01", False),
    ],
)
def test_kind_allowed(parent: str, child: str, on: str, allowed: bool) -> None:
    assert kind_allowed(RULES, parent, child, date.fromisoformat(on)) is allowed
