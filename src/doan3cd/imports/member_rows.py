"""Member rows checked column by column with the member rules, ready to stage.

The same rules as the members API (domain/member_rules.py), applied a column of a chunk at a
time with a cache per column: a province file repeats genders, branch codes and statuses
thousands of times, and per-row objects are what make a million-row import slow.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from doan3cd.domain import member_rules as rules
from doan3cd.domain.name_order import name_sort_key
from doan3cd.domain.text import fold
from doan3cd.imports.chunk import RowChunk
from doan3cd.imports.errors import RowError
from doan3cd.imports.values import Value

MEMBER_STATUSES = ("active", "transferring", "matured", "removed", "expelled", "deceased")

# Staged columns, in COPY order; the member's derived columns follow its name.
STAGE_FIELDS = (
    "row_no",
    "member_code",
    "full_name",
    "name_folded",
    "name_sort_key",
    "date_of_birth",
    "gender",
    "phone",
    "email",
    "address",
    "occupation",
    "education",
    "card_number",
    "joined_on",
    "branch_code",
    "status",
    "party_admitted_on",
    "ethnicity",
    "religion",
    "national_id",
    "source",
    "external_id",
)
# Where the member table is narrower than the file column allows.
STORED_LENGTH = {
    "member_code": 32,
    "card_number": 32,
    "ethnicity": 60,
    "religion": 60,
    "source": 40,
}
TEXT_FIELDS = ("address", "occupation", "education", "card_number", "ethnicity", "religion")

Outcome = object  # a normalised value or a RuleError
Normaliser = Callable[[str], Outcome]


def _safe(normalise: Callable[[str, str], object], field: str) -> Normaliser:
    def run(raw: str) -> Outcome:
        try:
            return normalise(raw, field)
        except rules.RuleViolation as violation:
            return violation.error

    return run


def _too_long(field: str, limit: int) -> rules.RuleError:
    return rules.RuleError(
        "value_too_long",
        field,
        f"Giá trị dài quá {limit} ký tự.",
        f"The value is longer than {limit} characters.",
    )


def _limited(normalise: Normaliser, field: str, limit: int | None) -> Normaliser:
    if limit is None:
        return normalise

    def run(raw: str) -> Outcome:
        value = normalise(raw)
        return _too_long(field, limit) if isinstance(value, str) and len(value) > limit else value

    return run


def _identity(raw: str) -> Outcome:
    return raw


def _status(raw: str) -> Outcome:
    code = fold(raw).replace(" ", "_")
    if code in MEMBER_STATUSES:
        return code
    return rules.RuleError(
        "status_invalid",
        "status",
        "Trạng thái không hợp lệ (" + ", ".join(MEMBER_STATUSES) + ").",
        "Invalid status (" + ", ".join(MEMBER_STATUSES) + ").",
    )


def _name(raw: str) -> Outcome:
    try:
        name = rules.normalize_name(raw)
    except rules.RuleViolation as violation:
        return violation.error
    return name, fold(name), name_sort_key(name)


def _unless_empty(normalise: Normaliser) -> Normaliser:
    def run(raw: str | None) -> Outcome:
        return None if raw is None else normalise(raw)

    return run


def _cached(normalise: Normaliser, size: int) -> Normaliser:
    return lru_cache(maxsize=size)(normalise)


def _normalisers() -> dict[str, Normaliser | None]:
    """Fresh caches per import, so memory stays bounded and rules changes apply at once. None:
    the value is staged as read (no rule, no length limit), without a call per cell."""
    plain: dict[str, Normaliser | None] = {
        "member_code": _safe(rules.normalize_member_code, "member_code"),
        "gender": _safe(rules.normalize_gender, "gender"),
        "phone": _safe(rules.normalize_phone, "phone"),
        "email": _safe(rules.normalize_email, "email"),
        "national_id": _safe(rules.normalize_national_id, "national_id"),
        "status": _status,
        "branch_code": None,
        "source": None,
        "external_id": None,
        **{field: None for field in TEXT_FIELDS},
    }
    sizes = {"gender": 64, "status": 64, "source": 64}
    normalisers: dict[str, Normaliser | None] = {}
    for field, fn in plain.items():
        limit = STORED_LENGTH.get(field)
        if fn is None and limit is not None:
            fn = _identity
        normalisers[field] = (
            None
            if fn is None
            else _cached(_unless_empty(_limited(fn, field, limit)), sizes.get(field, 1 << 12))
        )
    return normalisers


@dataclass(slots=True)
class CheckedChunk:
    """The good rows column by column (`columns[i]` holds STAGE_FIELDS[i] of every good row), and
    every problem of the chunk's rows."""

    columns: list[Sequence[object]]
    bad_rows: list[int]
    errors: list[RowError]

    def __len__(self) -> int:
        return len(self.columns[0])

    @property
    def rows(self) -> list[tuple[object, ...]]:
        return list(zip(*self.columns, strict=True))


