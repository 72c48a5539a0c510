"""Transfer (chuyển sinh hoạt Đoàn) state machine: requested → sent → received | rejected."""

from typing import Literal

TransferAction = Literal["send", "receive", "reject"]

TRANSITIONS: dict[tuple[str, TransferAction], str] = {
    ("requested", "send"): "sent",
    ("requested", "reject"): "rejected",
    ("sent", "receive"): "received",
    ("sent", "reject"): "rejected",
}
OPEN_STATES = frozenset({"requested", "sent"})
# Which side acts: the sending branch sends, the receiving branch receives; either may reject.
SIDE: dict[TransferAction, tuple[str, ...]] = {
    "send": ("from",),
    "receive": ("to",),
    "reject": ("from", "to"),
}


def next_state(state: str, action: TransferAction) -> str | None:
    """The state after `action`, or None when the action is not allowed from `state`."""
    return TRANSITIONS.get((state, action))
