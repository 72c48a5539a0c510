"""Path arithmetic and path computation with cycle detection."""

import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from doan3cd.domain.hierarchy import (
    CycleError,
    ancestor_ids,
    child_path,
    compute_paths,
    depth_of,
    is_within,
    path_upper,
)

A, B, C, D, E = (uuid.UUID(int=i) for i in range(1, 6))


def p(*ids: uuid.UUID) -> str:
    path = None
    for unit_id in ids:
        path = child_path(path, unit_id)
    assert path is not None
    return path


def test_path_maths() -> None:
    path = p(A, B, C)
    assert ancestor_ids(path) == [A, B, C]
    assert depth_of(path) == 2
    assert is_within(path, p(A, B)) and not is_within(p(A, C), p(A, B))
    assert p(A, B) < path < path_upper(p(A, B))


@pytest.mark.parametrize(
    ("parents", "known", "expected"),
    [
        ({A: None}, {}, {A: p(A)}),
        ({B: A, C: B}, {A: p(A)}, {B: p(A, B), C: p(A, B, C)}),
        # children listed before their parents still get the parent's new path
        ({C: B, B: D}, {D: p(A, D)}, {B: p(A, D, B), C: p(A, D, B, C)}),
        ({B: A, E: A}, {A: p(D, A)}, {B: p(D, A, B), E: p(D, A, E)}),
        ({}, {A: p(A)}, {}),
    ],
)
def test_compute_paths(
    parents: dict[uuid.UUID, uuid.UUID | None],
    known: dict[uuid.UUID, str],
    expected: dict[uuid.UUID, str],
) -> None:
    assert compute_paths(parents, known) == expected


@pytest.mark.parametrize(
    ("parents", "cycle"),
    [
        ({A: A}, {A}),
        ({A: B, B: A}, {A, B}),
        ({A: B, B: C, C: A, D: A}, {A, B, C}),
        ({D: A, A: B, B: C, C: B}, {B, C}),
    ],
)
def test_compute_paths_refuses_cycles(
    parents: dict[uuid.UUID, uuid.UUID | None], cycle: set[uuid.UUID]
) -> None:
    with pytest.raises(CycleError) as caught:
        compute_paths(parents, {})
    assert set(caught.value.unit_ids) == cycle


def test_unknown_parent_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        compute_paths({A: B}, {})


@settings(max_examples=200, derandomize=True)
@given(st.lists(st.integers(min_value=0, max_value=30), min_size=1, max_size=30))
def test_paths_agree_with_walking_parents(picks: list[int]) -> None:
    """Unit i hangs under an earlier unit (or is a root); its path is the walk to its root."""
    ids = [uuid.UUID(int=i + 1) for i in range(len(picks))]
    parents: dict[uuid.UUID, uuid.UUID | None] = {
        ids[i]: (ids[pick % i] if i and pick % 3 else None) for i, pick in enumerate(picks)
    }
    paths = compute_paths(dict(reversed(parents.items())), {})
    for unit_id, path in paths.items():
        walk: list[uuid.UUID] = []
        current: uuid.UUID | None = unit_id
        while current is not None:
            walk.insert(0, current)
            current = parents[current]
        assert ancestor_ids(path) == walk
