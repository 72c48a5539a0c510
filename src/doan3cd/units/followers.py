"""Records that follow units through reorganisations, reported by hooks other features register.

Members, welfare cases, evidence… point at a unit's stable id. When units merge, close, split or
move, each feature may need to count (dry run) or move (real run) its records. This module knows
none of them: a feature registers a hook once, at import time of its service module:

    async def members_follow(session: AsyncSession, change: FollowerChange) -> dict[str, int]:
        ...  # count the records of change.unit_ids; unless change.dry_run, move them
        return {"members": n}

    register_follower("members", members_follow)

Hooks run inside the reorganisation's transaction (a dry run's savepoint is rolled back after
them, so a hook may simply do the work and count); they may raise `ProblemError` to refuse.
"""

import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

ChangeKind = Literal["move", "merge", "close", "split"]


@dataclass(frozen=True, slots=True)
class FollowerChange:
    """A reorganisation as the followers see it.

    - merge: `unit_ids` are the sources merged away; their records move to `target_id`.
    - close: `unit_ids` is the closed unit; `target_id` is None.
    - split: `unit_ids` is the split unit; `successor_ids` are the new units (records need a
      per-record decision, so hooks usually only count).
    - move: `unit_ids` are every unit of the moved subtrees; `target_id` is the new parent.
      Records keep their unit; the count says what moves along.
    """

    kind: ChangeKind
    unit_ids: frozenset[uuid.UUID]
    effective_on: date
    dry_run: bool
    target_id: uuid.UUID | None = None
    successor_ids: frozenset[uuid.UUID] = field(default_factory=frozenset)


FollowerHook = Callable[[AsyncSession, FollowerChange], Awaitable[Mapping[str, int]]]

_hooks: dict[str, FollowerHook] = {}


def register_follower(name: str, hook: FollowerHook) -> None:
    """Register (or replace) the hook called `name`."""
    _hooks[name] = hook


def unregister_follower(name: str) -> None:
    _hooks.pop(name, None)


async def notify_followers(session: AsyncSession, change: FollowerChange) -> dict[str, int]:
    """Call every hook (in name order, for a deterministic report) and merge their counts."""
    counts: dict[str, int] = {}
    for name in sorted(_hooks):
        for key, value in (await _hooks[name](session, change)).items():
            counts[key] = counts.get(key, 0) + value
    return counts
