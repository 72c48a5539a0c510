"""Worker processes for CPU-bound batch work (full verdict runs, checking large imports)."""

import multiprocessing
from multiprocessing.context import BaseContext


def forkserver_context(module: str) -> BaseContext:
    """Workers forked from a clean server process that imported `module` once (a plain fork
    would share this process's event loop and database connections; `spawn` would import the
    application again in every worker, about a second each). The server starts once per process
    and keeps the preload of its first user; a later user's module is imported on first call."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["__main__", module])
    return context
