"""Materialised-path arithmetic for the unit tree.

A path is the chain of unit ids from the root, each as 32 hex digits followed by "/", starting
with "/": "/<root>/<child>/". Every descendant's path starts with its ancestor's path, and in
bytewise order a subtree is the half-open range [path, path_upper(path)).
"""

import uuid
from collections.abc import Mapping

SEPARATOR = "/"


def path_segment(unit_id: uuid.UUID) -> str:
    return unit_id.hex + SEPARATOR


def child_path(parent_path: str | None, unit_id: uuid.UUID) -> str:
    return (parent_path or SEPARATOR) + path_segment(unit_id)


def path_upper(path: str) -> str:
    """Smallest string greater than every path that starts with `path`.

    Paths only hold hex digits and "/", so bumping the final "/" to the next character ("0")
    bounds the range.
    """
    return path[:-1] + chr(ord(path[-1]) + 1)


def ancestor_ids(path: str) -> list[uuid.UUID]:
    """Unit ids from the root down to (and including) the unit the path belongs to."""
    return [uuid.UUID(part) for part in path.strip(SEPARATOR).split(SEPARATOR) if part]


def is_within(path: str, ancestor_path: str) -> bool:
    return path.startswith(ancestor_path)


def depth_of(path: str) -> int:
    return len(ancestor_ids(path)) - 1


class CycleError(ValueError):
    """The requested parents would make a unit its own ancestor."""

    def __init__(self, unit_ids: list[uuid.UUID]) -> None:
        super().__init__("cycle through " + ", ".join(str(u) for u in unit_ids))
        self.unit_ids = unit_ids


def compute_paths(
    parents: Mapping[uuid.UUID, uuid.UUID | None], known: Mapping[uuid.UUID, str]
) -> dict[uuid.UUID, str]:
    """Paths of every unit in `parents` once each hangs under its given parent.

    A parent is either another key of `parents` (computed first) or a unit whose path is in
    `known`; None makes a root. Raises CycleError when the parents loop back on themselves.
    """
    paths: dict[uuid.UUID, str] = {}
    for start in parents:
        chain: list[uuid.UUID] = []
        on_chain: set[uuid.UUID] = set()
        current: uuid.UUID | None = start
        base: str | None = None
        while current is not None and current not in paths:
            if current not in parents:
                if current not in known:
                    raise KeyError(current)
                base = known[current]
                break
            if current in on_chain:
                raise CycleError(chain[chain.index(current) :])
            chain.append(current)
            on_chain.add(current)
            current = parents[current]
        if current is not None and current in paths:
            base = paths[current]
        for unit_id in reversed(chain):
            base = child_path(base, unit_id)
            paths[unit_id] = base
    return paths
