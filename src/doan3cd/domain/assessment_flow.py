"""The assessment workflow (đăng ký → nộp → trả lại ⇄ nộp lại → quyết định) as a pure function.

States: `registered → submitted → returned ⇄ submitted → decided`. A decided assessment changes
only when an admin reopens it, which takes it back to `submitted` so it can be decided again.
"""

from typing import Literal

State = Literal["registered", "submitted", "returned", "decided"]
Action = Literal["submit", "return", "decide", "reopen"]

STATES: tuple[State, ...] = ("registered", "submitted", "returned", "decided")

TRANSITIONS: dict[tuple[State, Action], State] = {
    ("registered", "submit"): "submitted",
    ("returned", "submit"): "submitted",
    ("submitted", "return"): "returned",
    ("submitted", "decide"): "decided",
    ("decided", "reopen"): "submitted",
}

# Coded reasons a reviewer gives when returning an assessment (lý do trả lại hồ sơ).
RETURN_REASONS = (
    "evidence_missing",
    "evidence_unclear",
    "scores_unjustified",
    "targets_not_met",
    "documents_unsigned",
    "other",
)


class TransitionRefused(ValueError):
    """The action is not allowed from the current state."""

    def __init__(self, state: str, action: str) -> None:
        super().__init__(f"cannot {action} an assessment that is {state}")
        self.state = state
        self.action = action


def next_state(state: State, action: Action) -> State:
    """The state after `action`, or TransitionRefused."""
    try:
        return TRANSITIONS[(state, action)]
    except KeyError:
        raise TransitionRefused(state, action) from None