class MemberRowChecker:
    """Apply the member rules to chunks of one file (`present`: the fields the file has)."""

    def __init__(
        self,
        present: Iterable[str],
        today: date,
        policy: rules.AdmissionPolicy = rules.AdmissionPolicy(),
    ) -> None:
        self.present = frozenset(present)
        self.today = today
        self.policy = policy
        self._normalisers = _normalisers()
        self._names = lru_cache(maxsize=1 << 16)(_name)

    def check(self, chunk: RowChunk) -> CheckedChunk:
        count = len(chunk)
        numbers = chunk.numbers
        problems: dict[int, list[RowError]] = {}
        for row_error in chunk.errors:
            problems.setdefault(row_error.row, []).append(row_error)

        def report(position: int, error: rules.RuleError) -> None:
            problems.setdefault(numbers[position], []).append(
                RowError.from_rule(numbers[position], error)
            )

        blank: list[Value] = [None] * count
        columns: dict[str, list[object]] = {}
        for field, normalise in self._normalisers.items():
            values = chunk.columns.get(field, blank)
            if values is blank:
                columns[field] = values  # type: ignore[assignment]
                continue
            if normalise is None:
                columns[field] = values  # type: ignore[assignment]
                continue
            out: list[object] = list(map(normalise, values))  # type: ignore[arg-type]
            if any(map(rules.RuleError.__instancecheck__, out)):
                for position, value in enumerate(out):
                    if isinstance(value, rules.RuleError):
                        report(position, value)
                        out[position] = None
            columns[field] = out

        names: list[object] = [None] * count
        folded: list[object] = [None] * count
        sort_keys: list[object] = [None] * count
        for position, raw in enumerate(chunk.columns.get("full_name", blank)):
            if raw is None:
                continue
            outcome = self._names(str(raw))
            if isinstance(outcome, rules.RuleError):
                report(position, outcome)
            else:
                names[position], folded[position], sort_keys[position] = outcome  # type: ignore[misc]

        births = chunk.columns.get("date_of_birth", blank)
        joins = chunk.columns.get("joined_on", blank)
        party = chunk.columns.get("party_admitted_on", blank)
        today, policy = self.today, self.policy
        for position in range(count):
            birth, joined, admitted = births[position], joins[position], party[position]
            # Fast path: the common row breaks no date rule, so skip building error lists.
            if (
                isinstance(birth, date)
                and isinstance(joined, date)
                and admitted is None
                and joined <= today
                and birth <= joined
                and policy.min_age <= rules.age_on(birth, joined) <= policy.max_age
            ):
                continue
            for rule_error in rules.check_member_dates(
                today=today,
                date_of_birth=birth,  # type: ignore[arg-type]
                joined_on=joined,  # type: ignore[arg-type]
                party_admitted_on=admitted,  # type: ignore[arg-type]
                policy=policy,
            ):
                report(position, rule_error)

        sources, external_ids = columns["source"], columns["external_id"]
        for position in range(count):
            if (sources[position] is None) != (external_ids[position] is None):
                report(
                    position,
                    rules.RuleError(
                        "external_id_incomplete",
                        "external_id" if external_ids[position] is None else "source",
                        "Cần cả mã nguồn và mã định danh ngoài.",
                        "Both the source and the external id are needed.",
                    ),
                )

        staged: dict[str, Sequence[object]] = {
            **columns,
            "row_no": numbers,
            "full_name": names,
            "name_folded": folded,
            "name_sort_key": sort_keys,
            "date_of_birth": births,
            "joined_on": joins,
            "party_admitted_on": party,
        }
        bad = sorted(problems)
        ordered = [staged[field] for field in STAGE_FIELDS]
        if bad:
            good = [position for position, number in enumerate(numbers) if number not in problems]
            ordered = [[column[position] for position in good] for column in ordered]
        return CheckedChunk(ordered, bad, [error for row in bad for error in problems[row]])
