"""Login rate limit: counters per username and per client address in one-minute windows.

The counters live in the database so every API process shares them. An attempt is counted
before the password is checked (an atomic upsert, so concurrent guesses cannot slip through
together) and handed back when the login succeeds: only failures use up the allowance.
"""

import math
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd.models.user import LoginThrottle

WINDOW = timedelta(minutes=1)


def window_start(now: datetime) -> datetime:
    return now.replace(second=0, microsecond=0)


def retry_after_seconds(now: datetime) -> int:
    remaining = (window_start(now) + WINDOW - now).total_seconds()
    return max(1, math.ceil(remaining))


def throttle_keys(username: str, address: str) -> list[str]:
    return [f"user:{username}"[:200], f"addr:{address}"[:200]]


async def count_attempt(session: AsyncSession, keys: list[str], now: datetime) -> int:
    """Add one attempt to each key's current window; the highest resulting count."""
    start = window_start(now)
    await session.execute(delete(LoginThrottle).where(LoginThrottle.window_start < start - WINDOW))
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(LoginThrottle).values(
        [{"key": key, "window_start": start, "attempts": 1} for key in keys]
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[LoginThrottle.key, LoginThrottle.window_start],
        set_={"attempts": LoginThrottle.attempts + 1},
    ).returning(LoginThrottle.attempts)
    counts: list[int] = list((await session.execute(stmt)).scalars())
    return max(counts)


async def forgive_attempt(session: AsyncSession, keys: list[str], now: datetime) -> None:
    await session.execute(
        update(LoginThrottle)
        .where(
            LoginThrottle.key.in_(keys),
            LoginThrottle.window_start == window_start(now),
            LoginThrottle.attempts > 0,
        )
        .values(attempts=LoginThrottle.attempts - 1)
    )
