"""Materialised-path arithmetic for the unit tree.

A path is the chain of unit ids from the root, each as 32 hex digits followed by "/", starting
with "/": "/<root>/<child>/". Every descendant's path starts with its ancestor's path, and in
bytewise order a subtree is the half-open range [path, path_upper(path)).
"""

import uuid

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
