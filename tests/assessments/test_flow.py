"""The assessment state machine, table-driven."""

import pytest

from doan3cd.domain.assessment_flow import (
    STATES,
    TRANSITIONS,
    Action,
    State,
    TransitionRefused,
    next_state,
)

ALLOWED: list[tuple[State, Action, State]] = [
    ("registered", "submit", "submitted"),
    ("submitted", "return", "returned"),
    ("returned", "submit", "submitted"),
    ("submitted", "decide", "decided"),
    ("decided", "reopen", "submitted"),
]
ACTIONS: tuple[Action, ...] = ("submit", "return", "decide", "reopen")


@pytest.mark.parametrize(("state", "action", "after"), ALLOWED)
def test_allowed_transitions(state: State, action: Action, after: State) -> None:
    assert next_state(state, action) == after


@pytest.mark.parametrize(
    ("state", "action"),
    [(s, a) for s in STATES for a in ACTIONS if (s, a) not in TRANSITIONS],
)
def test_every_other_transition_is_refused(state: State, action: Action) -> None:
    with pytest.raises(TransitionRefused):
        next_state(state, action)


def test_the_table_is_exactly_the_allowed_list() -> None:
    assert {(s, a): t for s, a, t in ALLOWED} == TRANSITIONS
