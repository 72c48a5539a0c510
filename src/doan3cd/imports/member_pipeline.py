"""Member file → checked, stage-ready batches, overlapped with staging the previous ones.

Reading a file, converting its values, checking them with the member rules and encoding them for
the stage is CPU work: a third of a large import. The first `POOL_AFTER_ROWS` rows go through
one thread, which overlaps with staging but shares the interpreter lock; after them, the
process only reads raw rows (CSV/XLSX; JSON is converted as it is parsed) and stages, while
worker processes convert, check and encode. So a request-sized file never starts a process, and
a national file uses every core.
"""

import asyncio
from collections import deque
from collections.abc import AsyncGenerator, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date

from doan3cd.domain.member_rules import AdmissionPolicy
from doan3cd.imports.chunk import RawBatch
from doan3cd.imports.errors import RowError
from doan3cd.imports.member_merge import StagePayload, encode_stage
from doan3cd.imports.member_rows import MemberRowChecker
from doan3cd.processes import forkserver_context

POOL_AFTER_ROWS = 50_000  # below this a file is checked in a thread: starting workers costs more


@dataclass(frozen=True, slots=True)
class CheckSpec:
    """How to check a file's rows: what a worker process needs to build the same checker."""

    present: frozenset[str]
    today: date
    policy: AdmissionPolicy
    postgres: bool


@dataclass(slots=True)
class StageChunk:
    """A checked chunk: how many rows it had, its problems, and its good rows ready to stage."""

    size: int
    bad_rows: list[int]
    errors: list[RowError]
    payload: StagePayload


def check_chunk(checker: MemberRowChecker, spec: CheckSpec, batch: RawBatch) -> StageChunk:
    """Convert, check and encode one batch."""
    chunk = batch.convert()
    checked = checker.check(chunk)
    payload = encode_stage(checked.columns, postgres=spec.postgres)
    return StageChunk(len(chunk), checked.bad_rows, checked.errors, payload)


_worker_checker: dict[CheckSpec, MemberRowChecker] = {}


def check_in_worker(spec: CheckSpec, batch: RawBatch) -> StageChunk:
    """`check_chunk` in a worker process, which serves one import: its checker (and caches)
    lives as long as the process."""
    if spec not in _worker_checker:
        _worker_checker[spec] = MemberRowChecker(spec.present, spec.today, spec.policy)
    return check_chunk(_worker_checker[spec], spec, batch)


async def checked_batches(
    batches: Iterator[RawBatch], spec: CheckSpec, workers: int
) -> AsyncGenerator[StageChunk, None]:
    """The batches checked and encoded in order, ahead of the caller staging them. Close it
    (`contextlib.aclosing`) to stop its thread and processes when the caller stops early."""
    head = _rows_up_to(batches, POOL_AFTER_ROWS)
    async for staged in _in_thread(head, spec):
        yield staged
    async for staged in _in_processes(batches, spec, workers):
        yield staged


def _rows_up_to(batches: Iterator[RawBatch], limit: int) -> Iterator[RawBatch]:
    """The batches until they hold `limit` rows (the one crossing it included), leaving the rest
    of `batches` unread."""
    rows = 0
    while rows < limit and (batch := next(batches, None)) is not None:
        rows += len(batch)
        yield batch


async def _in_thread(
    batches: Iterator[RawBatch], spec: CheckSpec
) -> AsyncGenerator[StageChunk, None]:
    checker = MemberRowChecker(spec.present, spec.today, spec.policy)

    def step() -> StageChunk | None:
        batch = next(batches, None)
        return None if batch is None else check_chunk(checker, spec, batch)

    pending = asyncio.ensure_future(asyncio.to_thread(step))
    try:
        # Shielded: a cancelled caller must not abandon a running step, which reads the file.
        while (staged := await asyncio.shield(pending)) is not None:
            pending = asyncio.ensure_future(asyncio.to_thread(step))
            yield staged
    finally:
        await asyncio.gather(pending, return_exceptions=True)


async def _in_processes(
    batches: Iterator[RawBatch], spec: CheckSpec, workers: int
) -> AsyncGenerator[StageChunk, None]:
    """Read in a thread, check in `workers` processes (started only if rows remain), keeping two
    batches per worker in flight: enough to keep them busy, few enough that memory stays flat."""
    pool = ProcessPoolExecutor(workers, mp_context=forkserver_context(__name__))

    def submit_next() -> Future[StageChunk] | None:
        batch = next(batches, None)
        return None if batch is None else pool.submit(check_in_worker, spec, batch)

    def read_next() -> asyncio.Future[Future[StageChunk] | None]:
        return asyncio.ensure_future(asyncio.to_thread(submit_next))

    in_flight: deque[Future[StageChunk]] = deque()
    reading = read_next()
    try:
        while True:
            # Fill the window, then hand out the oldest while the next one is read.
            while len(in_flight) < 2 * workers and (submitted := await asyncio.shield(reading)):
                in_flight.append(submitted)
                reading = read_next()
            if not in_flight:
                return
            yield await asyncio.wrap_future(in_flight.popleft())
    finally:
        await asyncio.gather(reading, return_exceptions=True)
        await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)
