"""A full year's verdicts (`doan3cd recompute`), on every CPU.

The path-ordered units are cut into contiguous slices (so each slice's subtree read stays one
narrow range scan); with several workers each slice is loaded and evaluated in its own process,
which makes its own engine from the settings. A slice hands back one compact outcome per unit —
its status, and its canonical JSON line when asked — not `Verdict` objects: pickling thousands of
UUID-heavy verdicts costs about as much as serialising them, and the JSON line is what
`recompute --output` writes anyway.

Keeping only outcomes also keeps the cyclic collector cheap: while a slice runs it is paused
(`cyclic_gc_paused`) and each chunk's facts and verdicts are freed by reference counting once
turned into outcomes, so when it resumes there is no heap of verdicts left for it to rescan.

Each slice reads in its own transaction, as chunks already did in one process: a recompute
during heavy writes is not one snapshot of the database.
"""

import asyncio
import math
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor

from sqlalchemy import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd.assessments import frameworks
from doan3cd.assessments.facts_loader import load_facts
from doan3cd.assessments.verdicts import cyclic_gc_paused
from doan3cd.config import Settings
from doan3cd.db.engine import make_async_engine
from doan3cd.db.session import make_sessionmaker
from doan3cd.domain.codec import canonical_json
from doan3cd.domain.evaluation import evaluate, verdict_to_dict
from doan3cd.domain.framework import Framework
from doan3cd.processes import forkserver_context

# A unit's status and, when asked, its verdict as one canonical JSON line.
Outcome = tuple[str, str | None]


async def outcomes(
    session: AsyncSession,
    framework: Framework,
    unit_ids: Sequence[uuid.UUID],
    year: int,
    *,
    chunk: int,
    lines: bool,
) -> list[Outcome]:
    """Outcomes of `unit_ids` (path-ordered), in their order, loading `chunk` units at a time."""
    result: list[Outcome] = []
    with cyclic_gc_paused():
        for first in range(0, len(unit_ids), chunk):
            part = unit_ids[first : first + chunk]
            result += await _chunk_outcomes(session, framework, part, year, lines)
    return result


async def _chunk_outcomes(
    session: AsyncSession,
    framework: Framework,
    unit_ids: Sequence[uuid.UUID],
    year: int,
    lines: bool,
) -> list[Outcome]:
    """A function of its own so that the chunk's facts and verdicts are freed on return, before
    the collector resumes."""
    result: list[Outcome] = []
    for facts in (await load_facts(session, unit_ids, year)).values():
        verdict = evaluate(framework, facts)
        result.append((verdict.status, canonical_json(verdict_to_dict(verdict)) if lines else None))
    return result


def slices(unit_ids: Sequence[uuid.UUID], workers: int, chunk: int) -> list[Sequence[uuid.UUID]]:
    """Contiguous, equal slices, a multiple of `workers` of them, none longer than `chunk`: every
    worker gets the same share, and no slice loads more facts at once than a chunk."""
    if not unit_ids:
        return []
    count = workers * math.ceil(len(unit_ids) / (workers * chunk))
    size = math.ceil(len(unit_ids) / count)
    return [unit_ids[first : first + size] for first in range(0, len(unit_ids), size)]


def can_share(settings: Settings) -> bool:
    """Other processes can open the same database (not an in-memory SQLite one)."""
    url = make_url(settings.database_url)
    if url.get_backend_name() != "sqlite":
        return True
    return url.database not in (None, "", ":memory:") and url.query.get("mode") != "memory"


async def all_outcomes(
    session: AsyncSession,
    framework: Framework,
    unit_ids: Sequence[uuid.UUID],
    year: int,
    *,
    chunk: int,
    lines: bool,
    workers: int = 1,
    settings: Settings | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[Outcome]:
    """Outcomes of `unit_ids` in their order: in this process and `session` with one worker (or
    no `settings`, or no more than one chunk of units: starting the worker processes costs about
    a second, more than a chunk gains from them), else in `workers` processes; `progress` gets
    the count done after each part."""
    done = 0
    result: list[Outcome] = []
    alone = workers <= 1 or len(unit_ids) <= chunk
    if alone or settings is None or not can_share(settings):
        for first in range(0, len(unit_ids), chunk):
            part = unit_ids[first : first + chunk]
            result += await outcomes(session, framework, part, year, chunk=chunk, lines=lines)
            done += len(part)
            if progress is not None:
                progress(done)
        return result
    loop = asyncio.get_running_loop()
    with ProcessPoolExecutor(workers, mp_context=forkserver_context(__name__)) as pool:
        parts = slices(unit_ids, workers, chunk)
        futures = [
            loop.run_in_executor(pool, slice_outcomes, settings, year, list(part), chunk, lines)
            for part in parts
        ]
        for part, future in zip(parts, futures, strict=True):
            result += await future
            done += len(part)
            if progress is not None:
                progress(done)
    return result


def slice_outcomes(
    settings: Settings, year: int, unit_ids: list[uuid.UUID], chunk: int, lines: bool
) -> list[Outcome]:
    """One slice in a worker process, with its own engine and event loop."""
    return asyncio.run(_slice_outcomes(settings, year, unit_ids, chunk, lines))


async def _slice_outcomes(
    settings: Settings, year: int, unit_ids: list[uuid.UUID], chunk: int, lines: bool
) -> list[Outcome]:
    engine = make_async_engine(settings)
    try:
        async with make_sessionmaker(engine)() as session:
            framework = frameworks.decode(await frameworks.for_year(session, year))
            return await outcomes(session, framework, unit_ids, year, chunk=chunk, lines=lines)
    finally:
        await engine.dispose()
