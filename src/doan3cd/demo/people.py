"""Synthetic member facts besides names: birth and admission dates, mobile numbers."""

import random
from datetime import date

from doan3cd.domain.member_rules import AdmissionPolicy

# Mobile prefixes in use since the 2018 renumbering (trunk 0 dropped).
MOBILE_PREFIXES = (
    "32", "33", "34", "35", "36", "37", "38", "39", "52", "55", "56", "58", "59", "70", "76",
    "77", "78", "79", "81", "82", "83", "84", "85", "86", "87", "88", "89", "90", "91", "93",
    "94", "96", "97", "98",
)  # fmt: skip


def add_years(day: date, years: int) -> date:
    """The same calendar day `years` later; 29 February becomes 1 March in common years."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


def random_mobile(rng: random.Random) -> str:
    """A valid Vietnamese mobile number in E.164, e.g. "+84912345678"."""
    return f"+84{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10_000_000):07d}"


def random_member_dates(
    rng: random.Random, as_of: date, policy: AdmissionPolicy = AdmissionPolicy()
) -> tuple[date, date]:
    """(date_of_birth, joined_on): admitted aged min_age to max_age, on or before `as_of`."""
    oldest = add_years(as_of, -(policy.max_age + 5)).toordinal()
    youngest = add_years(as_of, -policy.min_age).toordinal()
    born = date.fromordinal(rng.randint(oldest, youngest))
    first = add_years(born, policy.min_age).toordinal()
    last = min(add_years(born, policy.max_age + 1).toordinal() - 1, as_of.toordinal())
    return born, date.fromordinal(rng.randint(first, last))
