"""Write N deterministic synthetic members as an import file.

    python -m bench.generate_members 1000000 var/members.csv --seed 1
    python -m bench.generate_members 2000 var/members.xlsx --format xlsx --style vi
    python -m bench.generate_members 5000 var/m.csv --branches branch_codes.txt

Rows stream to the file (constant memory). `--style en` writes English headers, ISO dates and
gender codes (what a COPY baseline can load as is); `--style vi` writes what a Vietnamese
spreadsheet holds: Vietnamese headers, dd/mm/yyyy dates, Nam/Nữ.
"""

import argparse
import csv
import random
import sys
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import NamedTuple

from doan3cd.demo.names import random_person
from doan3cd.demo.people import random_member_dates, random_mobile
from doan3cd.imports.resources import MEMBERS

GENDER_VI = {"male": "Nam", "female": "Nữ"}
BATCH = 10_000


class MemberRow(NamedTuple):
    member_code: str
    full_name: str
    gender: str
    date_of_birth: date
    joined_on: date
    phone: str
    branch_code: str
    source: str
    external_id: str


def member_rows(
    count: int,
    rng: random.Random,
    branches: Sequence[str],
    *,
    as_of: date,
    digit_codes: bool = False,
    source: str = "national",
) -> Iterator[MemberRow]:
    for number in range(1, count + 1):
        full_name, gender = random_person(rng)
        born, joined = random_member_dates(rng, as_of)
        yield MemberRow(
            f"08{number:010d}" if digit_codes else f"TV{number:08d}",
            full_name,
            gender,
            born,
            joined,
            random_mobile(rng),
            rng.choice(branches),
            source,
            f"QG{number:010d}",
        )


def _dmy(day: date) -> str:
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def write_csv(path: Path, rows: Iterator[MemberRow], header: Sequence[str], vi: bool) -> None:
    text_date = _dmy if vi else date.isoformat
    genders = GENDER_VI if vi else {g: g for g in GENDER_VI}
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        batch: list[tuple[str, ...]] = []
        for row in rows:
            batch.append(
                (
                    row.member_code,
                    row.full_name,
                    genders[row.gender],
                    text_date(row.date_of_birth),
                    text_date(row.joined_on),
                    *row[5:],
                )
            )
            if len(batch) == BATCH:
                writer.writerows(batch)
                batch.clear()
        writer.writerows(batch)


def write_xlsx(path: Path, rows: Iterator[MemberRow], header: Sequence[str], vi: bool) -> None:
    """Dates as date cells; fine for tens of thousands of rows, not for millions."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Đoàn viên")
    sheet.append(list(header))
    for row in rows:
        sheet.append([*row[:2], GENDER_VI[row.gender] if vi else row.gender, *row[3:]])
    workbook.save(path)


def read_branches(path: Path) -> list[str]:
    codes = [line.strip() for line in path.read_text(encoding="utf-8-sig").splitlines()]
    return [code for code in codes if code]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.generate_members", description=__doc__)
    parser.add_argument("count", type=int)
    parser.add_argument("output", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--format", choices=("csv", "xlsx"), default=None, help="default: by suffix"
    )
    parser.add_argument("--style", choices=("en", "vi"), default="en")
    parser.add_argument("--branches", type=Path, help="file with one branch code per line")
    parser.add_argument("--branch-codes-prefix", default="CD")
    parser.add_argument("--branch-count", type=int, default=500)
    parser.add_argument("--digit-codes", action="store_true", help="12-digit member codes")
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2025, 12, 31))
    args = parser.parse_args(argv)

    if args.branches:
        branches = read_branches(args.branches)
    else:
        width = len(str(args.branch_count))
        branches = [
            f"{args.branch_codes_prefix}{n:0{max(width, 4)}d}"
            for n in range(1, args.branch_count + 1)
        ]
    if not branches:
        parser.error("no branch codes")
    fmt = args.format or ("xlsx" if args.output.suffix.lower() == ".xlsx" else "csv")
    vi = args.style == "vi"
    header = [MEMBERS.column(name).label_vi if vi else name for name in MemberRow._fields]
    rows = member_rows(
        args.count,
        random.Random(args.seed),
        branches,
        as_of=args.as_of,
        digit_codes=args.digit_codes,
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    (write_xlsx if fmt == "xlsx" else write_csv)(args.output, rows, header, vi)
    print(f"wrote {args.count} members to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
