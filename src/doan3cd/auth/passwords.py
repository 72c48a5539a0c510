"""Password hashing with argon2id (memory-hard), run off the event loop."""

from functools import lru_cache

import anyio
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10
MAX_LENGTH = 256

_hasher = PasswordHasher()


async def hash_password(password: str) -> str:
    return await anyio.to_thread.run_sync(_hasher.hash, password)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash("not a password: only here to spend the same time")


def _verify(stored_hash: str | None, password: str) -> bool:
    try:
        _hasher.verify(stored_hash or _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return False
    return stored_hash is not None


async def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when `password` matches. Without a stored hash (unknown user) it does the same work
    against a dummy hash and answers False, so timing does not reveal which usernames exist."""
    return await anyio.to_thread.run_sync(_verify, stored_hash, password)


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)
