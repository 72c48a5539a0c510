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
from collections.abc import AsyncIterator, Iterator
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


_checkers: dict[CheckSpec, MemberRowChecker] = {}


def check_chunk(spec: CheckSpec, batch: RawBatch) -> StageChunk:
    """Convert, check and encode one batch. In a worker the checker (and its caches) lives as
    long as the process, which serves one import."""
    checker = _checkers.get(spec)
    if checker is None:
        _checkers.clear()
        checker = _checkers[spec] = MemberRowChecker(spec.present, spec.today, spec.policy)
    chunk = batch.convert()
    checked = checker.check(chunk)
    payload = encode_stage(checked.columns, postgres=spec.postgres)
    return StageChunk(len(chunk), checked.bad_rows, checked.errors, payload)


async def checked_batches(
    batches: Iterator[RawBatch], spec: CheckSpec, workers: int
) -> AsyncIterator[StageChunk]:
    """The batches checked and encoded in order, ahead of the caller staging them."""
    head = _rows_up_to(batches, POOL_AFTER_ROWS)
    async for staged in _in_thread(head, spec):
        yield staged
    async for staged in _in_processes(batches, spec, workers):
        yield staged


def _rows_up_to(batches: Iterator[RawBatch], limit: int) -> Iterator[RawBatch]:
    """The batches until they hold `limit` rows (the one crossing it included), leaving the rest
    of `batches` unread."""
    rows = 0
    while rows < limit and (chunk := next(batches, None)) is not None:
        rows += len(chunk)
        yield chunk


async def _in_thread(batches: Iterator[RawBatch], spec: CheckSpec) -> AsyncIterator[StageChunk]:
    def step() -> StageChunk | None:
        chunk = next(batches, None)
        return None if chunk is None else check_chunk(spec, chunk)

    pending = asyncio.ensure_future(asyncio.to_thread(step))
    try:
        while (staged := await pending) is not None:
            pending = asyncio.ensure_future(asyncio.to_thread(step))
            yield staged
    finally:
        await asyncio.gather(pending, return_exceptions=True)  # the thread must not outlive us


async def _in_processes(
    batches: Iterator[RawBatch], spec: CheckSpec, workers: int
) -> AsyncIterator[StageChunk]:
    """Read in a thread, check in `workers` processes (started only if rows remain), keeping two
    batches per worker in flight: enough to keep them busy, few enough that memory stays flat."""
    pool = ProcessPoolExecutor(workers, mp_context=forkserver_context(__name__))

    def submit_next() -> Future[StageChunk] | None:
        chunk = next(batches, None)
        return None if chunk is None else pool.submit(check_chunk, spec, chunk)

    in_flight: deque[Future[StageChunk]] = deque()
    reading: asyncio.Future[Future[StageChunk] | None] | None = None
    try:
        while True:
            while len(in_flight) < 2 * workers:
                reading = reading or asyncio.ensure_future(asyncio.to_thread(submit_next))
                if (submitted := await reading) is None:
                    break
                in_flight.append(submitted)
                reading = None
            if not in_flight:
                return
            staged = await asyncio.wrap_future(in_flight.popleft())
            reading = reading or asyncio.ensure_future(asyncio.to_thread(submit_next))
            yield staged
    finally:
        if reading is not None:
            await asyncio.gather(reading, return_exceptions=True)
        await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)
